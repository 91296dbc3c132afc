import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import { parseSecurityText } from '../../server/analyze/parse-text.js';
import { fixture } from '../support/fixtures.js';

const OFF = 'debian12-252/offline/';
const ON = 'debian12-252/online/';

/** The same checks without the debug columns, to compare debug and plain runs. */
const plain = (u: UnitAssessment) => ({
  ...u,
  checks: u.checks.map((c): Check => ({ ...c, weight: null, badness: null, range: null })),
});

test('offline 252: four whole tables in UTF-8 and ASCII, with and without debug columns', () => {
  const runs = ['utf8.txt', 'ascii.txt', 'utf8-debug.txt', 'ascii-debug.txt'].map((f) =>
    parseSecurityText(fixture(OFF + f)),
  );
  for (const r of runs) {
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.units.map((u) => [u.unit, u.exposure, u.predicate, u.checks.length, u.partial]),
      [
        ['apt-daily.service', 96, 'UNSAFE', 81, false],
        ['systemd-logind.service', 30, 'OK', 81, false],
        ['emergency.service', 95, 'UNSAFE', 81, false],
        ['getty@i.service', 96, 'UNSAFE', 81, false],
      ],
    );
    assert.deepEqual(r.overview, []);
  }
  const [utf8, ascii, utf8Debug, asciiDebug] = runs.map((r) => r.units);
  // Glyph style changes nothing once parsed.
  assert.deepEqual(ascii, utf8);
  assert.deepEqual(asciiDebug, utf8Debug);
  // Debug columns only add the numbers.
  assert.deepEqual(utf8Debug?.map(plain), utf8);
  assert.ok(utf8?.every((u) => u.checks.every((c) => c.weight === null && c.badness === null)));
});

test('debug columns: N/A badness (18446744073709551615) is null, and the formula gives the printed score', () => {
  const { units } = parseSecurityText(fixture(`${OFF}utf8-debug.txt`));
  const apt = units[0] as UnitAssessment;
  const groups = apt.checks.find((c) => c.id === 'SupplementaryGroups');
  assert.deepEqual(groups, {
    id: 'SupplementaryGroups',
    name: 'SupplementaryGroups=',
    description: 'Service runs as root, option does not matter',
    set: null,
    exposure: null,
    weight: 200,
    badness: null,
    range: 1,
  });
  for (const u of units) assert.equal(recomputeExposure(u.checks), u.exposure, u.unit);
  // DefaultDependencies=no: four rows do not apply.
  const emergency = units[2] as UnitAssessment;
  const na = emergency.checks.filter((c) => c.description?.startsWith('Service runs in special boot phase'));
  assert.deepEqual(na.map((c) => c.id).sort(), [
    'PrivateTmp',
    'ProtectHome',
    'ProtectSystem',
    'RootDirectoryOrRootImage',
  ]);
  assert.ok(na.every((c) => c.set === null && c.badness === null && c.exposure === null));
});

test('online 252: tables, then the overview of the named units; template instances renamed', () => {
  const r = parseSecurityText(fixture(`${ON}units-utf8-debug.txt`));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.units.map((u) => [u.unit, u.exposure, u.partial]),
    [
      ['plain.service', 98, false],
      ['hardened.service', 4, false],
      ['noaccess.service', 90, false],
      ['early.service', 95, false],
      ['tmpl@test-instance.service', 94, false],
    ],
  );
  assert.deepEqual(
    r.overview,
    r.units.map((u) => ({ unit: u.unit, exposure: u.exposure, predicate: u.predicate })),
  );
  for (const u of r.units) assert.equal(recomputeExposure(u.checks), u.exposure, u.unit);
  const ascii = parseSecurityText(fixture(`${ON}units-ascii.txt`));
  assert.deepEqual(ascii.units, r.units.map(plain));
  assert.deepEqual(ascii.overview, r.overview);
});

test('the overview printed without unit arguments', () => {
  const r = parseSecurityText(fixture(`${ON}overview.txt`));
  assert.deepEqual(r.problems, []);
  assert.equal(r.units.length, 0);
  assert.equal(r.overview.length, 9);
  assert.deepEqual(r.overview[4], { unit: 'hardened.service', exposure: 4, predicate: 'SAFE' });
  assert.deepEqual(r.overview[8], { unit: 'tmpl@5.service', exposure: 94, predicate: 'UNSAFE' });
});

test('ProtectProc=noaccess: a bad row with no description and exposure 0.1', () => {
  const { units } = parseSecurityText(fixture(`${ON}units-utf8-debug.txt`));
  const proc = units.find((u) => u.unit === 'noaccess.service')?.checks.find((c) => c.id === 'ProtectProc');
  assert.deepEqual(proc, {
    id: 'ProtectProc',
    name: 'ProtectProc=',
    description: null,
    set: false,
    exposure: 1,
    weight: 1000,
    badness: 1,
    range: 3,
  });
});

test('policy texts: runs of spaces kept, a wide emoji does not shift the numbers, weight 0 is N/A', () => {
  const r = parseSecurityText(fixture(`${ON}policy-debug.txt`));
  assert.deepEqual(r.problems, []);
  const checks = (r.units[0] as UnitAssessment).checks;
  const byId = (id: string) => checks.find((c) => c.id === id);
  assert.equal(byId('PrivateNetwork')?.description, "Service   has  access   to the host's   network");
  assert.deepEqual([byId('PrivateNetwork')?.weight, byId('PrivateNetwork')?.exposure], [6000, 11]);
  assert.deepEqual(byId('ProtectHostname'), {
    id: 'ProtectHostname',
    name: 'ProtectHostname=',
    description: 'Host name 📛 may change',
    set: false,
    exposure: 1,
    weight: 50,
    badness: 1,
    range: 1,
  });
  assert.deepEqual(
    [byId('DeviceAllow')?.set, byId('DeviceAllow')?.weight, byId('DeviceAllow')?.badness],
    [null, 0, null],
  );
  for (const u of r.units) assert.equal(recomputeExposure(u.checks), u.exposure, u.unit);
});

test('colours, OSC 8 links and emoji smileys (SYSTEMD_COLORS=1) parse like plain output', () => {
  const colour = parseSecurityText(fixture(`${ON}colour.txt`));
  assert.ok(fixture(`${ON}colour.txt`).includes('\x1b]8;;'));
  assert.deepEqual(colour.problems, []);
  const ascii = parseSecurityText(fixture(`${ON}units-ascii.txt`));
  assert.deepEqual(colour.units, ascii.units.slice(0, 2));
  assert.deepEqual(colour.overview, ascii.overview.slice(0, 2));
});

test('a run stopped by a non-service argument: the unit before it, the error, no overview', () => {
  const out = fixture(`${ON}not-a-service.txt`);
  const r = parseSecurityText(`${out}${fixture(`${ON}not-a-service.txt.stderr`)}`);
  assert.deepEqual(
    r.units.map((u) => [u.unit, u.partial]),
    [['plain.service', false]],
  );
  assert.deepEqual(r.errors, [
    { unit: 'dbus.socket', message: 'Unit dbus.socket is not a service unit, refusing.' },
  ]);
  assert.deepEqual(r.overview, []);
  assert.deepEqual(r.problems, []);
});

test('CRLF line ends give the same result', () => {
  const lf = fixture(`${OFF}utf8-debug.txt`);
  assert.deepEqual(parseSecurityText(lf.replaceAll('\n', '\r\n')), parseSecurityText(lf));
});

test('a table cut before its summary line is partial and nameless; earlier ones stay whole', () => {
  const text = fixture(`${OFF}utf8.txt`);
  const third = text.indexOf('  NAME', text.indexOf('systemd-logind.service: '));
  const cut = text.slice(0, third + 3000);
  const r = parseSecurityText(cut, { cut: true });
  const whole = parseSecurityText(text).units;
  assert.deepEqual(r.units.slice(0, 2), whole.slice(0, 2));
  const last = r.units[2] as UnitAssessment;
  assert.equal(last.unit, '');
  assert.equal(last.partial, true);
  assert.equal(last.exposure, null);
  // The cut line is dropped, the rows before it are the table's first rows.
  assert.deepEqual(last.checks, (whole[2] as UnitAssessment).checks.slice(0, last.checks.length));
  assert.ok(r.problems.some((p) => p.reason === 'line cut off'));
  assert.ok(r.problems.some((p) => p.reason.startsWith('table ends without')));
});

test('a summary line cut inside its score is not taken as a score', () => {
  const text = fixture(`${OFF}utf8.txt`);
  const end = text.indexOf('9.6 UNSAFE') + 2;
  const r = parseSecurityText(text.slice(0, end), { cut: true });
  assert.equal(r.units.length, 1);
  assert.equal(r.units[0]?.partial, true);
  assert.equal(r.units[0]?.exposure, null);
});

test('garbage lines are problems with their line numbers; lines that are not rows make a table partial', () => {
  const text = fixture(`${OFF}utf8.txt`).split('\n');
  text.splice(5, 0, 'some garbage', '✗');
  const r = parseSecurityText(text.join('\n'));
  assert.deepEqual(
    r.problems.map((p) => p.line),
    [6, 7],
  );
  assert.equal(r.units[0]?.partial, true);
  assert.equal(r.units[1]?.partial, false);
  assert.deepEqual(parseSecurityText('\u0000\u0001 \x1b[31m\n@@@\n→ Overall exposure level for x: \n'), {
    units: [],
    unitLines: [],
    overview: [],
    errors: [],
    problems: [
      { line: 1, reason: 'unrecognised line' },
      { line: 2, reason: 'unrecognised line' },
      { line: 3, reason: 'summary line with an unreadable score' },
    ],
  });
});

test('a predicate that does not match the score is reported, the host value kept', () => {
  const r = parseSecurityText(
    '  NAME  DESCRIPTION  EXPOSURE\n✓ A= ok\n→ Overall exposure level for a.service: 9.6 SAFE :-}\n',
  );
  assert.equal(r.units[0]?.predicate, 'SAFE');
  assert.deepEqual(r.problems, [{ line: 3, reason: 'predicate does not match the exposure' }]);
});

test('parsing is linear on hostile input', () => {
  const long = 'a'.repeat(300_000);
  const hostile = [
    `→ Overall exposure level for ${': 1.1 A'.repeat(50_000)}`,
    `  NAME  DESCRIPTION  WEIGHT BADNESS RANGE EXPOSURE`,
    `✓ ${'x '.repeat(150_000)}`,
    `✗ A= ${'1 '.repeat(150_000)}`,
    `UNIT EXPOSURE PREDICATE HAPPY`,
    `${long} 1.1 OK`,
    `Unit ${long}`,
    '\x1b['.repeat(100_000),
  ].join('\n');
  const t0 = performance.now();
  const r = parseSecurityText(hostile.repeat(3));
  assert.ok(performance.now() - t0 < 3000, 'parse took too long');
  assert.ok(r.problems.length > 0);
});

test('a pasted output: prompt line, header selected from NAME on', () => {
  const text = fixture(`${OFF}utf8-debug.txt`);
  const pasted = `[root@host ~]# systemd-analyze security\n${text.trimStart()}`;
  const r = parseSecurityText(pasted);
  assert.deepEqual(r.problems, [{ line: 1, reason: 'unrecognised line' }]);
  assert.deepEqual(r.units, parseSecurityText(text).units);
});

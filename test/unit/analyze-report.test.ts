import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeOutput, analyzeReport } from '../../server/analyze/analyze-report.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { parseSecurityText } from '../../server/analyze/parse-text.js';
import { fixture, frameReport } from '../support/fixtures.js';

const ON = 'debian12-252/online/';
const REPORT = fixture(`${ON}report.txt`);
const FULL = analyzeReport(REPORT);

test('the real report: every listed unit whole, exact ids and weights, overview, version', () => {
  const { meta, analysis, complete } = FULL;
  assert.equal(complete, true);
  assert.equal(meta.hostname, 'vm');
  assert.equal(analysis.systemdVersion, 252);
  assert.deepEqual(analysis.problems, []);
  assert.deepEqual(analysis.errors, []);
  assert.deepEqual(
    analysis.units.map((u) => [u.unit, u.exposure, u.partial, u.checks.length]),
    [
      ['dbus.service', 98, false, 81],
      ['dirmngr.service', 98, false, 81],
      ['early.service', 95, false, 81],
      ['gpg-agent.service', 98, false, 81],
      ['hardened.service', 4, false, 81],
      ['noaccess.service', 90, false, 81],
      ['pk-debconf-helper.service', 98, false, 81],
      ['plain.service', 98, false, 81],
      ['tmpl@5.service', 94, false, 81],
    ],
  );
  assert.ok(analysis.units.every((u) => u.checks.every((c) => c.weight !== null && c.range !== null)));
  assert.deepEqual(analysis.overview, parseSecurityText(fixture(`${ON}overview.txt`)).overview);
});

// What collect.sh 2 prints on systemd ≥ 250: the same report without the text table sections.
const JSON_ONLY = REPORT.replace(
  /\n@b0undary42 section units\n[\s\S]*?(?=\n@b0undary42 section units-json\n)/,
  '',
);

test('collect.sh 2: the JSON alone gives the same units, checks and scores as text and JSON', () => {
  assert.ok(!JSON_ONLY.includes('Overall exposure level'));
  const { analysis } = analyzeReport(JSON_ONLY);
  assert.deepEqual(analysis.problems, []);
  assert.deepEqual(analysis.units, FULL.analysis.units);
  assert.deepEqual(analysis.overview, FULL.analysis.overview);
});

test('arrays seen before are parsed once: the same frozen checks come back for the next report', () => {
  const first = analyzeReport(JSON_ONLY).analysis.units;
  const again = analyzeReport(JSON_ONLY.replace('hostname=vm', 'hostname=vm2')).analysis.units;
  assert.deepEqual(again, first);
  assert.ok(first.every((u, i) => u.checks === again[i]?.checks && Object.isFrozen(u.checks)));
  assert.throws(() => {
    (first[0]?.checks[0] as { set: boolean | null }).set = true;
  }, TypeError);
  // One check changed: that array is parsed afresh, the others still shared.
  const changed = JSON_ONLY.replace('"Service runs within the host\'s root directory"', '"Changed"');
  const fresh = analyzeReport(changed).analysis.units;
  assert.equal(fresh.filter((u, i) => u.checks !== first[i]?.checks).length, 1);
});

test('collect.sh 2 cut inside the JSON: whole units named by the unit list, the cut one partial', () => {
  const start = JSON_ONLY.indexOf('section units-json');
  // Into the fourth array: the overview array that names the units never arrived.
  let at = start;
  for (let i = 0; i < 4; i++) at = JSON_ONLY.indexOf('\n[', at + 1);
  const { analysis, complete } = analyzeReport(JSON_ONLY.slice(0, at + 5000));
  assert.equal(complete, false);
  assert.deepEqual(
    analysis.units.map((u) => [u.unit, u.exposure, u.partial]),
    [
      ...FULL.analysis.units.slice(0, 3).map((u) => [u.unit, u.exposure, false]),
      [FULL.analysis.units[3]?.unit, null, true],
    ],
  );
  assert.deepEqual(analysis.units.slice(0, 3), FULL.analysis.units.slice(0, 3));
});

test('collect.sh 2 with one unit (no overview array): named by the list, scored from its weights', () => {
  const only = FULL.analysis.units[4] as UnitAssessment;
  const array = JSON_ONLY.split('\n').filter((l) => l.startsWith('[{"set"'))[4] as string;
  const doc = frameReport('X8', [
    ['meta', 'systemd_version=252\nanalyze=ok\n'],
    ['unit-list', `${only.unit}\n`],
    ['units-json', `${array}\n`],
    ['exit', 'units-json', 0],
  ]);
  const { analysis } = analyzeReport(doc);
  assert.deepEqual(analysis.problems, []);
  assert.deepEqual(analysis.units, [only]);
});

test('errors from the stderr sections, once each; JSON paired around the failed units', () => {
  const doc = frameReport('X9', [
    ['meta', 'systemd_version=252\nanalyze=ok\n'],
    ['units', fixture(`${ON}units-utf8-debug.txt`)],
    ['units-stderr', fixture(`${ON}units-utf8-debug.txt.stderr`)],
    ['exit', 'units', 1],
    ['units-json', fixture(`${ON}units-debug.json`)],
    ['units-json-stderr', fixture(`${ON}units-debug.json.stderr`)],
    ['exit', 'units-json', 1],
  ]);
  const { analysis } = analyzeReport(doc);
  assert.deepEqual(analysis.problems, []);
  assert.deepEqual(
    analysis.errors.map((e) => e.unit),
    ['nosuch.service', 'masked.service', 'broken.service'],
  );
  assert.equal(analysis.units.length, 5);
  // No overview section: the overview printed after the named units is used.
  assert.deepEqual(
    analysis.overview.map((r) => r.unit),
    analysis.units.map((u) => u.unit),
  );
});

test('a report cut in the middle of a table: earlier units whole, the cut one partial and named', () => {
  // 2000 bytes into the third table, early.service (about 13 kB long).
  const at = REPORT.indexOf('\n', REPORT.indexOf('dirmngr.service: 9.8')) + 2000;
  const { analysis, complete } = analyzeReport(REPORT.slice(0, at));
  assert.equal(complete, false);
  assert.deepEqual(analysis.units.slice(0, 2), FULL.analysis.units.slice(0, 2));
  const cut = analysis.units[2] as UnitAssessment;
  assert.deepEqual([cut.unit, cut.partial, cut.exposure], ['early.service', true, null]);
  assert.deepEqual(cut.checks, FULL.analysis.units[2]?.checks.slice(0, cut.checks.length));
  assert.equal(analysis.units.length, 3);
  assert.deepEqual(analysis.overview, FULL.analysis.overview);
  assert.ok(analysis.problems.some((p) => p.reason === 'document ends without its end frame'));
});

test('wherever a report is cut, no unit is whole unless it is exactly the full report’s unit', () => {
  const byName = new Map(FULL.analysis.units.map((u) => [u.unit, u]));
  for (let end = 0; end < REPORT.length; end += 1009) {
    const { analysis, complete } = analyzeReport(REPORT.slice(0, end));
    assert.equal(complete, false);
    for (const u of analysis.units) {
      if (!u.partial) assert.deepEqual(u, byName.get(u.unit), `cut at ${end}`);
    }
  }
});

test('CRLF and escape codes in a report read the same', () => {
  const crlf = analyzeReport(REPORT.replaceAll('\n', '\r\n'));
  assert.deepEqual(crlf.analysis, FULL.analysis);
  const colour = analyzeReport(
    frameReport('C0', [
      ['units', fixture(`${ON}colour.txt`)],
      ['exit', 'units', 0],
    ]),
  );
  assert.deepEqual(colour.analysis.problems, []);
  assert.deepEqual(
    colour.analysis.units.map((u) => [u.unit, u.exposure]),
    [
      ['plain.service', 98],
      ['hardened.service', 4],
    ],
  );
});

test('garbage never throws: typed problems with line numbers', () => {
  const notReport = analyzeReport('GET / HTTP/1.1\r\nHost: x\r\n');
  assert.deepEqual(notReport.analysis.problems, [{ line: 1, reason: 'not a unitscore report' }]);
  assert.equal(notReport.complete, false);
  assert.deepEqual(notReport.meta, {});
  const junk = frameReport('J', [
    ['meta', 'systemd_version=abc\n'],
    ['units', 'line one\n\u0000\u0001\u0002\n{"json": true}\n'],
    ['units-json', 'not json\n'],
    ['units-stderr', 'who knows\n'],
  ]);
  const r = analyzeReport(junk);
  assert.equal(r.analysis.systemdVersion, null);
  assert.deepEqual(r.analysis.units, []);
  assert.deepEqual(r.analysis.problems, [
    { line: 7, reason: 'unrecognised line' },
    { line: 8, reason: 'unrecognised line' },
    { line: 9, reason: 'unrecognised line' },
    { line: 12, reason: 'text outside JSON values' },
    { line: 15, reason: 'unrecognised stderr line' },
  ]);
  for (const doc of ['', '\u0000', 'unitscore-report 1 Z\n\n@Z section units\n@Z', '\ud800\udfff\ud800']) {
    assert.doesNotThrow(() => analyzeReport(doc));
  }
});

test('a crashed systemd-analyze is a whole-run error, never a score', () => {
  const doc = frameReport('K', [
    ['units', ''],
    ['units-stderr', "Assertion 'badness <= range' failed at x.c:1, function y(). Aborting.\n"],
    ['exit', 'units', 134],
  ]);
  const { analysis } = analyzeReport(doc);
  assert.deepEqual(
    analysis.errors.map((e) => e.unit),
    [null, null],
  );
  assert.match(analysis.errors[1]?.message ?? '', /exit status 134/);
});

test('analyzeOutput: bare text output, pasted stderr included; JSON named by its overview; framed reports', () => {
  const text = analyzeOutput(
    `${fixture(`${ON}units-utf8-debug.txt.stderr`)}${fixture(`${ON}units-utf8-debug.txt`)}`,
  );
  assert.equal(text.units.length, 5);
  assert.equal(text.errors.length, 3);
  assert.deepEqual(text.problems, []);
  const prompt = analyzeOutput(`[root@host ~]# systemd-analyze security\n${fixture(`${ON}overview.txt`)}`);
  assert.equal(prompt.overview.length, 9);
  // Online JSON of several units: the overview array names the arrays, in the same order, and
  // its scores equal the ones recomputed from the debug numbers.
  const json = analyzeOutput(fixture(`${ON}units-debug.json`));
  assert.deepEqual(json.problems, []);
  assert.equal(json.overview.length, 5);
  const fromText = parseSecurityText(fixture(`${ON}units-utf8-debug.txt`)).units;
  assert.deepEqual(json.units, fromText);
  // A framed report document goes through analyzeReport(), BOM or not.
  assert.deepEqual(analyzeOutput(REPORT), FULL.analysis);
  assert.deepEqual(analyzeOutput(`\ufeff${REPORT}`), FULL.analysis);
});

test('a large hostile report is read in linear time', () => {
  const body = `${'✗ A= '.repeat(20_000)}\n${'\x1b['.repeat(50_000)}\n${'@'.repeat(100_000)}\n`.repeat(10);
  const doc = frameReport('L', [
    ['units', body],
    ['units-json', '['.repeat(200_000)],
  ]);
  const t0 = performance.now();
  const r = analyzeReport(doc);
  assert.ok(performance.now() - t0 < 5000);
  assert.ok(r.analysis.problems.length > 0);
});

// analyzeOutput() on whatever a user hands `unitscore parse`, and toParseJson(), what it prints.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeOutput } from '../../server/analyze/analyze-report.js';
import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { parseSecurityText } from '../../server/analyze/parse-text.js';
import { MAX_PROBLEMS } from '../../server/analyze/problems.js';
import { toParseJson } from '../../server/analyze/to-parse-json.js';
import { fixture } from '../support/fixtures.js';

const OFF = 'debian12-252/offline/';
const ON = 'debian12-252/online/';

test('toParseJson: the documented shape, scores as one-decimal numbers, nameless units as null', () => {
  const a = analyzeOutput(
    `${fixture(`${ON}units-utf8-debug.txt.stderr`)}${fixture(`${ON}units-utf8-debug.txt`)}`,
  );
  const out = toParseJson(a);
  assert.deepEqual(Object.keys(out), ['systemdVersion', 'units', 'overview', 'errors', 'problems']);
  assert.equal(out.systemdVersion, null);
  const plain = out.units[0];
  assert.deepEqual(Object.keys(plain ?? {}), ['unit', 'exposure', 'predicate', 'checks']);
  assert.deepEqual([plain?.unit, plain?.exposure, plain?.predicate], ['plain.service', 9.8, 'UNSAFE']);
  assert.deepEqual(
    plain?.checks.find((c) => c.id === 'PrivateNetwork'),
    {
      id: 'PrivateNetwork',
      name: 'PrivateNetwork=',
      description: "Service has access to the host's network",
      set: false,
      exposure: 0.5,
    },
  );
  assert.deepEqual(out.overview[1], { unit: 'hardened.service', exposure: 0.4, predicate: 'SAFE' });
  assert.deepEqual(out.errors[0], {
    unit: 'nosuch.service',
    message: 'Unit nosuch.service not found, cannot analyze.',
  });
  assert.deepEqual(out.problems, []);
  // Every score of 0.0 … 10.0 prints with at most one decimal.
  const json = JSON.stringify(toParseJson(analyzeOutput(fixture(`${OFF}utf8.txt`))));
  assert.doesNotMatch(json, /"exposure":\d+\.\d{2,}/);
  assert.match(json, /"exposure":9\.6,"predicate":"UNSAFE"/);
  // A table cut before its summary line has no name: null, not "".
  const cut = toParseJson(analyzeOutput(fixture(`${OFF}utf8.txt`).slice(0, 3000)));
  assert.deepEqual(
    cut.units.map((u) => [u.unit, u.exposure, u.predicate]),
    [[null, null, null]],
  );
  assert.deepEqual(cut.problems.at(-1)?.reason, 'table ends without its "Overall exposure level" line');
});

test('--json=short alone: offline arrays are nameless, scored from their debug numbers when present', () => {
  const plain = analyzeOutput(fixture(`${OFF}short.json`));
  assert.deepEqual(plain.problems, []);
  assert.deepEqual(
    plain.units.map((u) => [u.unit, u.exposure, u.partial, u.checks.length]),
    [
      ['', null, false, 81],
      ['', null, false, 81],
      ['', null, false, 81],
      ['', null, false, 81],
    ],
  );
  const debug = analyzeOutput(fixture(`${OFF}short-debug.json`));
  const text = parseSecurityText(fixture(`${OFF}utf8-debug.txt`)).units;
  assert.deepEqual(
    debug.units.map((u) => [u.exposure, u.predicate]),
    text.map((u) => [u.exposure, u.predicate]),
  );
  assert.deepEqual(
    debug.units.map((u) => u.checks),
    text.map((u) => u.checks),
  );
});

test('JSON cut in the middle: whole arrays kept, the cut one partial with its complete objects', () => {
  const json = fixture(`${OFF}short-debug.json`);
  const second = json.indexOf('\n') + 1;
  const at = json.indexOf('},{', second + 5000) + 1; // inside the second array, after an object
  const a = analyzeOutput(json.slice(0, at + 7)); // and a few bytes into the next object
  const whole = analyzeOutput(json).units;
  assert.equal(a.units.length, 2);
  assert.deepEqual(a.units[0], whole[0]);
  const cut = a.units[1] as UnitAssessment;
  assert.deepEqual([cut.partial, cut.exposure, cut.predicate], [true, null, null]);
  assert.ok(cut.checks.length > 10 && cut.checks.length < 81);
  assert.deepEqual(cut.checks, whole[1]?.checks.slice(0, cut.checks.length));
  assert.deepEqual(a.problems, [{ line: 2, reason: 'JSON value cut off' }]);
  // The online form: cut before its overview, the arrays lose their names, not their checks.
  const online = fixture(`${ON}units-debug.json`);
  const early = analyzeOutput(online.slice(0, online.lastIndexOf('[{"unit"') + 20));
  assert.ok(early.units.every((u) => u.unit === '' && !u.partial));
  assert.deepEqual(
    early.units.map((u) => recomputeExposure(u.checks)),
    analyzeOutput(online).units.map((u) => u.exposure),
  );
});

test('a framed report document is read as one, so `unitscore parse` takes both', () => {
  const report = fixture(`${ON}report.txt`);
  const a = analyzeOutput(report);
  assert.equal(a.systemdVersion, 252);
  assert.equal(a.units.length, 9);
  assert.deepEqual(a.problems, []);
  assert.equal(toParseJson(a).systemdVersion, 252);
  // A byte order mark (an editor's) changes nothing, for reports, JSON and text alike.
  assert.deepEqual(analyzeOutput(`\ufeff${report}`), a);
  for (const f of [`${OFF}short-debug.json`, `${OFF}utf8.txt`]) {
    assert.deepEqual(analyzeOutput(`\ufeff${fixture(f)}`), analyzeOutput(fixture(f)), f);
  }
});

test('garbage is listed up to a limit, then counted; absurd lines and tables are refused cheaply', () => {
  const many = analyzeOutput('junk\n'.repeat(5000));
  assert.equal(many.problems.length, MAX_PROBLEMS);
  assert.deepEqual(many.problems.at(-2), { line: MAX_PROBLEMS - 1, reason: 'unrecognised line' });
  assert.deepEqual(many.problems.at(-1), {
    line: MAX_PROBLEMS,
    reason: `${5000 - (MAX_PROBLEMS - 1)} more problems not listed`,
    omitted: 5000 - (MAX_PROBLEMS - 1),
  });
  assert.deepEqual(toParseJson(many).problems.at(-1), {
    line: MAX_PROBLEMS,
    reason: '4001 more problems not listed',
  });
  const long = analyzeOutput(`  NAME  DESCRIPTION  EXPOSURE\n✓ A= ${'x'.repeat(20_000)}\n`);
  assert.deepEqual(long.problems, [
    { line: 2, reason: 'line too long' },
    { line: 3, reason: 'table ends without its "Overall exposure level" line' },
  ]);
  const rows = '✓ A=  ok\n'.repeat(1200);
  const huge = analyzeOutput(
    `  NAME  DESCRIPTION  EXPOSURE\n${rows}\n→ Overall exposure level for a.service: 0.0 PERFECT :-]\n`,
  );
  assert.equal(huge.units[0]?.checks.length, 1000);
  assert.equal(huge.units[0]?.partial, true);
  assert.equal(huge.problems[0]?.reason, 'more rows than a table of systemd-analyze has');
});

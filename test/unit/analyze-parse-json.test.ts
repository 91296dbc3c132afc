import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeJsonTables } from '../../server/analyze/json-merge.js';
import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import { parseSecurityJson } from '../../server/analyze/parse-json.js';
import { parseSecurityText } from '../../server/analyze/parse-text.js';
import { fixture } from '../support/fixtures.js';

test('offline --json=short with debug keys: one array per unit, N/A badness null, ids normalised', () => {
  const r = parseSecurityJson(fixture('debian12-252/offline/short-debug.json'));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.overview, []);
  assert.deepEqual(
    r.tables.map((t) => [t.line, t.checks.length]),
    [
      [1, 81],
      [2, 81],
      [3, 81],
      [4, 81],
    ],
  );
  const checks = r.tables[0]?.checks ?? [];
  assert.ok(checks.some((c) => c.id === 'CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW'));
  assert.ok(checks.every((c) => !c.id.endsWith(')')));
  assert.deepEqual(
    checks.find((c) => c.id === 'RemoveIPC'),
    {
      id: 'RemoveIPC',
      name: 'RemoveIPC=',
      description: 'Service runs as root, option does not apply',
      set: null,
      exposure: null,
      weight: 100,
      badness: null,
      range: 1,
    },
  );
});

test('online --json=short: arrays then the overview array', () => {
  const r = parseSecurityJson(fixture('debian12-252/online/units-debug.json'));
  assert.deepEqual(r.problems, []);
  assert.equal(r.tables.length, 5);
  assert.deepEqual(r.overview[4], { unit: 'tmpl@test-instance.service', exposure: 94, predicate: 'UNSAFE' });
});

/** Text and JSON of the same run must agree check by check. */
function assertAgree(textFile: string, jsonFile: string): number {
  const text = parseSecurityText(fixture(textFile));
  const json = parseSecurityJson(fixture(jsonFile));
  assert.equal(json.tables.length, text.units.length);
  let n = 0;
  text.units.forEach((u, i) => {
    const fromJson = json.tables[i]?.checks as Check[];
    assert.deepEqual(u.checks, fromJson, u.unit);
    n += u.checks.length;
  });
  const merged = mergeJsonTables(text.units, json.tables);
  assert.deepEqual(merged.problems, []);
  assert.deepEqual(merged.units, text.units);
  return n;
}

test('text and JSON agree check by check (offline and online, debug and not, policy)', () => {
  assert.equal(assertAgree('debian12-252/offline/utf8.txt', 'debian12-252/offline/short.json'), 4 * 81);
  assert.equal(
    assertAgree('debian12-252/offline/ascii-debug.txt', 'debian12-252/offline/short-debug.json'),
    4 * 81,
  );
  assert.equal(
    assertAgree('debian12-252/online/units-utf8-debug.txt', 'debian12-252/online/units-debug.json'),
    5 * 81,
  );
  assert.equal(
    assertAgree('debian12-252/online/policy-debug.txt', 'debian12-252/online/policy-debug.json'),
    2 * 81,
  );
});

test('a JSON array is paired only with the table that lists the same checks', () => {
  const text = parseSecurityText(fixture('debian12-252/offline/utf8.txt')).units;
  const json = parseSecurityJson(fixture('debian12-252/offline/short-debug.json')).tables;
  // The JSON of the second unit is missing: the others still pair, the second keeps its text.
  const merged = mergeJsonTables(
    text,
    [json[0], json[2], json[3]].filter((t) => t !== undefined),
  );
  assert.deepEqual(merged.problems, []);
  assert.equal(merged.units[0]?.checks[0]?.weight, json[0]?.checks[0]?.weight);
  assert.equal((merged.units[1] as UnitAssessment).checks[0]?.weight, null);
  assert.equal(merged.units[2]?.checks[0]?.weight, json[2]?.checks[0]?.weight);
  // An array that matches nothing is reported.
  const odd = mergeJsonTables(
    text.slice(0, 1),
    [json[1]].filter((t) => t !== undefined),
  );
  assert.deepEqual(odd.problems, [{ line: 2, reason: 'JSON array matches no text table' }]);
});

test('UINT64_MAX and anything ≥ 2^53 is N/A; bad values are problems, never exceptions', () => {
  const row = (extra: string) =>
    `{"set":null,"name":"A=","json_field":"A","description":"d","exposure":null,"weight":1,"range":1,${extra}}`;
  const r = parseSecurityJson(
    `[${row('"badness":18446744073709551615')},${row('"badness":9007199254740993')},${row('"badness":"18446744073709551615"')}]`,
  );
  assert.deepEqual(
    r.tables[0]?.checks.map((c) => c.badness),
    [null, null, null],
  );
  const bad = parseSecurityJson('[{"name":3}]\n[1,2]\n{"a":1}\ngarbage\n[{"set":true,\n[]\n');
  assert.deepEqual(bad.problems, [
    { line: 1, reason: 'unreadable check #1' },
    { line: 2, reason: 'unreadable check #1' },
    { line: 2, reason: 'unreadable check #2' },
    { line: 3, reason: 'JSON value is not a non-empty array' },
    { line: 4, reason: 'text outside JSON values' },
    { line: 5, reason: 'JSON value cut off' },
  ]);
  assert.deepEqual(parseSecurityJson('[}').problems, [{ line: 1, reason: 'invalid JSON' }]);
});

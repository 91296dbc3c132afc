// Outputs published by other people (test/fixtures/real/README.md): other versions, other
// distributions, and fragments that must be kept but flagged.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeOutput } from '../../server/analyze/analyze-report.js';
import { assessorByName } from '../../server/analyze/checks.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { fixture, fixtureNames, realFixture } from '../support/fixtures.js';

const summary = (u: UnitAssessment) => [u.unit, u.exposure, u.predicate, u.checks.length, u.partial];

test('247 (Debian 11): pre-250 names map to current ids; 80 rows, no CAP_BPF', () => {
  const a = analyzeOutput(realFixture('debian11-247-dnsmasq.txt'));
  assert.deepEqual(a.problems, []);
  assert.deepEqual(a.units.map(summary), [['dnsmasq.service', 23, 'OK', 80, false]]);
  const checks = a.units[0]?.checks ?? [];
  assert.ok(
    checks.every((c) => assessorByName(c.name)),
    'every name is in the catalogue',
  );
  assert.equal(new Set(checks.map((c) => c.id)).size, 80);
  assert.ok(
    checks.some((c) => c.name === 'RestrictNamespaces=~CLONE_NEWUSER' && c.id === 'RestrictNamespaces_user'),
  );
  assert.ok(!checks.some((c) => c.id === 'CapabilityBoundingSet_CAP_BPF'));
  assert.deepEqual(
    checks.filter((c) => c.set === null).map((c) => c.id),
    ['SupplementaryGroups', 'RemoveIPC'],
  );
});

test('255 (Ubuntu 24.04): whole tables with trailing spaces and the CAP_BPF row', () => {
  const api = analyzeOutput(realFixture('ubuntu2404-255-kk-api-file.txt'));
  assert.deepEqual(api.problems, []);
  assert.deepEqual(api.units.map(summary), [['kk-api.service', 67, 'MEDIUM', 81, false]]);
  const pay = analyzeOutput(realFixture('ubuntu2404-255-kk-payments-redirected.txt'));
  assert.deepEqual(pay.problems, []);
  assert.deepEqual(pay.units.map(summary), [['kk-payments.service', 55, 'MEDIUM', 81, false]]);
  const bpf = pay.units[0]?.checks.find((c) => c.id === 'CapabilityBoundingSet_CAP_BPF');
  assert.deepEqual(
    [bpf?.set, bpf?.description, bpf?.exposure],
    [false, 'Service may not load BPF programs', 1],
  );
  const privileged = api.units[0]?.checks.find((c) => c.id === 'SystemCallFilter_privileged');
  assert.equal(
    privileged?.description,
    'System call allow list defined for service, and @privileged is included (e.g. chown is allowed)',
  );
  assert.equal(privileged?.exposure, 2);
});

test('overview tables (247, 251) with emoji smileys', () => {
  const majora = analyzeOutput(realFixture('debian11-247-overview-majora.txt'));
  assert.deepEqual(majora.problems, []);
  assert.equal(majora.overview.length, 36);
  assert.deepEqual(majora.overview[0], { unit: 'auditd.service', exposure: 88, predicate: 'EXPOSED' });
  assert.deepEqual(majora.overview.at(-1), {
    unit: 'wazuh-agent.service',
    exposure: 96,
    predicate: 'UNSAFE',
  });
  const workshop = analyzeOutput(realFixture('fedora37-251-overview-workshop.txt'));
  assert.deepEqual(workshop.problems, []);
  assert.equal(workshop.overview.length, 28);
  assert.ok(workshop.overview.some((r) => r.unit === 'user@1000.service' && r.exposure === 94));
});

test('fragments: cut tables are partial, elided tables are flagged, nothing is lost silently', () => {
  const head = analyzeOutput(realFixture('ubuntu2404-255-kk-api-head20-fragment.txt'));
  assert.deepEqual(head.units.map(summary), [['', null, null, 19, true]]);
  assert.deepEqual(head.problems, [
    { line: 21, reason: 'table ends without its "Overall exposure level" line' },
  ]);
  const nixos = analyzeOutput(realFixture('nixos-253-opentelemetry-collector-head-fragment.txt'));
  assert.deepEqual(nixos.units.map(summary), [['', null, null, 6, true]]);
  // The author replaced rows by "..." lines: the score is the host's, but the table is not whole.
  const nginx = analyzeOutput(realFixture('fedora37-251-nginx-elided-fragment.txt'));
  assert.deepEqual(nginx.units.map(summary), [['nginx.service', 92, 'UNSAFE', 1, true]]);
  assert.deepEqual(
    nginx.problems.map((p) => p.line),
    [2, 4],
  );
});

test('grep-filtered ASCII outputs: rows without a header, a summary line without a table', () => {
  for (const [name, rows] of [
    ['unknown-ge250-caddy-ascii-grep.txt', 8],
    ['unknown-ge250-workerd-ascii-grep.txt', 10],
  ] as const) {
    const a = analyzeOutput(realFixture(name));
    assert.deepEqual(a.units.map(summary), [['', null, null, rows, true]], name);
    assert.ok(a.units[0]?.checks.every((c) => c.set === false && c.exposure !== null && c.weight === null));
    assert.equal(a.problems[0]?.reason, 'table rows without a header line');
  }
  const caddy = analyzeOutput(realFixture('unknown-ge250-caddy-ascii-grep.txt')).units[0]?.checks ?? [];
  assert.deepEqual(caddy.at(-1), {
    id: 'DeviceAllow',
    name: 'DeviceAllow=',
    description: 'Service has a device ACL with some special devices: char-rtc:r',
    set: false,
    exposure: 1,
    weight: null,
    badness: null,
    range: null,
  });
  const whoami = analyzeOutput(realFixture('unknown-ge250-whoami-user-dangerous-ascii.txt'));
  assert.deepEqual(whoami.units.map(summary), [['whoami.service', 100, 'DANGEROUS', 0, true]]);
  assert.deepEqual(whoami.problems, [{ line: 1, reason: 'summary line without its table' }]);
});

test('every published output parses to the numbers its header states', () => {
  const names = fixtureNames('real').filter((n) => n.endsWith('.txt'));
  assert.equal(names.length, 11);
  for (const name of names) {
    // What the file is (not the "related output" lines, which quote other commands).
    const header = (fixture(`real/${name}`).split('\n# ---\n')[0] ?? '')
      .split('\n')
      .filter((l) => /^# (kind|completeness|notes):/.test(l))
      .join('\n');
    const a = analyzeOutput(realFixture(name));
    const stated: string[] = [];
    const score = /(\d+\.\d) (DANGEROUS|UNSAFE|EXPOSED|MEDIUM|OK|SAFE|PERFECT)\b/.exec(header);
    if (score) {
      stated.push(score[0]);
      const [, value = '', word] = score;
      assert.deepEqual(
        a.units.map((u) => [u.exposure, u.predicate]),
        [[Math.round(Number(value) * 10), word]],
        name,
      );
    }
    const units = /(\d+) units\b/.exec(header);
    if (units) {
      stated.push(units[0]);
      assert.equal(a.overview.length, Number(units[1]), name);
      assert.deepEqual(a.problems, [], name);
    }
    // "header + 19 rows", "header + first 6 rows", "filtered subset as published (8 rows)"
    const rows = /(?:header \+ (?:first )?|subset as published \()(\d+) rows/.exec(header);
    if (rows) {
      stated.push(rows[0]);
      assert.equal(a.units[0]?.checks.length, Number(rows[1]), name);
      assert.equal(a.units[0]?.partial, true, `${name}: a fragment is never whole`);
    }
    assert.ok(stated.length > 0, `${name}: its header states no number`);
  }
});

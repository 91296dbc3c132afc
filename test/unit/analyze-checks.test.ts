import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ASSESSORS,
  assessorByName,
  checkIdForJsonField,
  checkIdForName,
  derivedCheckId,
} from '../../server/analyze/checks.js';
import { fixture } from '../support/fixtures.js';

test('the catalogue has the 81 assessors of systemd 252 with unique names and ids', () => {
  assert.equal(ASSESSORS.length, 81);
  assert.equal(new Set(ASSESSORS.map((a) => a.name)).size, 81);
  assert.equal(new Set(ASSESSORS.map((a) => a.id)).size, 81);
  // Total weight of the 252 table with CAP_BPF (systemd-analyze.md §1.3).
  assert.equal(
    ASSESSORS.reduce((s, a) => s + a.weight, 0),
    56460,
  );
});

test('every name systemd 252 prints maps to the json_field it prints next to it', () => {
  const arrays = fixture('debian12-252/offline/short-debug.json').trim().split('\n');
  let rows = 0;
  for (const line of arrays) {
    for (const row of JSON.parse(line) as {
      name: string;
      json_field: string;
      weight: number;
      range: number;
    }[]) {
      assert.equal(checkIdForName(row.name), checkIdForJsonField(row.json_field), row.name);
      assert.equal(assessorByName(row.name)?.weight, row.weight, row.name);
      assert.equal(assessorByName(row.name)?.range, row.range, row.name);
      rows++;
    }
  }
  assert.equal(rows, 4 * 81);
});

test('the stray ")" of the NET_BIND_SERVICE json_field is dropped, balanced ones are kept', () => {
  assert.equal(
    checkIdForJsonField('CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)'),
    'CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW',
  );
  assert.equal(
    checkIdForName('CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)'),
    'CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW',
  );
  assert.equal(checkIdForJsonField('Foo(bar)'), 'Foo(bar)');
});

test('names of older versions get the same ids as today', () => {
  const cases: [string, string][] = [
    ['CapabilityBoundingSet=~CAP_RAWIO', 'CapabilityBoundingSet_CAP_SYS_RAWIO'],
    ['RestrictNamespaces=~CLONE_NEWUSER', 'RestrictNamespaces_user'],
    ['RestrictNamespaces=~CLONE_NEWNS', 'RestrictNamespaces_mnt'],
    ['RestrictNamespaces=~CLONE_NEWIPC', 'RestrictNamespaces_ipc'],
    ['RestrictNamespaces=~CLONE_NEWPID', 'RestrictNamespaces_pid'],
    ['RestrictNamespaces=~CLONE_NEWCGROUP', 'RestrictNamespaces_cgroup'],
    ['RestrictNamespaces=~CLONE_NEWNET', 'RestrictNamespaces_net'],
    ['RestrictNamespaces=~CLONE_NEWUTS', 'RestrictNamespaces_uts'],
    ['RestrictAddressFamilies=~...', 'RestrictAddressFamilies_OTHER'],
    ['RestrictAddressFamilies=~…', 'RestrictAddressFamilies_OTHER'],
  ];
  for (const [name, id] of cases) assert.equal(checkIdForName(name), id, name);
});

test('unknown names get a deterministic id in systemd convention, never an exception', () => {
  assert.equal(checkIdForName('ProtectFoo='), 'ProtectFoo');
  assert.equal(checkIdForName('SystemCallFilter=~@sandbox'), 'SystemCallFilter_sandbox');
  assert.equal(checkIdForName('CapabilityBoundingSet=~CAP_(A|B)'), 'CapabilityBoundingSet_CAP_A_B');
  assert.equal(derivedCheckId('…'), derivedCheckId('…'));
  assert.notEqual(derivedCheckId('…'), derivedCheckId('→'));
  for (const odd of ['', '=', '\u0000', '😨😨', 'a'.repeat(100_000)]) {
    assert.equal(typeof checkIdForName(odd), 'string');
    assert.ok(checkIdForName(odd).length > 0 || odd === '');
  }
});

// Outputs of the systemd versions a fleet runs that this machine does not have: RHEL 8's 239,
// 245, 247, 249, 255, 256, 257. They are BUILT from the facts of systemd-analyze.md by
// test/fixtures/versions/generate.mjs (whose renderer reproduces the real 252 byte for byte),
// not captured; expected.json holds the numbers the generator computed with systemd's formula.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeOutput } from '../../server/analyze/analyze-report.js';
import { assessorByName, checkIdForJsonField } from '../../server/analyze/checks.js';
import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import { fixture } from '../support/fixtures.js';

interface UnitNumbers {
  unit: string;
  exposure: number;
  predicate: string;
  badnessSum: number;
  weightSum: number;
}
interface Profile {
  version: number;
  /** json_field of every assessor the version has, in source-definition order. */
  assessors: string[];
  /** The names that version prints, same order. */
  names: string[];
  online: UnitNumbers[];
  offline?: UnitNumbers[];
}
interface FileMeta {
  profile: string;
  mode: 'online' | 'offline';
  format: 'text' | 'json' | 'overview';
  debug?: boolean;
  ascii?: boolean;
  emoji?: boolean;
  units?: string[];
}
const EXPECTED = JSON.parse(fixture('versions/expected.json')) as {
  profiles: Record<string, Profile>;
  files: Record<string, FileMeta>;
};
const MISSING = 'Unit nosuch.service not found, cannot analyze.';

/** The output after the fixture's '# ' header (how it was built). */
function body(name: string): string {
  const text = fixture(`versions/${name}`);
  const end = text.indexOf('\n# ---\n');
  assert.ok(text.startsWith('# systemd version: ') && end > 0, `${name}: header`);
  assert.match(text.slice(0, end), /BUILT, NOT CAPTURED/);
  return text.slice(end + '\n# ---\n'.length);
}

const files = Object.entries(EXPECTED.files);
const parsed = new Map(files.map(([name, meta]) => [name, analyzeOutput(readAs(name, meta))]));

/** Online runs print the missing unit's line on stderr: read them as a `2>&1` paste would be. */
function readAs(name: string, meta: FileMeta): string {
  return meta.format === 'text' && meta.mode === 'online' ? `${MISSING}\n${body(name)}` : body(name);
}

const summary = (u: { unit: string; exposure: number | null; predicate: string | null }) => [
  u.unit,
  u.exposure,
  u.predicate,
];
const withoutDebug = (c: Check): Check => ({ ...c, weight: null, badness: null, range: null });

test('every version fixture parses without a problem to the numbers it was built with', () => {
  assert.ok(files.length >= 25, 'fixtures listed in expected.json');
  for (const [name, meta] of files) {
    const a = parsed.get(name);
    assert.ok(a);
    const profile = EXPECTED.profiles[meta.profile] as Profile;
    const want = (meta.mode === 'online' ? profile.online : profile.offline) ?? [];
    assert.deepEqual(a.problems, [], name);
    assert.equal(a.systemdVersion, null, 'a bare output does not say its version');
    if (meta.format === 'overview') {
      assert.deepEqual(a.units, [], name);
      assert.deepEqual(
        a.overview.map(summary),
        [...want].sort((x, y) => (x.unit < y.unit ? -1 : 1)).map(summary),
        name,
      );
      continue;
    }
    const ids = profile.assessors.map(checkIdForJsonField).sort();
    a.units.forEach((u, i) => {
      const w = want[i] as UnitNumbers;
      assert.equal(u.partial, false, `${name} ${w.unit}`);
      assert.deepEqual(u.checks.map((c) => c.id).sort(), ids, `${name} ${w.unit}: ids`);
      assert.deepEqual(
        u.checks.map((c) => c.name).sort(),
        [...profile.names].sort(),
        `${name} ${w.unit}: names`,
      );
    });
    if (meta.format === 'json' && meta.mode === 'offline') {
      // Offline JSON names no unit and, without debug numbers, gives no score (§3.7).
      assert.deepEqual(
        a.units.map(summary),
        want.map(() => ['', null, null]),
        name,
      );
      assert.deepEqual(a.overview, []);
      continue;
    }
    assert.deepEqual(a.units.map(summary), want.map(summary), name);
    if (meta.mode === 'online')
      assert.deepEqual(a.overview.map(summary), want.map(summary), `${name}: overview`);
    if (meta.format === 'text' && meta.mode === 'online') {
      assert.deepEqual(a.errors, [{ unit: 'nosuch.service', message: MISSING }], name);
    }
    if (meta.debug) {
      // The host's own weights and badness give the printed score back (§1.3).
      a.units.forEach((u, i) => {
        const w = want[i] as UnitNumbers;
        assert.equal(recomputeExposure(u.checks), w.exposure, `${name} ${w.unit}`);
        const applicable = u.checks.filter((c) => c.badness !== null);
        assert.equal(
          applicable.reduce((s, c) => s + (c.weight ?? 0), 0),
          w.weightSum,
          `${name} ${w.unit}: weight sum`,
        );
      });
    }
  }
});

test('each version reads the same in UTF-8 and ASCII, with and without debug columns, as text and JSON', () => {
  for (const [v, profile] of Object.entries(EXPECTED.profiles)) {
    const get = (file: string) => parsed.get(`${v}-${file}`)?.units as UnitAssessment[];
    const utf8 = get('online-utf8.txt');
    const asciiDebug = get('online-ascii-debug.txt');
    assert.deepEqual(
      asciiDebug.map((u) => ({ ...u, checks: u.checks.map(withoutDebug) })),
      utf8,
      v,
    );
    if (profile.offline) {
      // Text and JSON of the same run agree check by check (JSON carries the exact json_field).
      const text = get('offline-utf8.txt');
      const json = get('offline-short.json');
      assert.deepEqual(
        json.map((u) => u.checks),
        text.map((u) => u.checks),
        v,
      );
      assert.deepEqual(get('online-debug.json'), asciiDebug, v);
    }
  }
});

test('ids line up across versions: the same unit gives the same check for every assessor the versions share', () => {
  const versions = Object.keys(EXPECTED.profiles).sort(
    (a, b) => (EXPECTED.profiles[a]?.version ?? 0) - (EXPECTED.profiles[b]?.version ?? 0),
  );
  assert.deepEqual(versions, ['rhel8-239', '245', '247', '249', '255', '256', '257']);
  // Debug output: per check the mark, the badness and the weight.
  const units = new Map(
    versions.map((v) => [
      v,
      new Map((parsed.get(`${v}-online-ascii-debug.txt`)?.units ?? []).map((u) => [u.unit, u])),
    ]),
  );
  const oldest = EXPECTED.profiles['rhel8-239'] as Profile;
  const newest = EXPECTED.profiles['257'] as Profile;
  // Every version's ids are a subset of the newest; the oldest's are in every version.
  for (const v of versions) {
    const ids = new Set((EXPECTED.profiles[v] as Profile).assessors.map(checkIdForJsonField));
    for (const id of oldest.assessors.map(checkIdForJsonField)) assert.ok(ids.has(id), `${v} lacks ${id}`);
    for (const id of ids) assert.ok(newest.assessors.map(checkIdForJsonField).includes(id), `${v}: ${id}`);
  }
  // Where the versions' rules differ, and only there, the same unit scores differently (§2.4):
  // each change between one version and the next that has the same check.
  const changes: string[] = [];
  for (const unit of ['plain.service', 'hardened.service', 'early.service', 'nobody.service']) {
    const last = new Map<string, [string, string]>();
    for (const v of versions) {
      for (const c of units.get(v)?.get(unit)?.checks ?? []) {
        const value = `${c.set}/${c.badness}/${c.weight}/${c.range}`;
        const before = last.get(c.id);
        if (before && before[1] !== value) changes.push(`${unit} ${c.id} ${before[0]}→${v}`);
        last.set(c.id, [v, value]);
      }
    }
  }
  assert.deepEqual(changes, [
    // ProtectClock= (245) adds DeviceAllow char-rtc under a closed device policy; 239 has neither.
    'hardened.service DeviceAllow rhel8-239→245',
    // The 245 D-Bus interface lacks the ProtectClock property (#15321): always "may write" online.
    'hardened.service ProtectClock 245→247',
    // A fully denied syscall group scored 5/10 before the 246–250 rework, 0 after (#16451).
    'nobody.service SystemCallFilter_mount 245→247',
  ]);
});

test('version quirks: old names, wording, order and glyphs map to the same ids and values', () => {
  const checks = (file: string, unit: string) =>
    parsed.get(file)?.units.find((u) => u.unit === unit)?.checks ?? [];
  const byId = (list: Check[], id: string) => list.find((c) => c.id === id);

  const rhel = checks('rhel8-239-online-utf8.txt', 'plain.service');
  assert.equal(byId(rhel, 'CapabilityBoundingSet_CAP_SYS_RAWIO')?.name, 'CapabilityBoundingSet=~CAP_RAWIO');
  assert.equal(byId(rhel, 'RestrictNamespaces_user')?.name, 'RestrictNamespaces=~CLONE_NEWUSER');
  assert.equal(byId(rhel, 'ProtectSystem')?.description, 'Service has full access the OS file hierarchy');
  assert.equal(byId(rhel, 'ProtectHostname'), undefined);
  // Weight order before 250 (§3.1): PrivateNetwork (2500) first, then User= (2000).
  assert.deepEqual(
    rhel.slice(0, 2).map((c) => c.id),
    ['PrivateNetwork', 'UserOrDynamicUser'],
  );
  const rhelNobody = checks('rhel8-239-online-utf8.txt', 'nobody.service');
  assert.deepEqual(byId(rhelNobody, 'SystemCallFilter_mount'), {
    id: 'SystemCallFilter_mount',
    name: 'SystemCallFilter=~@mount',
    description: 'System call blacklist defined for service, and @mount is included',
    set: false,
    exposure: 1,
    weight: null,
    badness: null,
    range: null,
  });
  const early245 = checks('245-online-utf8.txt', 'early.service');
  assert.equal(
    byId(early245, 'ProtectSystem')?.description,
    'Service runs in special boot phase, option does not apply',
  );
  const early255 = checks('255-online-utf8.txt', 'early.service');
  assert.equal(
    byId(early255, 'ProtectSystem')?.description,
    'Service runs in special boot phase, option is not appropriate',
  );
  // CAP_BPF: the same id and mark on 255 (texts swapped, #29796) and 257 (fixed, #33464).
  const bpf = (v: string, unit: string) =>
    byId(checks(`${v}-online-utf8.txt`, unit), 'CapabilityBoundingSet_CAP_BPF');
  assert.deepEqual(
    [bpf('255', 'plain.service')?.set, bpf('255', 'plain.service')?.description],
    [false, 'Service may not load BPF programs'],
  );
  assert.deepEqual(
    [bpf('257', 'plain.service')?.set, bpf('257', 'plain.service')?.description],
    [false, 'Service may load BPF programs'],
  );
  assert.deepEqual(
    [bpf('256', 'hardened.service')?.set, bpf('256', 'hardened.service')?.description],
    [true, 'Service may load BPF programs'],
  );
  // Partial rows: a cross with the assessor's text, or with none (ProtectProc=noaccess, 247+).
  const nobody = checks('249-online-utf8.txt', 'nobody.service');
  assert.deepEqual(
    [
      'UserOrDynamicUser',
      'ProtectHome',
      'ProtectSystem',
      'UMask',
      'SystemCallArchitectures',
      'ProtectProc',
    ].map((id) => [byId(nobody, id)?.set, byId(nobody, id)?.description === null]),
    [
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, true],
    ],
  );
  // Every name any version prints is in the catalogue (current name or alias).
  for (const profile of Object.values(EXPECTED.profiles)) {
    for (const n of profile.names) assert.ok(assessorByName(n), n);
  }
});

// Point 1 of issue 4: every unit of every fixture recomputes to the number its host printed, with
// the host's debug weights and with the built-in table alone; where it cannot (a policy, a cut
// table), the assessment is flagged with the reason.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeOutput, analyzeReport } from '../../server/analyze/analyze-report.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { recompute } from '../../server/analyze/score/index.js';
import { loadDemoReports } from '../../server/demo/fleet.js';
import { fixture, fixtureNames, realFixture } from '../support/fixtures.js';

/** The same table as a host without SYSTEMD_ANALYZE_DEBUG prints it. */
const withoutDebug = (u: UnitAssessment): UnitAssessment => ({
  ...u,
  checks: u.checks.map((c) => ({ ...c, weight: null, badness: null, range: null })),
});

function fixtureUnits(): { source: string; units: UnitAssessment[] }[] {
  const out: { source: string; units: UnitAssessment[] }[] = [];
  for (const dir of ['debian12-252/offline', 'debian12-252/online']) {
    for (const name of fixtureNames(dir)) {
      if (!/\.(txt|json)$/.test(name) || name === 'exit-status.txt' || name === 'policy.json') continue;
      const text = fixture(`${dir}/${name}`);
      const units = name === 'report.txt' ? analyzeReport(text).analysis.units : analyzeOutput(text).units;
      out.push({ source: `${dir}/${name}`, units });
    }
  }
  for (const name of fixtureNames('real')) {
    if (name.endsWith('.txt'))
      out.push({ source: `real/${name}`, units: analyzeOutput(realFixture(name)).units });
  }
  for (const r of loadDemoReports())
    out.push({ source: `demo/${r.name}`, units: analyzeReport(r.text).analysis.units });
  return out;
}

describe('recompute', () => {
  const all = fixtureUnits();
  const complete = all.flatMap(({ source, units }) =>
    units.filter((u) => !u.partial && u.exposure !== null && u.checks.length > 0).map((u) => ({ source, u })),
  );

  it('reproduces every complete unit of every fixture, from the debug columns and from the built-in table', (t) => {
    let debug = 0;
    for (const { source, u } of complete) {
      const r = recompute(u, { systemdVersion: 252 });
      assert.equal(r.matchesHost, true, `${source} ${u.unit}: ${r.reason}`);
      assert.equal(r.exposureTenths, u.exposure);
      assert.equal(r.predicate, u.predicate);
      if (r.source === 'debug') debug++;
      const plain = recompute(withoutDebug(u));
      if (source.includes('policy-debug') && u.unit === 'plain.service') continue; // below
      assert.equal(plain.matchesHost, true, `${source} ${u.unit} without debug columns: ${plain.reason}`);
      assert.equal(plain.source, 'built-in');
    }
    t.diagnostic(
      `${complete.length} complete units (${debug} with debug columns) from ${all.length} fixture files`,
    );
    assert.ok(complete.length > 350);
  });

  it('flags a custom --security-policy that the built-in weights cannot reproduce', () => {
    const units = analyzeOutput(fixture('debian12-252/online/policy-debug.txt')).units;
    const plain = units.find((u) => u.unit === 'plain.service') as UnitAssessment;
    // With the debug columns the host's own (policy) weights are used: exact.
    assert.equal(recompute(plain).matchesHost, true);
    // Without them the overall 9.8 agrees by chance, but PrivateNetwork's row (weight 6000 in the
    // policy) shows 1.1 where the built-in weight gives 0.5: flagged, the host's number stays.
    const r = recompute(withoutDebug(plain));
    assert.equal(r.matchesHost, false);
    assert.match(r.reason ?? '', /PrivateNetwork=.*security-policy/);
  });

  it('flags a number it cannot reproduce, and says from which weights', () => {
    const u = analyzeOutput(fixture('debian12-252/offline/utf8.txt')).units[0] as UnitAssessment;
    const r = recompute({ ...u, exposure: (u.exposure ?? 0) - 3 }, { systemdVersion: 252 });
    assert.equal(r.matchesHost, false);
    assert.equal(r.exposureTenths, u.exposure, 'the recomputed number itself is unchanged');
    assert.match(r.reason ?? '', /built-in weights: a custom --security-policy or a systemd version/);
  });

  it('cannot recompute cut tables, unknown rows or rows without a readable badness', () => {
    const cut = all.flatMap((f) => f.units).filter((u) => u.partial);
    assert.ok(cut.length >= 5);
    for (const u of cut) assert.equal(recompute(u).matchesHost, false);
    const u = withoutDebug(
      analyzeOutput(fixture('debian12-252/offline/utf8.txt')).units[0] as UnitAssessment,
    );
    const renamed = {
      ...u,
      checks: [
        ...u.checks,
        { ...(u.checks[0] as UnitAssessment['checks'][number]), id: 'PrivatePIDs', name: 'PrivatePIDs=' },
      ],
    };
    assert.match(recompute(renamed).reason ?? '', /PrivatePIDs= is not in the built-in assessor table/);
    const odd = {
      ...u,
      checks: u.checks.map((c) =>
        c.id === 'ProtectSystem' ? { ...c, set: false, description: 'something new' } : c,
      ),
    };
    assert.match(recompute(odd).reason ?? '', /ProtectSystem=: badness cannot be read/);
  });

  it('computes the worked example of systemd-analyze.md §1.3 (plain root service: 53510/56160 → 9.6)', () => {
    const u = analyzeOutput(fixture('debian12-252/offline/utf8-debug.txt')).units.find(
      (x) => x.unit === 'apt-daily.service',
    ) as UnitAssessment;
    let bad = 0;
    let weight = 0;
    for (const c of u.checks) {
      if (c.badness === null || !c.weight || !c.range) continue;
      bad += Math.ceil((c.badness * c.weight) / c.range);
      weight += c.weight;
    }
    assert.deepEqual([bad, weight], [53510, 56160]);
    assert.deepEqual([recompute(u).exposure, recompute(u).predicate], [9.6, 'UNSAFE']);
  });
});

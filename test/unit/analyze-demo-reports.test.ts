// The recorded demo reports (server/demo/reports/README.md) are real collect.sh documents from
// Debian 12 hosts with systemd 252 as PID 1, collected online as an unprivileged user: the
// closest thing to production input this repository holds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeReport } from '../../server/analyze/analyze-report.js';
import { recomputeExposure } from '../../server/analyze/exposure.js';
import { loadDemoReports } from '../../server/demo/fleet.js';

test('recorded online reports of systemd 252: every unit whole, text and JSON agree, scores recompute', (t) => {
  const reports = loadDemoReports();
  let units = 0;
  for (const { name: file, text: report } of reports) {
    const { analysis, complete, meta } = analyzeReport(report);
    assert.equal(complete, true, file);
    assert.equal(meta.analyze, 'ok', file);
    assert.equal(analysis.systemdVersion, 252, file);
    assert.deepEqual(analysis.problems, [], file);
    assert.ok(analysis.units.length > 50, file);
    for (const u of analysis.units) {
      assert.equal(u.partial, false, `${file} ${u.unit}`);
      assert.equal(u.checks.length, 81, `${file} ${u.unit}`);
      assert.equal(recomputeExposure(u.checks), u.exposure, `${file} ${u.unit}`);
    }
    // The no-argument overview and the per-unit tables were separate runs: same scores.
    const byName = new Map(analysis.units.map((u) => [u.unit, u.exposure]));
    for (const row of analysis.overview) {
      if (byName.has(row.unit)) assert.equal(row.exposure, byName.get(row.unit), `${file} ${row.unit}`);
    }
    units += analysis.units.length;
  }
  t.diagnostic(`${reports.length} reports, ${units} units`);
});

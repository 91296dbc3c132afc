// The score model in the browser (issue 4): a unit whose checks do not give the number its host
// printed (a custom --security-policy changed the weights) is flagged above its checks, with the
// host's number kept; a unit whose report carried its files is predicted from them, and the
// What-if tab says so.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { analyzeReport } from '../../server/analyze/analyze-report.js';
import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { ceilDiv } from '../../server/analyze/score/badness.js';
import { loadDemoReports } from '../../server/demo/fleet.js';
import { openDb } from '../../server/store/db.js';
import { saveScan } from '../../server/store/scans.js';
import { launchChromium, logIn, watchPage } from '../support/browser.js';
import { startDemoServer } from '../support/demo-server.js';
import { okScan } from '../support/scan-results.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const POLICY_UNIT = 'policy-demo.service';

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * A real unit's table as a host with a custom --security-policy prints it without the debug
 * columns (an agent that does not set SYSTEMD_ANALYZE_DEBUG): the policy quadruples the weight of
 * every bad row; the row exposures and the overall number follow those weights, which the table
 * does not show.
 */
function underCustomPolicy(a: UnitAssessment): UnitAssessment {
  const weighted = a.checks.map((c) =>
    c.badness !== null && c.badness > 0 && c.weight !== null ? { ...c, weight: c.weight * 4 } : c,
  );
  const exposure = recomputeExposure(weighted);
  assert.ok(exposure !== null && exposure !== a.exposure, 'the policy moves the score');
  const weightSum = weighted.reduce((s, c) => s + (c.badness === null ? 0 : (c.weight ?? 0)), 0);
  const checks = weighted.map((c) => ({
    ...c,
    exposure:
      c.badness && c.weight && c.range
        ? ceilDiv(ceilDiv(c.badness * c.weight * 100, c.range), weightSum)
        : c.exposure,
    weight: null,
    badness: null,
    range: null,
  }));
  return { ...a, unit: POLICY_UNIT, checks, exposure };
}

describe('score model in the dashboard (demo fleet, Chromium)', () => {
  let server: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let page: Page;
  let hostId: number;
  let policyExposure: number;
  const pageErrors: string[] = [];

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      server = await startDemoServer({ addressOctet: 46 });
      // A later scan of one demo host that also saw a unit assessed under a custom policy.
      const report = loadDemoReports()[0] as { text: string };
      const units = analyzeReport(report.text).analysis.units;
      const policy = underCustomPolicy(units.find((u) => u.unit === 'cron.service') as UnitAssessment);
      policyExposure = (policy.exposure ?? 0) / 10;
      const db = openDb(join(server.dir, 'unitscore.db'));
      try {
        const row = db.prepare("SELECT id FROM hosts WHERE name = 'web-01'").get() as { id: number };
        hostId = row.id;
        // The report the units came from goes with them: it carries the unit files.
        saveScan(db, hostId, {
          ...okScan([...units, policy], new Date()),
          errors: [],
          report: Buffer.from(report.text),
        });
      } finally {
        db.close();
      }
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      watchPage(page, pageErrors);
      await page.goto(server.url);
      await logIn(page, server.login.name, server.login.password);
      await page.getByTestId('fleet-overview').waitFor();
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a unit the model cannot recompute is flagged above its checks; the host number stays', async () => {
    const res = await fetch(new URL(`/api/v1/hosts/${hostId}/units/${POLICY_UNIT}`, server.url), {
      headers: server.apiHeaders,
    });
    const detail = (await res.json()) as {
      unit: { exposure: number };
      model: { matchesHost: boolean; exposure: number };
    };
    assert.equal(detail.model.matchesHost, false);
    assert.equal(detail.unit.exposure, policyExposure);

    await page.goto(`${server.url}#/hosts/${hostId}?unit=${POLICY_UNIT}`);
    const notice = page.getByTestId('score-mismatch');
    await notice.waitFor();
    const said = await text(notice);
    assert.ok(said.includes(`The host printed ${policyExposure.toFixed(1)}`), said);
    assert.ok(said.includes(`it would be ${detail.model.exposure.toFixed(1)}`), said);
    assert.match(said, /security-policy/);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-score-mismatch.png') });

    // A unit the model recomputes shows no notice.
    await page.goto(`${server.url}#/hosts/${hostId}?unit=cron.service`);
    await page.getByTestId('unit-checks').waitFor();
    assert.equal(await page.getByTestId('score-mismatch').count(), 0);
  });

  test("what-if says it read the unit's files from the report", async () => {
    await page.goto(`${server.url}#/hosts/${hostId}?unit=cron.service`);
    const unit = page.locator('[data-testid="unit-row"][data-unit="cron.service"]');
    await unit.getByTestId('unit-tab-whatif').click();
    await unit.getByTestId('suggestion-ladder').waitFor();
    assert.match(await text(unit.getByTestId('whatif-basis')), /the unit's files from the last scan/);
    await unit.getByTestId('whatif-predict').click();
    await unit.getByTestId('whatif-result').waitFor();
    assert.equal(await unit.getByTestId('whatif-exact').getAttribute('data-exact'), 'true');
  });

  test('no script errors, no CSP violations, no dialogs', () => {
    assert.deepEqual(pageErrors, []);
  });
});

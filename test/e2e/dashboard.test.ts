// The dashboard in a real browser (Debian's Chromium) against the whole server with the demo
// fleet: what the API says must be what the pages show, worst first, with a unit's checks.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { startDemoServer } from '../support/demo-server.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
const PREDICATES = ['PERFECT', 'SAFE', 'OK', 'MEDIUM', 'EXPOSED', 'UNSAFE', 'DANGEROUS'];
const DEMO_BANNER = 'Demo fleet: simulated SSH hosts answering with reports recorded from real systemd hosts';

// The part of GET /api/v1/hosts this test compares the page with.
interface ApiHost {
  id: number;
  name: string;
  lastScan: { status: string } | null;
  worstExposure: number | null;
}

const formatExposure = (n: number | null) => (n === null ? '—' : n.toFixed(1));

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

function assertNonIncreasing(values: number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    const prev = values[i - 1] ?? Number.POSITIVE_INFINITY;
    const cur = values[i] ?? Number.NEGATIVE_INFINITY;
    assert.ok(prev >= cur, `${what} not worst first at ${i}: ${prev} then ${cur} (${values.join(', ')})`);
  }
}

describe('dashboard (demo fleet, Chromium)', () => {
  let server: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let page: Page;
  let apiHosts: ApiHost[] = [];
  const pageErrors: string[] = [];
  const apiRequests: string[] = [];

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      server = await startDemoServer();
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('request', (req) => {
        const path = new URL(req.url()).pathname;
        if (path.startsWith('/api/')) apiRequests.push(path);
      });
      page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
      // Host data is hostile: a dialog would mean some host text was run as markup.
      page.on('dialog', (dialog) => {
        pageErrors.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      const res = await fetch(new URL('/api/v1/hosts', server.url));
      assert.equal(res.status, 200);
      apiHosts = ((await res.json()) as { hosts: ApiHost[] }).hosts;
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the hosts page lists every host, worst first, with status and worst exposure', async () => {
    await page.goto(server.url);
    await page.getByTestId('hosts-table').waitFor();

    assert.equal(await text(page.getByTestId('demo-banner')), DEMO_BANNER);
    assert.ok(apiHosts.length >= 12, `the demo fleet has 12 hosts, the API lists ${apiHosts.length}`);
    assert.equal(await text(page.getByTestId('fleet-hosts')), String(apiHosts.length));

    const rows = page.getByTestId('host-row');
    assert.equal(await rows.count(), apiHosts.length);
    const exposures: number[] = [];
    for (const row of await rows.all()) {
      const id = Number(await row.getAttribute('data-host-id'));
      const host = apiHosts.find((h) => h.id === id);
      assert.ok(host, `row for host ${id} is in the API`);
      assert.equal(await text(row.getByTestId('host-link')), host.name);
      const chip = row.getByTestId('status-chip');
      assert.equal(await chip.getAttribute('data-status'), host.lastScan?.status ?? 'never');
      assert.ok((await text(chip)).length > 0);
      const worst = row.getByTestId('host-worst');
      assert.ok((await text(worst)).startsWith(formatExposure(host.worstExposure)));
      if (host.worstExposure !== null) {
        exposures.push(host.worstExposure);
        assert.ok(PREDICATES.includes(await text(worst.getByTestId('predicate-badge'))));
      }
    }
    assert.ok(
      apiHosts.some((h) => h.lastScan?.status === 'ok' && h.worstExposure !== null),
      'at least one demo host scanned ok with units',
    );
    assertNonIncreasing(exposures, 'hosts');
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-hosts.png'), fullPage: true });
  });

  test('the hosts table sorts by name and back to worst first', async () => {
    await page.getByTestId('sort-name').click();
    const names = (await page.getByTestId('host-link').allTextContents()).map((n) => n.trim());
    const sorted = [...names].sort((a, b) =>
      a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' }),
    );
    assert.deepEqual(names, sorted);
    await page.getByTestId('sort-worst').click();
    const first = await page
      .getByTestId('host-row')
      .first()
      .getByTestId('host-worst')
      .getAttribute('data-exposure');
    const worst = Math.max(...apiHosts.map((h) => h.worstExposure ?? -1));
    assert.equal(Number(first), worst);
  });

  test('a host page lists its units worst first with badges and exposures', async () => {
    const row = page.locator('[data-testid="host-row"][data-status="ok"]').first();
    const name = await text(row.getByTestId('host-link'));
    await row.getByTestId('host-link').click();
    await page.getByTestId('unit-list').waitFor();

    assert.match(new URL(page.url()).hash, /^#\/hosts\/\d+$/);
    assert.equal(await text(page.getByTestId('host-name')), name);
    assert.equal(await text(page.getByTestId('demo-banner')), DEMO_BANNER);

    const units = page.getByTestId('unit-row');
    const count = await units.count();
    assert.ok(count > 0, 'the host has units');
    const exposures: number[] = [];
    for (const unit of await units.all()) {
      const shown = await text(unit.getByTestId('unit-exposure'));
      if (shown === '—') continue;
      assert.match(shown, /^\d{1,2}\.\d$/);
      exposures.push(Number(shown));
      assert.ok(PREDICATES.includes(await text(unit.getByTestId('predicate-badge'))));
      assert.match(await text(unit.getByTestId('unit-failing')), /\d+ failing|none failing/);
    }
    assert.ok(exposures.length > 0);
    assertNonIncreasing(exposures, 'units');
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-host.png'), fullPage: true });
  });

  test('a unit opens to its checks as systemd-analyze security lists them, and the link to it can be shared', async () => {
    const unit = page.getByTestId('unit-row').first();
    const unitName = await unit.getAttribute('data-unit');
    assert.ok(unitName);
    const toggle = unit.getByTestId('unit-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    const requestsBefore = apiRequests.length;
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await unit.getByTestId('check-table').waitFor();

    // Regression: opening a unit rewrites the URL, which once made the page refetch the whole host.
    const opening = apiRequests.slice(requestsBefore);
    assert.deepEqual(
      opening.filter((p) => /\/units$/.test(p)),
      [],
      `opening a unit requested: ${opening.join(', ')}`,
    );
    assert.equal(opening.filter((p) => /\/units\/[^/]+$/.test(p)).length, 1);

    const checks = unit.getByTestId('check-row');
    assert.ok((await checks.count()) > 20, 'a real assessment has dozens of checks');
    const glyphs = (await unit.getByTestId('check-glyph').allTextContents()).map((g) => g.trim());
    assert.ok(
      glyphs.every((g) => g === '✓' || g === '✗' || g === ''),
      `glyphs: ${[...new Set(glyphs)]}`,
    );
    // The glyphs are the host's verdicts: as many ✓, ✗ and blanks as the API has set true/false/null.
    const hostId = /#\/hosts\/(\d+)/.exec(page.url())?.[1];
    const detail = (await (await fetch(`${server.url}/api/v1/hosts/${hostId}/units/${encodeURIComponent(unitName)}`)).json()) as {
      unit: { checks: { set: boolean | null }[] };
    };
    const count = (glyph: string) => glyphs.filter((g) => g === glyph).length;
    const expected = (set: boolean | null) => detail.unit.checks.filter((c) => c.set === set).length;
    assert.deepEqual([count('✓'), count('✗'), count('')], [expected(true), expected(false), expected(null)]);
    assert.ok(count('✗') > 0, 'the worst unit fails checks');
    const names = (await unit.getByTestId('check-name').allTextContents()).map((n) => n.trim());
    assert.ok(names.includes('PrivateNetwork='), 'PrivateNetwork= is among the checks');
    assert.ok(names.some((n) => n.startsWith('CapabilityBoundingSet=~CAP_')));

    // Failing checks with an exposure come first, largest first.
    const sets = await checks.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-set')));
    assert.equal(sets[0], 'false');
    const leading: number[] = [];
    for (const exposure of await unit.getByTestId('check-exposure').allTextContents()) {
      if (exposure.trim() === '') break;
      leading.push(Number(exposure));
    }
    assertNonIncreasing(leading, 'failing checks');
    await unit.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-unit-checks.png') });

    const shared = page.url();
    assert.equal(new URL(shared).hash.includes('?unit='), true);
    const other = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await other.goto(shared);
      const opened = other.locator(
        `[data-testid="unit-row"][data-unit="${unitName.replace(/["\\]/g, '\\$&')}"]`,
      );
      await opened.getByTestId('check-table').waitFor();
      assert.equal(await opened.getByTestId('unit-toggle').getAttribute('aria-expanded'), 'true');
      assert.ok((await opened.getByTestId('check-row').count()) > 20);
    } finally {
      await other.close();
    }

    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(new URL(page.url()).hash.includes('unit='), false);
  });

  test('no script errors and no dialogs', () => {
    assert.deepEqual(pageErrors, []);
  });
});

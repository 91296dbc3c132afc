// The dashboard in a real browser (Debian's Chromium) against the whole server with the demo
// fleet: what the API says must be what the pages show, worst first, with a unit's checks.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, watchPage } from '../support/browser.js';
import { startDemoServer } from '../support/demo-server.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
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

// GET /api/v1/scans/activity (web/src/lib/api/types.ts ScanActivity).
interface ApiActivity {
  running: boolean;
  round: number;
  startedAt: string | null;
  finishedAt: string | null;
  nextRoundAt: string | null;
  total: number;
  done: number;
  failed: number;
  scanning: string[];
}

// The top bar's wording of times (web/src/lib/format.ts relativeTime and untilTime), to say what
// the page must show for what the API says.
const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });
const TIME_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];
function relativeTime(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of TIME_UNITS) {
    if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  }
  return RELATIVE.format(Math.round(seconds / 60), 'minute');
}
function untilTime(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 0) return 'due now';
  if (seconds < 60) return 'in under a minute';
  return relativeTime(iso, now);
}
/** What the idle top bar says of `activity` at any moment between `from` and `to`. */
function idleTexts(activity: ApiActivity, from: number, to: number): Set<string> {
  const texts = new Set<string>();
  for (let now = from; now <= to; now += 250) {
    const finished = activity.finishedAt
      ? `Last scan round finished ${relativeTime(activity.finishedAt, now)}`
      : 'No scan round yet';
    const next = activity.nextRoundAt
      ? `next ${untilTime(activity.nextRoundAt, now)}`
      : 'no next round scheduled';
    texts.add(`${finished} · ${next}`);
  }
  return texts;
}

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function activityNow(url: string, headers: Record<string, string>): Promise<ApiActivity> {
  const res = await fetch(new URL('/api/v1/scans/activity', url), { headers });
  assert.equal(res.status, 200);
  return (await res.json()) as ApiActivity;
}

/** The top bar has polled the activity at least once and says the round is idle. */
async function idleStatus(page: Page): Promise<Locator> {
  const status = page.getByTestId('scan-activity');
  await page.locator('[data-testid="scan-activity"][data-running="false"]:not([data-round=""])').waitFor();
  return status;
}

/** The hosts table shows the order asked (`header`'s aria-sort) and no request is on its way. */
async function hostsSettled(page: Page, header: RegExp, sort: 'ascending' | 'descending'): Promise<void> {
  await page
    .getByRole('columnheader', { name: header })
    .and(page.locator(`[aria-sort="${sort}"]`))
    .waitFor();
  await page.locator('[data-testid="hosts-table"][aria-busy="false"]').waitFor();
}

const hostNames = async (page: Page) =>
  (await page.getByTestId('host-link').allTextContents()).map((n) => n.trim());

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
  /** Every host, in the API's default order (worst first): the demo fleet fits one page. */
  let apiHosts: ApiHost[] = [];
  const apiNames = async (query: string) => {
    const res = await fetch(new URL(`/api/v1/hosts?limit=1000&${query}`, server.url), {
      headers: server.apiHeaders,
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { hosts: ApiHost[]; nextCursor: string | null };
    assert.equal(body.nextCursor, null);
    return body.hosts.map((h) => h.name);
  };
  const pageErrors: string[] = [];
  const apiRequests: string[] = [];

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      server = await startDemoServer();
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('request', (req) => {
        const path = new URL(req.url()).pathname;
        if (path.startsWith('/api/')) apiRequests.push(path);
      });
      watchPage(page, pageErrors);
      const res = await fetch(new URL('/api/v1/hosts?limit=1000', server.url), {
        headers: server.apiHeaders,
      });
      assert.equal(res.status, 200);
      apiHosts = ((await res.json()) as { hosts: ApiHost[] }).hosts;

      // Nothing but the login page without a session; log in through it, as a user does.
      await page.goto(server.url);
      await page.getByTestId('login-form').waitFor();
      assert.equal(await page.getByTestId('hosts-table').count(), 0);
      await page.getByTestId('login-name').fill(server.login.name);
      await page.getByTestId('login-password').fill(server.login.password);
      await page.getByTestId('login-submit').click();
      // The landing page is the fleet overview (test/e2e/fleet.test.ts); the hosts are at #/hosts.
      await page.getByTestId('fleet-overview').waitFor();
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the hosts page lists every host, worst first, with status and worst exposure', async () => {
    await page.goto(`${server.url}/#/hosts`);
    await page.getByTestId('hosts-table').waitFor();

    assert.equal(await text(page.getByTestId('demo-banner')), DEMO_BANNER);
    assert.ok(apiHosts.length >= 12, `the demo fleet has 12 hosts, the API lists ${apiHosts.length}`);
    assert.equal(await text(page.getByTestId('fleet-hosts')), String(apiHosts.length));
    // The strip is the fleet overview's, whatever rows are shown.
    const res = await fetch(new URL('/api/v1/fleet/overview', server.url), { headers: server.apiHeaders });
    const overview = (await res.json()) as {
      hosts: { byStatus: { status: string; hosts: number }[] };
      units: number;
    };
    const ok = overview.hosts.byStatus.find((s) => s.status === 'ok')?.hosts ?? 0;
    assert.ok((await text(page.getByTestId('fleet-hosts-ok'))).startsWith(`${ok}/ ${apiHosts.length}`));
    assert.equal(await text(page.getByTestId('fleet-units')), overview.units.toLocaleString('en'));
    const worstHost = apiHosts[0];
    assert.ok(worstHost && worstHost.worstExposure !== null);
    assert.ok((await text(page.getByTestId('fleet-worst'))).includes(worstHost.name));

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
    // The server's order, as it sends it: the page sorts nothing itself.
    assert.deepEqual(
      await hostNames(page),
      apiHosts.map((h) => h.name),
    );
    assert.equal(await page.getByTestId('hosts-more').count(), 0, 'one page holds the demo fleet');
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-hosts.png'), fullPage: true });
  });

  test('the top bar says when the last scan round finished and when the next one is due, as the API says', async () => {
    const status = await idleStatus(page);
    const from = Date.now() - 20_000; // the page's "now" is its last poll (every 15 s when idle) or later
    const activity = await activityNow(server.url, server.apiHeaders);
    const shown = await text(status);
    const to = Date.now();

    // The demo server resolves once its first round is stored; next come the retries of its two
    // failing hosts (backoff: about a minute), the healthy ones an hour later.
    assert.equal(activity.running, false);
    assert.ok(activity.round >= 1, `round ${activity.round}`);
    assert.ok(activity.finishedAt !== null && activity.nextRoundAt !== null, JSON.stringify(activity));
    assert.equal(activity.total, apiHosts.length);
    assert.equal(activity.done, activity.total);
    assert.deepEqual(activity.scanning, []);

    assert.equal(await status.getAttribute('data-running'), 'false');
    assert.equal(await status.getAttribute('data-round'), String(activity.round));
    assert.equal(await page.getByTestId('scan-activity-progress').count(), 0, 'no progress bar when idle');
    const texts = idleTexts(activity, from, to);
    assert.ok(
      texts.has(shown),
      `top bar says ${JSON.stringify(shown)}, expected one of ${JSON.stringify([...texts])}`,
    );
    assert.match(shown, /^Last scan round finished .+ · next (in .+|due now)$/);
    const title = (await status.getAttribute('title')) ?? '';
    assert.match(title, new RegExp(`^Round ${activity.round} finished .+\nNext round .+$`));
    assert.equal(await page.getByTestId('host-scanning').count(), 0, 'no host is being scanned');
    assert.ok(apiRequests.includes('/api/v1/scans/activity'), 'the page polls the scan activity');
    await status.screenshot({ path: join(ARTIFACTS, 'e2e-scan-activity-idle.png') });
  });

  test('the hosts table sorts by name both ways and back to worst first, as the server sorts', async () => {
    const asked: string[] = [];
    const onRequest = (req: { url(): string }) => {
      const url = new URL(req.url());
      if (url.pathname === '/api/v1/hosts') asked.push(url.search);
    };
    page.on('request', onRequest);
    await page.getByTestId('sort-name').click();
    await hostsSettled(page, /Host/, 'ascending');
    assert.deepEqual(await hostNames(page), await apiNames('sort=name&order=asc'));
    await page.getByTestId('sort-name').click();
    await hostsSettled(page, /Host/, 'descending');
    assert.deepEqual(await hostNames(page), await apiNames('sort=name&order=desc'));
    await page.getByTestId('sort-worst').click();
    await hostsSettled(page, /Worst/, 'descending');
    page.off('request', onRequest);
    assert.deepEqual(asked, [
      '?sort=name&order=asc&limit=100',
      '?sort=name&order=desc&limit=100',
      '?sort=worst&order=desc&limit=100',
    ]);
    assert.deepEqual(
      await hostNames(page),
      apiHosts.map((h) => h.name),
    );
    const first = await page
      .getByTestId('host-row')
      .first()
      .getByTestId('host-worst')
      .getAttribute('data-exposure');
    const worst = Math.max(...apiHosts.map((h) => h.worstExposure ?? -1));
    assert.equal(Number(first), worst);
  });

  test('a fleet larger than a page: the first page, then more on demand, in the server order', async () => {
    // The demo fleet fits one page of 100: here the page's requests ask for 5 hosts a page.
    const asked: string[] = [];
    await page.route('**/api/v1/hosts?*', (route) => {
      const url = new URL(route.request().url());
      if (url.pathname !== '/api/v1/hosts') return route.continue();
      url.searchParams.set('limit', '5');
      asked.push(url.search);
      return route.continue({ url: url.toString() });
    });
    try {
      await page.reload();
      await page.getByTestId('hosts-table').waitFor();
      await page.getByTestId('host-row').nth(4).waitFor();
      const more = page.getByTestId('hosts-more');
      // The strip counts the whole fleet, not the rows shown.
      assert.equal(await text(page.getByTestId('fleet-hosts')), String(apiHosts.length));
      assert.match(
        await text(more),
        new RegExp(`^(Show more \\(\\d+ of ${apiHosts.length} shown\\)|Loading…)$`),
      );
      const settled = page.locator('[data-testid="hosts-table"][aria-busy="false"]');
      for (let i = 0; i < apiHosts.length && (await more.count()) > 0; i++) {
        await settled.waitFor();
        if ((await more.count()) === 0) break;
        await more.click({ timeout: 5000 });
        await settled.waitFor();
      }
      assert.deepEqual(
        await hostNames(page),
        apiHosts.map((h) => h.name),
      );
      assert.equal(await page.getByTestId('host-row').count(), apiHosts.length);
      const pages = asked.filter((q) => q.startsWith('?sort=worst&order=desc'));
      assert.equal(pages[0], '?sort=worst&order=desc&limit=5');
      assert.equal(pages.length, Math.ceil(apiHosts.length / 5));
      assert.ok(
        pages.slice(1).every((q) => q.includes('cursor=')),
        pages.join('\n'),
      );
    } finally {
      await page.unroute('**/api/v1/hosts?*');
    }
  });

  test('a host page lists its units worst first with badges and exposures', async () => {
    const row = page.locator('[data-testid="host-row"][data-status="ok"]').first();
    const name = await text(row.getByTestId('host-link'));
    await row.getByTestId('host-link').click();
    await page.getByTestId('unit-list').waitFor();

    assert.match(new URL(page.url()).hash, /^#\/hosts\/\d+$/);
    assert.equal(await text(page.getByTestId('host-name')), name);
    assert.equal(await text(page.getByTestId('demo-banner')), DEMO_BANNER);
    // The live scan status is in the top bar of every page.
    assert.match(await text(await idleStatus(page)), /^Last scan round finished .+ · next .+$/);

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
    const detail = (await (
      await fetch(`${server.url}/api/v1/hosts/${hostId}/units/${encodeURIComponent(unitName)}`, {
        headers: server.apiHeaders,
      })
    ).json()) as {
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
      // Another browser has no session: the link asks for a login first, then shows what it points to.
      await other.goto(shared);
      await other.getByTestId('login-name').fill(server.login.name);
      await other.getByTestId('login-password').fill(server.login.password);
      await other.getByTestId('login-submit').click();
      assert.equal(other.url(), shared, 'the link survives the login');
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

  test('while a round runs the top bar shows its progress and the hosts being scanned; when it ends the page refreshes in place', async () => {
    // The demo server's next round is an hour away, so the scheduler's side is played here
    // (only /api/v1/scans/activity is answered by the test; everything else is the real server).
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The same logged-in user in a second browser context: the session cookie goes along.
    await context.addCookies(await page.context().cookies());
    const live = await context.newPage();
    live.on('pageerror', (err) => pageErrors.push(`pageerror (live): ${err.message}`));
    const requests: string[] = [];
    live.on('request', (req) => {
      const path = new URL(req.url()).pathname;
      if (path.startsWith('/api/')) requests.push(path);
    });
    const count = (path: string | RegExp) =>
      requests.filter((p) => (typeof path === 'string' ? p === path : path.test(p))).length;
    const requested = (path: string | RegExp, timeout = 5000) =>
      live.waitForResponse(
        (res) => {
          const p = new URL(res.url()).pathname;
          return typeof path === 'string' ? p === path : path.test(p);
        },
        { timeout },
      );
    const ACTIVITY = '/api/v1/scans/activity';
    const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

    const real = await activityNow(server.url, server.apiHeaders);
    const scanning = apiHosts
      .map((h) => h.name)
      .sort()
      .slice(0, 2);
    let activity: ApiActivity = {
      running: true,
      round: real.round + 1,
      startedAt: iso(-30_000),
      finishedAt: null,
      nextRoundAt: null,
      total: apiHosts.length,
      done: 7,
      failed: 1,
      scanning,
    };
    await context.route(`**${ACTIVITY}`, (route) => route.fulfill({ json: activity }));
    try {
      await live.goto(`${server.url}/#/hosts`);
      await live.getByTestId('hosts-table').waitFor();
      await live.getByTestId('sort-name').click();
      await hostsSettled(live, /Host/, 'ascending');
      const names = await hostNames(live);

      const status = live.getByTestId('scan-activity');
      await live.locator('[data-testid="scan-activity"][data-running="true"]').waitFor();
      assert.equal(await text(status), `Scanning 7/${apiHosts.length} · 1 failed`);
      const progress = live.getByTestId('scan-activity-progress');
      assert.equal(await progress.getAttribute('aria-valuenow'), '7');
      assert.equal(await progress.getAttribute('aria-valuemax'), String(apiHosts.length));
      const title = (await status.getAttribute('title')) ?? '';
      assert.ok(title.endsWith(`Scanning now: ${scanning.join(', ')}`), title);
      const marked = live.locator('[data-testid="host-row"][data-scanning="true"]');
      assert.deepEqual(
        (await marked.getByTestId('host-link').allTextContents()).map((n) => n.trim()),
        scanning,
      );
      assert.deepEqual(await marked.getByTestId('host-scanning').allTextContents(), [
        'scanning…',
        'scanning…',
      ]);
      // The marks must not move the columns (a table that jumps every 2 s is no subtle indicator).
      const columns = () =>
        live
          .locator('[data-testid="hosts-table"] thead th')
          .evaluateAll((ths) => ths.map((th) => Math.round(th.getBoundingClientRect().left)));
      const columnsWhileScanning = await columns();
      await live.screenshot({ path: join(ARTIFACTS, 'e2e-scanning.png') });
      await status.screenshot({ path: join(ARTIFACTS, 'e2e-scan-activity-running.png') });

      // The round ends: the hosts are fetched again, in place, still sorted by name.
      const refreshed = requested('/api/v1/hosts');
      activity = {
        ...activity,
        running: false,
        finishedAt: iso(0),
        nextRoundAt: iso(1000), // due at once: the next poll comes 2 s later, not 15
        done: apiHosts.length,
        scanning: [],
      };
      await refreshed;
      await live.locator('[data-testid="scan-activity"][data-running="false"]').waitFor();
      assert.match(
        await text(status),
        /^Last scan round finished just now · next (due now|in under a minute)$/,
      );
      assert.equal(await live.getByTestId('scan-activity-progress').count(), 0);
      assert.equal(await marked.count(), 0);
      assert.deepEqual(await columns(), columnsWhileScanning, 'the columns stayed where they were');
      assert.equal(
        await live.getByRole('columnheader', { name: /Host/ }).getAttribute('aria-sort'),
        'ascending',
      );
      assert.deepEqual(
        (await live.getByTestId('host-link').allTextContents()).map((n) => n.trim()),
        names,
      );
      assert.equal(await live.getByTestId('loading').count(), 0, 'the table stayed on screen');

      // On a host page with a unit open, the next round (seen only by its number) reloads the
      // host; the unit stays open, its checks (same scan) are not fetched again.
      await live
        .locator('[data-testid="host-row"][data-status="ok"]')
        .first()
        .getByTestId('host-link')
        .click();
      const unit = live.getByTestId('unit-row').first();
      await unit.getByTestId('unit-toggle').click();
      await unit.getByTestId('check-table').waitFor();
      const hash = new URL(live.url()).hash;
      const details = count(/\/units\/[^/]+$/);
      const reloaded = requested(/\/hosts\/\d+\/units$/);
      activity = { ...activity, round: activity.round + 1, finishedAt: iso(0), nextRoundAt: iso(1000) };
      await reloaded;
      await live.waitForTimeout(300);
      assert.equal(new URL(live.url()).hash, hash);
      assert.equal(await unit.getByTestId('unit-toggle').getAttribute('aria-expanded'), 'true');
      assert.ok((await unit.getByTestId('check-row').count()) > 20);
      assert.equal(count(/\/units\/[^/]+$/), details, 'the open unit kept its checks');
      assert.equal(await live.getByTestId('loading').count(), 0);

      // A hidden tab does not poll; shown again, it asks at once and catches up with a round
      // that finished meanwhile.
      activity = {
        ...activity,
        running: true,
        round: activity.round + 1,
        finishedAt: null,
        nextRoundAt: null,
      };
      await live.locator('[data-testid="scan-activity"][data-running="true"]').waitFor();
      const setVisibility = (state: 'hidden' | 'visible') =>
        live.evaluate((value) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => value });
          document.dispatchEvent(new Event('visibilitychange'));
        }, state);
      await setVisibility('hidden');
      await live.waitForTimeout(200);
      const polls = count(ACTIVITY);
      await live.waitForTimeout(2500); // longer than the 2 s between polls while a round runs
      assert.equal(count(ACTIVITY), polls, 'no polling while the tab is hidden');
      activity = { ...activity, running: false, finishedAt: iso(0), nextRoundAt: iso(55 * 60_000) };
      const polled = requested(ACTIVITY, 1000);
      const caughtUp = requested(/\/hosts\/\d+\/units$/);
      await setVisibility('visible');
      await polled;
      await caughtUp;
      await live.locator('[data-testid="scan-activity"][data-running="false"]').waitFor();
      const shown = await text(status);
      const texts = idleTexts(activity, Date.now() - 2000, Date.now());
      assert.ok(
        texts.has(shown),
        `top bar says ${JSON.stringify(shown)}, expected one of ${JSON.stringify([...texts])}`,
      );
    } finally {
      await context.close();
    }
  });

  test('no script errors and no dialogs', () => {
    assert.deepEqual(pageErrors, []);
  });
});

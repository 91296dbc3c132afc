// The fleet screens in a real browser (Debian's Chromium) against the whole server with the demo
// fleet: the overview (figures, bands, trend), the label filter kept in the URL, worst units,
// directive gaps, the weekly review, and on a host its trend, a unit's history and "What if?".
// What a page shows must be what the API says; no page may trip the Content-Security-Policy.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type App, buildApp } from '../../server/http/app.js';
import { webDistDir } from '../../server/paths.js';
import { type Db, openDb } from '../../server/store/db.js';
import { bearer, ensureUser, TEST_PASSWORD } from '../support/auth.js';
import { launchChromium, logIn, watchedPage, watchPage } from '../support/browser.js';
import { startDemoServer } from '../support/demo-server.js';
import { buildFleet, HOSTILE, NOW } from '../support/fleet-data.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const PREDICATES = ['PERFECT', 'SAFE', 'OK', 'MEDIUM', 'EXPOSED', 'UNSAFE', 'DANGEROUS'] as const;
const VIEWER = { name: 'e2e-viewer', password: 'a viewer password for e2e' };

// The parts of the API answers this test compares the pages with (web/src/lib/api/types.ts).
interface Stats {
  units: number;
  median: number | null;
  p90: number | null;
  worst: number | null;
  bands: Record<(typeof PREDICATES)[number], number>;
}
interface Overview {
  hosts: {
    total: number;
    byStatus: { status: string; hosts: number }[];
    neverScanned: number;
    withUnits: number;
  };
  units: number;
  exposure: Stats;
}
interface Trend {
  label: string | null;
  ignoredLabels: string[];
  to: string;
  points: { day: string; hosts: number; exposure: Stats }[];
}
interface UnitGroups {
  units: {
    unit: string;
    hosts: number;
    median: number | null;
    worst: number | null;
    predicate: string | null;
  }[];
  nextCursor: string | null;
}
interface HostUnits {
  units: {
    hostId: number;
    host: string;
    unit: string;
    exposure: number;
    predicate: string;
    failing: number;
  }[];
  nextCursor: string | null;
}
interface Gaps {
  units: number;
  hosts: number;
  gaps: { check: string; name: string; units: number; hosts: number; exposureGain: number }[];
}
interface Diff {
  summary: Record<'worse' | 'better' | 'appeared' | 'removed' | 'changed' | 'unchanged', number>;
}
interface ApiHost {
  id: number;
  name: string;
  labels: string[];
  lastScan: { status: string } | null;
}
interface Suggestion {
  before: number;
  stages: { after: number }[];
  text: string;
}
interface WhatIf {
  before: number;
  after: number;
  exact: boolean;
  reason: string | null;
  changes: { id: string }[];
}

const fmt = (n: number | null) => (n === null ? '—' : n.toFixed(1));
const count = (n: number) => n.toLocaleString('en');

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

function assertNonIncreasing(values: number[], what: string): void {
  for (let i = 1; i < values.length; i++) {
    assert.ok(
      (values[i - 1] ?? 0) >= (values[i] ?? 0),
      `${what} not sorted at ${i}: ${values.slice(0, i + 1).join(', ')}`,
    );
  }
}

const daysBefore = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

describe('fleet screens (demo fleet, Chromium)', () => {
  let server: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const apiRequests: string[] = [];

  async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await fetch(new URL(`/api/v1${path}`, server.url), {
      method: init.method ?? 'GET',
      headers: {
        ...server.apiHeaders,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    assert.equal(res.status, 200, `${init.method ?? 'GET'} ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  const watch = (p: Page, who: string) => watchPage(p, problems, who);

  /** Goes to a hash route of the app (no reload) and waits for `testid`. */
  async function visit(hash: string, testid: string): Promise<void> {
    await page.goto(`${server.url}/${hash}`);
    await page.getByTestId(testid).first().waitFor();
  }

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      server = await startDemoServer({ addressOctet: 44 });
      browser = await launchChromium();
      context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      page = await context.newPage();
      watch(page, 'admin');
      page.on('request', (req) => {
        const url = new URL(req.url());
        if (url.pathname.startsWith('/api/'))
          apiRequests.push(`${req.method()} ${url.pathname}${url.search}`);
      });
      // The landing page is the fleet overview, after the login page.
      await page.goto(server.url);
      await logIn(page, server.login.name, server.login.password);
      await page.getByTestId('overview-figures').waitFor();
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the overview shows the fleet figures, units per band and the trend as the API has them', async () => {
    assert.equal(new URL(page.url()).hash, '', 'the landing page is the overview');
    const overview = await api<Overview>('/fleet/overview');
    assert.equal(await text(page.getByTestId('overview-hosts')), String(overview.hosts.total));
    assert.equal(await text(page.getByTestId('overview-units')), count(overview.units));
    assert.equal(await text(page.getByTestId('overview-median')), fmt(overview.exposure.median));
    assert.equal(await text(page.getByTestId('overview-p90')), fmt(overview.exposure.p90));
    assert.equal(await text(page.getByTestId('overview-worst')), fmt(overview.exposure.worst));
    // Hosts by the status of their last scan: every status some host is in, with its count.
    const shown = new Map<string, number>();
    for (const s of await page.getByTestId('overview-status').all()) {
      shown.set((await s.getAttribute('data-status')) ?? '', Number.parseInt(await text(s), 10));
    }
    const expected = new Map(
      overview.hosts.byStatus.filter((s) => s.hosts > 0).map((s) => [s.status, s.hosts]),
    );
    if (overview.hosts.neverScanned > 0) expected.set('never', overview.hosts.neverScanned);
    assert.deepEqual(shown, expected);
    assert.ok((shown.get('ok') ?? 0) > 0 && shown.size >= 2, 'the demo fleet has ok and failing hosts');
    // One row per band, its units as the API counts them.
    for (const band of PREDICATES) {
      const row = page.locator(`[data-testid="band-row"][data-band="${band}"]`);
      assert.equal(await text(row.getByTestId('band-units')), count(overview.exposure.bands[band]), band);
    }
    await page.getByTestId('fleet-trend').getByTestId('trend-chart').locator('canvas').first().waitFor();

    // The trend's numbers (the chart's table for screen readers) are the API's, day by day.
    const checkTrend = async (query: string, points: number) => {
      const trend = await api<Trend>(`/fleet/trend?${query}`);
      assert.equal(trend.points.length, points);
      const rows = page.locator('[data-testid="trend-chart-data"] tbody tr');
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="trend-chart-data"] tbody tr').length === n,
        points,
      );
      const days = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-day')));
      assert.deepEqual(
        days,
        trend.points.map((p) => p.day),
      );
      const medians = await page
        .locator('[data-testid="trend-chart-data"] td[data-series="Median"]')
        .allTextContents();
      const p90s = await page
        .locator('[data-testid="trend-chart-data"] td[data-series="p90"]')
        .allTextContents();
      assert.deepEqual(
        medians,
        trend.points.map((p) => fmt(p.exposure.median)),
      );
      assert.deepEqual(
        p90s,
        trend.points.map((p) => fmt(p.exposure.p90)),
      );
      return trend;
    };
    const month = await checkTrend('days=30', 30);
    const today = month.points[month.points.length - 1];
    assert.equal(today?.exposure.median, overview.exposure.median, "the trend ends on today's state");
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-overview.png'), fullPage: true });

    await page.getByTestId('trend-days-7').click();
    assert.match(new URL(page.url()).hash, /days=7/);
    await checkTrend('days=7', 7);
    await page.getByTestId('trend-days-90').click();
    await page.getByTestId('trend-bucket-week').click();
    assert.match(new URL(page.url()).hash, /days=90&bucket=week/);
    const weeks = await api<Trend>('/fleet/trend?days=90&bucket=week');
    await checkTrend('days=90&bucket=week', weeks.points.length);
    await page.getByTestId('trend-days-30').click();
    await page.getByTestId('trend-bucket-day').click();
    assert.equal(new URL(page.url()).hash, '#/');
  });

  test('the label filter is a chip, kept in the URL, applied to the figures and carried to every fleet screen', async () => {
    await page.locator('[data-testid="label-chip"][data-label="env=prod"]').click();
    await page.waitForURL(/label=env%3Dprod/);
    const prod = await api<Overview>('/fleet/overview?label=env%3Dprod');
    const all = await api<Overview>('/fleet/overview');
    assert.ok(prod.hosts.total < all.hosts.total, 'env=prod is part of the fleet');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="overview-hosts"]')?.textContent?.trim() === n,
      String(prod.hosts.total),
    );
    assert.equal(await text(page.getByTestId('overview-units')), count(prod.units));
    assert.equal(await text(page.getByTestId('overview-median')), fmt(prod.exposure.median));
    assert.equal(
      await page.locator('[data-testid="label-chip"][data-label="env=prod"]').getAttribute('aria-pressed'),
      'true',
    );
    assert.equal(await text(page.getByTestId('trend-scope')), 'label env=prod');
    for (const screen of ['hosts', 'units', 'gaps', 'review']) {
      const href = (await page.getByTestId(`nav-${screen}`).getAttribute('href')) ?? '';
      assert.match(href, /label=env%3Dprod/, `the ${screen} link keeps the filter: ${href}`);
    }
    const requested = apiRequests.filter((r) => r.startsWith('GET /api/v1/fleet/overview'));
    assert.ok(requested.includes('GET /api/v1/fleet/overview?label=env%3Dprod'), requested.join(', '));

    // Two labels: the figures take both; the trend (rollups per single label) says what it left out.
    await page.locator('[data-testid="label-chip"][data-label="role=web"]').click();
    await page.waitForURL(/label=env%3Dprod&label=role%3Dweb/);
    const web = await api<Overview>('/fleet/overview?label=env%3Dprod&label=role%3Dweb');
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="overview-hosts"]')?.textContent?.trim() === n,
      String(web.hosts.total),
    );
    assert.match(await text(page.getByTestId('trend-ignored')), /not applied: role=web/);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-overview-filtered.png'), fullPage: true });
    // Back to one label for the screens that follow (Back undoes a filter change).
    await page.goBack();
    await page.waitForURL((url) => !url.hash.includes('role'));
    await page.getByTestId('label-chip').first().waitFor();
  });

  test('worst units: grouped by name as the API has them, more on demand, and the hosts running one', async () => {
    await page.getByTestId('nav-units').click();
    await page.getByTestId('unit-groups').waitFor();
    assert.match(new URL(page.url()).hash, /^#\/units\?label=env%3Dprod$/);
    const first = await api<UnitGroups>('/fleet/units?label=env%3Dprod&limit=50');
    const rows = page.getByTestId('unit-group');
    assert.equal(await rows.count(), first.units.length);
    const check = async (from: number, groups: UnitGroups['units']) => {
      for (const [i, g] of groups.entries()) {
        const row = rows.nth(from + i);
        assert.equal(await row.getAttribute('data-unit'), g.unit);
        assert.equal(await text(row.getByTestId('unit-group-hosts')), String(g.hosts));
        assert.equal(await text(row.getByTestId('unit-group-median')), fmt(g.median));
        assert.equal(await text(row.getByTestId('unit-group-worst')), fmt(g.worst));
        if (g.predicate) assert.equal(await text(row.getByTestId('predicate-badge')), g.predicate);
      }
    };
    await check(0, first.units);
    assertNonIncreasing(
      first.units.map((g) => g.worst ?? -1),
      'worst units',
    );
    assert.ok(first.nextCursor, 'the demo fleet has more than 50 unit names');
    await page.getByTestId('load-more').click();
    const second = await api<UnitGroups>(
      `/fleet/units?label=env%3Dprod&limit=50&cursor=${encodeURIComponent(first.nextCursor)}`,
    );
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="unit-group"]').length === n,
      first.units.length + second.units.length,
    );
    await check(first.units.length, second.units);

    // Opening a unit lists the hosts running it (of the filter), each linking to its unit there.
    const worst = first.units[0];
    assert.ok(worst);
    const row = rows.first();
    await row.getByTestId('unit-group-toggle').click();
    await row.getByTestId('unit-host-row').first().waitFor();
    assert.match(new URL(page.url()).hash, new RegExp(`unit=${encodeURIComponent(worst.unit)}`));
    const hosts = await api<HostUnits>(
      `/fleet/host-units?label=env%3Dprod&unit=${encodeURIComponent(worst.unit)}`,
    );
    assert.equal(hosts.units.length, worst.hosts);
    const hostRows = row.getByTestId('unit-host-row');
    assert.equal(await hostRows.count(), hosts.units.length);
    for (const [i, h] of hosts.units.entries()) {
      const r = hostRows.nth(i);
      assert.equal(await r.getAttribute('data-host-id'), String(h.hostId));
      assert.equal(await text(r.getByTestId('unit-host-link')), h.host);
      assert.equal(await text(r.getByTestId('unit-host-exposure')), fmt(h.exposure));
      assert.equal(
        await r.getByTestId('unit-host-unit-link').getAttribute('href'),
        `#/hosts/${h.hostId}?unit=${encodeURIComponent(h.unit)}`,
      );
    }
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-units.png') });
  });

  test('directive gaps: every check as the API ranks it, biggest exposure gain first', async () => {
    await page.getByTestId('nav-gaps').click();
    await page.getByTestId('gaps-table').waitFor();
    const gaps = await api<Gaps>('/fleet/directive-gaps?label=env%3Dprod&limit=200');
    assert.equal(await text(page.getByTestId('gaps-scope')), `${gaps.units} units on ${gaps.hosts} hosts`);
    const rows = page.getByTestId('gap-row');
    assert.equal(await rows.count(), gaps.gaps.length);
    assert.ok(gaps.gaps.length > 20, 'a real catalogue has dozens of checks');
    for (const [i, g] of gaps.gaps.entries()) {
      const row = rows.nth(i);
      assert.equal(await row.getAttribute('data-check'), g.check);
      assert.equal(await text(row.getByTestId('gap-name')), g.name);
      assert.equal(await text(row.getByTestId('gap-units')), count(g.units));
      assert.equal(await text(row.getByTestId('gap-hosts')), String(g.hosts));
      assert.equal(await text(row.getByTestId('gap-gain')), g.exposureGain.toFixed(1));
    }
    assertNonIncreasing(
      gaps.gaps.map((g) => g.exposureGain),
      'gaps',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-gaps.png') });
  });

  test('the weekly review sums each host diff of the last 7 days, for the hosts of the filter', async () => {
    await page.getByTestId('nav-review').click();
    await page.getByTestId('review-table').waitFor();
    const trend = await api<Trend>('/fleet/trend?label=env%3Dprod&days=7');
    const fromDate = daysBefore(trend.to, 7);
    const { hosts } = await api<{ hosts: ApiHost[] }>('/hosts');
    const reviewed = hosts.filter((h) => h.lastScan !== null && h.labels.includes('env=prod'));
    const totals = { worse: 0, better: 0, appeared: 0, removed: 0, changed: 0 };
    let changed = 0;
    for (const host of reviewed) {
      const diff = await api<Diff>(`/hosts/${host.id}/diff?fromDate=${fromDate}`);
      const s = diff.summary;
      const moved = s.worse + s.better + s.appeared + s.removed + s.changed;
      if (moved > 0) changed++;
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += s[key];
    }
    // Every host's diff is in once the count says nothing is loading.
    await page.waitForFunction(
      () => !/loading/.test(document.querySelector('[data-testid="review-count"]')?.textContent ?? 'loading'),
    );
    assert.equal(
      await text(page.getByTestId('review-count')),
      `${changed} of ${reviewed.length} hosts reviewed`,
    );
    assert.equal(await page.getByTestId('review-host-row').count(), changed);
    for (const [key, value] of Object.entries(totals)) {
      assert.equal(await text(page.getByTestId(`review-total-${key}`)), String(value), key);
    }
    assert.ok(totals.appeared > 0, 'the fresh demo fleet: every unit appeared this week');
    const diffs = apiRequests.filter((r) => r.includes('/diff?'));
    assert.ok(diffs.length >= reviewed.length && diffs.every((r) => r.includes(`fromDate=${fromDate}`)));
    const row = page.getByTestId('review-host-row').first();
    await row.getByTestId('review-host-toggle').click();
    await page.getByTestId('host-changes').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-review.png'), fullPage: true });
  });

  test('a host page: its trend, a unit history, and What if? predicting what the API predicts', async () => {
    const { hosts } = await api<{ hosts: ApiHost[] }>('/hosts');
    const host = hosts.find((h) => h.lastScan?.status === 'ok');
    assert.ok(host);
    const units = await api<{ units: { unit: string; exposure: number | null }[] }>(
      `/hosts/${host.id}/units`,
    );
    const worst = [...units.units].sort((a, b) => (b.exposure ?? -1) - (a.exposure ?? -1))[0];
    assert.ok(worst);
    await visit(`#/hosts/${host.id}?unit=${encodeURIComponent(worst.unit)}`, 'unit-checks');

    // The host's trend: worst and median per day, as the API has them.
    const trend = await api<{ points: { day: string; worst: number | null; median: number | null }[] }>(
      `/hosts/${host.id}/trend?days=30&bucket=day`,
    );
    await page.locator('[data-testid="host-trend-chart"] canvas').first().waitFor();
    const worstShown = await page
      .locator('[data-testid="host-trend-chart-data"] td[data-series="Worst"]')
      .allTextContents();
    assert.deepEqual(
      worstShown,
      trend.points.map((p) => fmt(p.worst)),
    );

    const unit = page.locator(
      `[data-testid="unit-row"][data-unit="${worst.unit.replace(/["\\]/g, '\\$&')}"]`,
    );
    // History: one row per interval the API has.
    await unit.getByTestId('unit-tab-history').click();
    await unit.getByTestId('unit-history').waitFor();
    const history = await api<{ intervals: { exposure: number | null }[] }>(
      `/hosts/${host.id}/units/${encodeURIComponent(worst.unit)}/history`,
    );
    assert.equal(await unit.getByTestId('history-row').count(), history.intervals.length);
    assert.equal(
      await text(unit.getByTestId('history-exposure').first()),
      fmt(history.intervals[0]?.exposure ?? null),
    );

    // What if?: the suggested drop-in, its stages, and the prediction for it.
    await unit.getByTestId('unit-tab-whatif').click();
    const suggestion = await api<Suggestion>(
      `/hosts/${host.id}/units/${encodeURIComponent(worst.unit)}/suggestion`,
    );
    const editor = unit.getByTestId('whatif-text');
    await editor.waitFor();
    await page.waitForFunction(
      () =>
        (document.querySelector('[data-testid="whatif-text"]') as HTMLTextAreaElement | null)?.value !== '',
    );
    assert.equal(await editor.inputValue(), suggestion.text);
    assert.deepEqual(
      await unit.getByTestId('stage-after').allTextContents(),
      suggestion.stages.map((s) => fmt(s.after)),
    );
    await unit.getByTestId('whatif-predict').click();
    await unit.getByTestId('whatif-result').waitFor();
    const predicted = await api<WhatIf>('/whatif', {
      method: 'POST',
      body: { hostId: host.id, unit: worst.unit, dropin: suggestion.text },
    });
    assert.equal(await text(unit.getByTestId('whatif-before')), fmt(predicted.before));
    assert.equal(await text(unit.getByTestId('whatif-after')), fmt(predicted.after));
    assert.equal(await unit.getByTestId('whatif-exact').getAttribute('data-exact'), String(predicted.exact));
    if (predicted.reason) assert.match(await text(unit.getByTestId('whatif-reason')), /^Not exact: /);
    assert.equal(await unit.getByTestId('whatif-change').count(), predicted.changes.length);
    assert.ok(predicted.after < predicted.before, 'the suggestion lowers the score');
    const requests = apiRequests.filter((r) => r.startsWith('POST /api/v1/whatif'));
    assert.equal(requests.length, 1);

    // The copy button puts the override.conf on the clipboard.
    await unit.getByTestId('whatif-copy').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="whatif-copy"]')?.textContent?.includes('Copied'),
    );
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), suggestion.text);
    await unit.getByTestId('whatif-result').scrollIntoViewIfNeeded();
    await unit.getByTestId('unit-tab-whatif').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-whatif.png') });

    // A drop-in that does not parse: the server's line numbers, shown next to the text.
    const bad = '[Service]\nPrivateTmp=maybe\nNoNewPrivileges=yes\nProtectSystem=sideways\n';
    await editor.fill(bad);
    await unit.getByTestId('whatif-predict').click();
    await unit.getByTestId('whatif-errors').waitFor();
    const res = await fetch(new URL('/api/v1/whatif', server.url), {
      method: 'POST',
      headers: { ...server.apiHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ hostId: host.id, unit: worst.unit, dropin: bad }),
    });
    assert.equal(res.status, 400);
    const message = ((await res.json()) as { message: string }).message;
    const lines = [...message.matchAll(/line (\d+):/g)].map((m) => m[1]);
    assert.deepEqual(lines, ['2', '4']);
    const shown = await unit
      .getByTestId('whatif-error')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-line')));
    assert.deepEqual(shown, lines);
    assert.equal(
      await unit.getByTestId('whatif-result').count(),
      0,
      'no stale prediction next to the errors',
    );
    await unit.getByTestId('whatif-errors').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-whatif-error.png') });
    await page.getByTestId('host-header').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-host.png') });
  });

  test('Scan now: operators and admins queue scans of a host or of the filter; viewers see no button', async () => {
    // A viewer, made by the admin through the API (with the session's CSRF token).
    const status = await page.evaluate(async (viewer) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ name: viewer.name, role: 'viewer', password: viewer.password }),
      });
      return res.status;
    }, VIEWER);
    assert.equal(status, 201);

    const { hosts } = await api<{ hosts: ApiHost[] }>('/hosts');
    const host = hosts.find((h) => h.lastScan?.status === 'ok');
    assert.ok(host);
    const viewerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const viewer = await viewerContext.newPage();
      watch(viewer, 'viewer');
      await viewer.goto(`${server.url}/#/hosts`);
      await logIn(viewer, VIEWER.name, VIEWER.password);
      await viewer.getByTestId('hosts-table').waitFor();
      assert.equal(await viewer.getByTestId('scan-now').count(), 0);
      await viewer.goto(`${server.url}/#/hosts/${host.id}`);
      await viewer.getByTestId('host-header').waitFor();
      assert.equal(await viewer.getByTestId('scan-now').count(), 0);
    } finally {
      await viewerContext.close();
    }

    await visit(`#/hosts/${host.id}`, 'host-header');
    await page.getByTestId('scan-now').click();
    await page.getByTestId('scan-now-message').waitFor();
    assert.equal(await text(page.getByTestId('scan-now-message')), '1 host queued');
    assert.ok(apiRequests.includes('POST /api/v1/scans'));

    await visit('#/hosts?label=env%3Dstaging', 'hosts-table');
    const staging = hosts.filter((h) => h.labels.includes('env=staging'));
    assert.equal(
      await page.getByTestId('host-row').count(),
      staging.length,
      'the hosts page applies the filter',
    );
    assert.equal(await text(page.getByTestId('scan-now')), 'Scan these now');
    await page.getByTestId('scan-now').click();
    await page.getByTestId('scan-now-message').waitFor();
    assert.equal(await text(page.getByTestId('scan-now-message')), `${staging.length} hosts queued`);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-fleet-hosts-filtered.png') });
  });

  test('no script errors, dialogs or Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});

// The demo fleet has a single day of history; the store's test fleet (test/support/fleet-data.ts)
// has three weeks: hardening, a regression, a host gone unreachable, a hostile unit name. Served
// by the real app and web build, with its clock at that fleet's "now" (2026-11-20).
describe('fleet screens over three weeks of history (Chromium)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-e2e-history-'));
  let db: Db;
  let app: App;
  let url = '';
  let headers: { authorization: string };
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${url}/api/v1${path}`, { headers });
    assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  before(
    async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      db = openDb(join(dir, 'history.db'));
      buildFleet(db);
      await ensureUser(db, 'e2e-admin', 'admin', TEST_PASSWORD);
      headers = bearer(db, 'viewer', 'e2e-history');
      app = await buildApp({ db, version: '0.0.0-e2e', demo: false, webDir: webDistDir, now: () => NOW });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      browser = await launchChromium();
      page = await watchedPage(browser, problems);
      await page.goto(url);
      await logIn(page, 'e2e-admin', TEST_PASSWORD);
      await page.getByTestId('overview-figures').waitFor();
    },
    { timeout: 60_000 },
  );

  after(async () => {
    await browser?.close();
    await app?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the trend draws three weeks of median and p90, day by day as the API has them', async () => {
    const trend = await api<Trend>('/fleet/trend?days=30');
    assert.equal(trend.to, '2026-11-20', "the server's today");
    await page.locator('[data-testid="trend-chart-data"] tbody tr[data-day="2026-11-20"]').waitFor();
    const medians = await page
      .locator('[data-testid="trend-chart-data"] td[data-series="Median"]')
      .allTextContents();
    assert.deepEqual(
      medians,
      trend.points.map((p) => fmt(p.exposure.median)),
    );
    assert.ok(trend.points.filter((p) => p.exposure.median !== null).length >= 20, 'three weeks of points');
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-history-overview.png'), fullPage: true });
  });

  test('the weekly review shows the regression of the week with the checks it flipped', async () => {
    await page.getByTestId('nav-review').click();
    await page.getByTestId('review-table').waitFor();
    await page.waitForFunction(
      () => !/loading/.test(document.querySelector('[data-testid="review-count"]')?.textContent ?? 'loading'),
    );
    const { hosts } = await api<{ hosts: ApiHost[] }>('/hosts');
    const dev = hosts.find((h) => h.name === 'dev-1');
    assert.ok(dev);
    const diff = await api<
      Diff & { units: { unit: string; change: string; delta: number | null; flipped: unknown[] }[] }
    >(`/hosts/${dev.id}/diff?fromDate=2026-11-13`);
    assert.equal(diff.summary.worse, 1);
    const row = page.locator(`[data-testid="review-host-row"][data-host-id="${dev.id}"]`);
    assert.equal(await text(row.getByTestId('review-worse')), '1');
    assert.equal(await text(page.getByTestId('review-total-worse')), '1');
    await row.getByTestId('review-host-toggle').click();
    const change = page.locator('[data-testid="unit-change"][data-change="worse"]');
    assert.equal(await change.getAttribute('data-unit'), 'nginx.service');
    const worse = diff.units.find((u) => u.change === 'worse');
    assert.ok(worse?.delta);
    assert.equal(await text(change.getByTestId('delta')), `+${worse.delta.toFixed(1)}`);
    assert.equal(await change.getByTestId('flip').count(), worse.flipped.length);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-history-review.png'), fullPage: true });
  });

  test('a unit history lists each stretch with the checks flipped, and host data stays text', async () => {
    const { hosts } = await api<{ hosts: ApiHost[] }>('/hosts');
    const web1 = hosts.find((h) => h.name === 'web-1');
    assert.ok(web1);
    await page.goto(`${url}/#/hosts/${web1.id}?unit=nginx.service`);
    const unit = page.locator('[data-testid="unit-row"][data-unit="nginx.service"]');
    await unit.getByTestId('unit-tab-history').click();
    await unit.getByTestId('unit-history').waitFor();
    const history = await api<{ intervals: { exposure: number | null; flipped: unknown[] }[] }>(
      `/hosts/${web1.id}/units/nginx.service/history`,
    );
    assert.ok(history.intervals.length >= 2, 'hardened on Nov 5');
    const rows = unit.getByTestId('history-row');
    assert.equal(await rows.count(), history.intervals.length);
    for (const [i, interval] of history.intervals.entries()) {
      assert.equal(
        await text(rows.nth(i).getByTestId('history-exposure')),
        fmt(interval.exposure).concat(
          i + 1 < history.intervals.length && history.intervals[i + 1]?.exposure !== interval.exposure
            ? ' ▼'
            : '',
        ),
      );
      assert.equal(await rows.nth(i).getByTestId('flip').count(), interval.flipped.length);
    }
    await page.locator('[data-testid="host-trend-chart"] canvas').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-history-host.png') });

    // A unit name made to look like a spreadsheet formula is shown as it is, as text.
    await page.goto(`${url}/#/units`);
    const hostile = page.locator('[data-testid="unit-group"]').filter({ hasText: 'HYPERLINK' });
    assert.equal(await hostile.getAttribute('data-unit'), HOSTILE);
    assert.equal(await text(hostile.getByTestId('unit-group-name')), HOSTILE);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-history-units.png') });
  });

  test('no script errors, dialogs or Content-Security-Policy violations (history)', () => {
    assert.deepEqual(problems, []);
  });
});

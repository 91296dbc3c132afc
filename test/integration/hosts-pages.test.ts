import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../server/http/app.js';
import type { Db } from '../../server/store/db.js';
import { ScanWriter } from '../../server/store/scans.js';
import { Views } from '../../server/store/views.js';
import { startFleetApp } from '../support/fleet-app.js';
import { type Fleet, fleetUnit, NOW } from '../support/fleet-data.js';
import { okScan } from '../support/scan-results.js';

// GET /api/v1/hosts a page at a time (issue 5): every order walked page by page lists each
// active host once, in the order the page promised, whatever the page size.

interface Host {
  name: string;
  worstExposure: number | null;
}

describe('hosts list: pages, sorts, CSV', () => {
  let db: Db;
  let app: App;
  let fleet: Fleet;
  let viewer: { authorization: string };
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ url, headers: { ...viewer, ...headers } });

  /** Every page of `url` at `limit` hosts a page, followed through nextCursor. */
  async function walk(url: string, limit: number): Promise<Host[]> {
    const hosts: Host[] = [];
    let cursor: string | null = null;
    const sep = url.includes('?') ? '&' : '?';
    for (let pages = 0; pages < 50; pages++) {
      const res = await get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { hosts: Host[]; nextCursor: string | null };
      assert.ok(body.hosts.length <= limit);
      hosts.push(...body.hosts);
      if (body.nextCursor === null) return hosts;
      cursor = body.nextCursor;
    }
    throw new Error('no last page');
  }

  // Binary order of names, as the index keeps them.
  const byName = (a: Host, b: Host) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const scored = (hosts: Host[]) => hosts.filter((h) => h.worstExposure !== null);
  const unscored = (hosts: Host[]) => hosts.filter((h) => h.worstExposure === null).sort(byName);

  let close: () => Promise<void>;
  before(async () => {
    ({ db, fleet, app, viewer, close } = await startFleetApp('host-pages'));
  });
  after(() => close());

  test('every order, every page size: each active host once, in order', async () => {
    const all = new Views(db).hosts();
    const names = (hosts: Host[]) => hosts.map((h) => h.name);
    const expected: Record<string, Host[]> = {
      '': [
        ...scored(all).sort((a, b) => (b.worstExposure ?? 0) - (a.worstExposure ?? 0) || byName(a, b)),
        ...unscored(all),
      ],
      'sort=worst&order=asc': [
        ...scored(all).sort((a, b) => (a.worstExposure ?? 0) - (b.worstExposure ?? 0) || byName(a, b)),
        ...unscored(all),
      ],
      'sort=name': [...all].sort(byName),
      'sort=name&order=desc': [...all].sort(byName).reverse(),
    };
    assert.ok(unscored(all).length > 0, 'the fleet has a host without a score');
    for (const [query, hosts] of Object.entries(expected)) {
      for (const limit of [1, 2, 100]) {
        assert.deepEqual(
          names(await walk(`/api/v1/hosts?${query}`, limit)),
          names(hosts),
          `${query} by ${limit}`,
        );
      }
    }
    // A status picks hosts by their last scan, on every page too.
    const failing = all.filter(
      (h) => (h as Host & { lastScan: { status: string } | null }).lastScan?.status === 'unreachable',
    );
    assert.ok(failing.length > 0, 'the fleet has an unreachable host');
    assert.deepEqual(
      names(await walk('/api/v1/hosts?status=unreachable&sort=name', 1)),
      names(failing.sort(byName)),
    );
    // The label filter holds on every page.
    const prod = await walk('/api/v1/hosts?label=env=prod&label=role=web', 1);
    assert.deepEqual(names(prod).sort(), ['web-1', 'web-2']);
  });

  test('a first page says where the next starts; the default limit is 100', async () => {
    const first = (await get('/api/v1/hosts?limit=2')).json();
    assert.equal(first.hosts.length, 2);
    assert.equal(typeof first.nextCursor, 'string');
    assert.equal((await get('/api/v1/hosts')).json().nextCursor, null);
    assert.equal((await get('/api/v1/hosts?limit=1001')).statusCode, 400);
  });

  test('a cursor of another order is refused, not misread', async () => {
    const { nextCursor } = (await get('/api/v1/hosts?limit=1')).json();
    const res = await get(`/api/v1/hosts?sort=name&limit=1&cursor=${nextCursor}`);
    assert.equal(res.statusCode, 400);
    assert.match(res.json().message, /another list/);
    assert.equal((await get('/api/v1/hosts?cursor=bm90LWEtY3Vyc29y')).statusCode, 400);
  });

  test('CSV: every host of the filter in the order asked, whatever the limit', async () => {
    const res = await get('/api/v1/hosts?sort=name&limit=1', { accept: 'text/csv' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    const lines = res.body.trimEnd().split('\r\n');
    assert.equal(lines[0]?.split(',')[1], 'name');
    const names = lines.slice(1).map((l) => l.split(',')[1]);
    assert.deepEqual(names, ['db-1', 'dev-1', 'new-1', 'web-1', 'web-2']);
    const prod = await get('/api/v1/hosts?label=role=web&format=csv');
    assert.equal(prod.body.trimEnd().split('\r\n').length, 4, 'header, web-1, web-2, dev-1');
  });

  test('the order follows new scans and scans changed afterwards (the sort column is kept by triggers)', async () => {
    const writer = new ScanWriter(db);
    const id = fleet.ids['new-1'] as number;
    writer.save(id, okScan([fleetUnit('x.service', 100, ['PrivateNetwork'])], new Date(NOW - 1000)));
    const top = (await get('/api/v1/hosts?limit=1')).json().hosts[0];
    assert.equal(top.name, 'new-1');
    assert.equal(top.worstExposure, 10);
    // A reparse turning that scan into a failure: the host falls back to having no score.
    db.prepare(
      `UPDATE scans SET status = 'parse-error', worst = NULL WHERE id = (SELECT max(id) FROM scans WHERE host_id = ?)`,
    ).run(id);
    const last = (await walk('/api/v1/hosts', 100)).at(-1);
    assert.equal(last?.name, 'new-1');
    assert.equal(last?.worstExposure, null);
  });
});

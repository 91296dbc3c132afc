import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../server/http/app.js';
import { type Db, openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { saveScan } from '../../server/store/scans.js';
import { bearer } from '../support/auth.js';
import { check, failedScan, okScan, unit } from '../support/scan-results.js';

describe('HTTP API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-http-'));
  let db: Db;
  let app: App;
  let webId: number;
  let dbId: number;
  const hostile = 'evil<script>alert(1)</script>@x\\x2d.service';
  // Every read as a viewer token: the API has no unauthenticated data (auth-*.test.ts test that).
  let viewer: { authorization: string };
  const get = (url: string) => app.inject({ url, headers: viewer });

  before(async () => {
    db = openDb(join(dir, 'http.db'));
    const ids = syncInventory(db, [
      { name: 'web-1', address: '10.0.0.1', port: 22, user: 'scanner', labels: ['env=prod'] },
      { name: 'db-1', address: '10.0.0.2', port: 22, user: 'scanner', labels: [] },
    ]);
    webId = ids.get('web-1') as number;
    dbId = ids.get('db-1') as number;
    saveScan(
      db,
      webId,
      okScan([
        unit('cron.service', 73, [check('PrivateTmp', false, 2)]),
        unit('nginx.service', 96, [check('PrivateNetwork', false, 5), check('PrivateTmp', true, null)]),
        unit(hostile, 100, []),
      ]),
    );
    saveScan(db, dbId, failedScan('hostkey-changed', 'HOST KEY CHANGED'));
    app = await buildApp({ db, version: '0.0.0-test', demo: false, webDir: null });
    viewer = bearer(db, 'viewer');
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('hosts filtered by label (every label asked for), and the labels there are', async () => {
    const prod = (await get('/api/v1/hosts?label=env=prod')).json();
    assert.deepEqual(
      prod.hosts.map((h: { name: string }) => h.name),
      ['web-1'],
    );
    const none = (await get('/api/v1/hosts?label=env=prod&label=role=db')).json();
    assert.deepEqual(none.hosts, []);
    assert.deepEqual((await get('/api/v1/labels')).json(), { labels: [{ label: 'env=prod', hosts: 1 }] });
    // Labels are data, bound as parameters: an odd one simply matches nothing.
    const odd = await get(`/api/v1/hosts?label=${encodeURIComponent("x' OR 1=1 --")}`);
    assert.equal(odd.statusCode, 200);
    assert.deepEqual(odd.json().hosts, []);
  });

  test('health', async () => {
    const res = await get('/api/v1/health');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', version: '0.0.0-test', demo: false });
  });

  test('hosts: status of the last scan, worst and median as decimals', async () => {
    const res = await get('/api/v1/hosts');
    assert.equal(res.statusCode, 200);
    const { hosts } = res.json();
    const web = hosts.find((h: { name: string }) => h.name === 'web-1');
    assert.equal(web.lastScan.status, 'ok');
    assert.equal(web.worstExposure, 10);
    assert.equal(web.medianExposure, 9.6);
    assert.equal(web.unitCount, 3);
    assert.equal(web.lastScan.startedAt, '2026-11-20T10:00:00.000Z');
    assert.equal(web.lastScan.durationMs, 1500);
    const dbHost = hosts.find((h: { name: string }) => h.name === 'db-1');
    assert.equal(dbHost.lastScan.status, 'hostkey-changed');
    assert.equal(dbHost.worstExposure, null);
  });

  test('units of a host, worst first', async () => {
    const res = await get(`/api/v1/hosts/${webId}/units`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(
      body.units.map((u: { unit: string; exposure: number; predicate: string }) => [u.unit, u.exposure]),
      [
        [hostile, 10],
        ['nginx.service', 9.6],
        ['cron.service', 7.3],
      ],
    );
    assert.deepEqual(body.errors, [
      { unit: 'gone.service', message: 'Unit gone.service not found, cannot analyze.' },
    ]);
  });

  test("one unit's checks, whatever characters its name holds", async () => {
    const res = await get(`/api/v1/hosts/${webId}/units/nginx.service`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(
      body.unit.checks.map((c: { id: string; set: boolean; exposure: number | null }) => [
        c.id,
        c.set,
        c.exposure,
      ]),
      [
        ['PrivateNetwork', false, 0.5],
        ['PrivateTmp', true, null],
      ],
    );
    // These checks (weights 1000, two rows) cannot give the 9.6 the host printed, as with a
    // custom --security-policy: flagged, and the host's number is still the one shown.
    assert.equal(body.unit.exposure, 9.6);
    assert.equal(body.model.matchesHost, false);
    assert.ok(body.model.reason);
    const odd = await get(`/api/v1/hosts/${webId}/units/${encodeURIComponent(hostile)}`);
    assert.equal(odd.statusCode, 200);
    assert.equal(odd.json().unit.unit, hostile);
  });

  test('bad input is a 4xx with a message, never a 500', async () => {
    for (const [url, status, pattern] of [
      ['/api/v1/hosts/abc/units', 400, /params\/id|must be integer/],
      ['/api/v1/hosts/0/units', 400, /must be >= 1/],
      ['/api/v1/hosts/99999/units', 404, /no host with id 99999/],
      [`/api/v1/hosts/${webId}/units/nosuch.service`, 404, /no unit "nosuch.service"/],
      [`/api/v1/hosts/${dbId}/units/cron.service`, 404, /./],
      ['/api/v1/nothing-here', 404, /no route GET \/api\/v1\/nothing-here/],
    ] as const) {
      const res = await get(url);
      assert.equal(res.statusCode, status, url);
      const body = res.json();
      assert.equal(body.statusCode, status);
      assert.match(body.message, pattern, url);
    }
  });
});

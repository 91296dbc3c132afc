import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type App, buildApp } from '../../server/http/app.js';
import { type Db, openDb } from '../../server/store/db.js';
import { DataGeneration, GenerationMemo } from '../../server/store/generation.js';
import { syncInventory } from '../../server/store/hosts.js';
import { saveScan } from '../../server/store/scans.js';
import { bearer } from '../support/auth.js';
import { buildFleet, type Fleet, fleetUnit, NOW } from '../support/fleet-data.js';
import { okScan } from '../support/scan-results.js';

// The fleet aggregates are kept until the database changes (issue 5): whatever writes, on this
// connection or another, the next request must answer what a fresh server would.

// Every memoised endpoint, with and without a label filter, and pages past the first.
const URLS = [
  '/api/v1/hosts',
  '/api/v1/hosts?label=env=prod',
  '/api/v1/hosts?label=role=web&label=env=prod',
  '/api/v1/hosts?limit=2',
  '/api/v1/hosts?sort=name&order=desc&limit=2&label=env=prod',
  '/api/v1/hosts?sort=worst&order=asc&limit=3',
  '/api/v1/fleet/overview',
  '/api/v1/fleet/overview?label=env=prod',
  '/api/v1/fleet/overview?label=env=prod&label=role=web',
  '/api/v1/fleet/units',
  '/api/v1/fleet/units?limit=2&label=env=prod',
  '/api/v1/fleet/host-units?label=env=prod',
  '/api/v1/fleet/directive-gaps',
  '/api/v1/fleet/directive-gaps?label=role=web',
  '/api/v1/fleet/directive-gaps?format=csv',
];

describe('fleet aggregates kept per data generation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-fleet-memo-'));
  const file = join(dir, 'fleet.db');
  let db: Db;
  let fleet: Fleet;
  let app: App;
  let viewer: { authorization: string };

  const bodies = async (target: App) => {
    const out: Record<string, string> = {};
    for (const url of URLS) {
      const res = await target.inject({ url, headers: viewer });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      out[url] = res.body;
    }
    return out;
  };
  /** What the long-running app answers now, against an app made after the change. */
  const assertFresh = async (what: string) => {
    const fresh = await buildApp({ db, version: 't', demo: false, webDir: null, now: () => NOW });
    try {
      assert.deepEqual(await bodies(app), await bodies(fresh), what);
    } finally {
      await fresh.close();
    }
  };

  before(async () => {
    db = openDb(file);
    fleet = buildFleet(db);
    viewer = bearer(db, 'viewer');
    app = await buildApp({ db, version: 't', demo: false, webDir: null, now: () => NOW });
    await bodies(app); // warm every memo
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a repeated request is answered from the memo, byte for byte', async () => {
    const first = await bodies(app);
    assert.deepEqual(await bodies(app), first);
    const res = await app.inject({ url: '/api/v1/hosts', headers: viewer });
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers.vary, 'Accept, Accept-Encoding');
    assert.equal(res.json().hosts.length, 5);
    // What a browser gets: the same bytes, gzipped.
    const gz = await app.inject({
      url: '/api/v1/hosts',
      headers: { ...viewer, 'accept-encoding': 'gzip, br' },
    });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), res.body);
  });

  test('a scan stored on this connection shows at once', async () => {
    const units = [fleetUnit('nginx.service', 100, ['PrivateNetwork']), fleetUnit('new.service', 12, [])];
    saveScan(db, fleet.ids['web-1'] as number, okScan(units, new Date(NOW - 60_000)));
    await assertFresh('after a scan of web-1');
    const overview = (await app.inject({ url: '/api/v1/fleet/overview', headers: viewer })).json();
    assert.equal(overview.exposure.worst, 10);
  });

  test('a scan stored by another connection (the CLI next to the server) shows at once', async () => {
    const other = openDb(file);
    try {
      saveScan(
        other,
        fleet.ids['db-1'] as number,
        okScan([fleetUnit('lonely.service', 40, [])], new Date(NOW)),
      );
    } finally {
      other.close();
    }
    await assertFresh('after a scan written by another connection');
    const units = (await app.inject({ url: '/api/v1/fleet/units', headers: viewer })).json();
    assert.ok(units.units.some((u: { unit: string }) => u.unit === 'lonely.service'));
  });

  test('labels changed and a host retired by the inventory show at once', async () => {
    syncInventory(
      db,
      [
        { name: 'web-1', address: '10.0.0.1', port: 22, user: 's', labels: ['env=prod', 'role=db'] },
        { name: 'web-2', address: '10.0.0.2', port: 22, user: 's', labels: ['env=prod', 'role=web'] },
        { name: 'db-1', address: '10.0.0.3', port: 22, user: 's', labels: ['env=prod', 'role=db'] },
        { name: 'new-1', address: '10.0.0.6', port: 22, user: 's', labels: ['env=prod'] },
      ],
      NOW,
    );
    await assertFresh('after dev-1 retired and web-1 relabelled');
    const hosts = (await app.inject({ url: '/api/v1/hosts?label=role=web', headers: viewer })).json();
    assert.deepEqual(
      hosts.hosts.map((h: { name: string }) => h.name),
      ['web-2'],
    );
  });
});

test('DataGeneration moves with every commit, of this connection or another', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-generation-'));
  const db = openDb(join(dir, 'g.db'));
  const other = openDb(join(dir, 'g.db'));
  try {
    const generation = new DataGeneration(db);
    const memo = new GenerationMemo<{ n: number }>(generation);
    let computed = 0;
    const read = () => memo.get('k', () => ({ n: ++computed }));
    const first = read();
    assert.equal(read(), first, 'the same object while nothing changed');
    const g0 = generation.current();
    syncInventory(db, [{ name: 'a', address: '10.0.0.1', port: 22, user: 's', labels: [] }]);
    assert.notEqual(generation.current(), g0, 'own write');
    assert.equal(read().n, 2);
    const g1 = generation.current();
    syncInventory(other, [{ name: 'b', address: '10.0.0.2', port: 22, user: 's', labels: [] }]);
    assert.notEqual(generation.current(), g1, "another connection's commit");
    assert.equal(read().n, 3);
    assert.equal(read().n, 3);
  } finally {
    other.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

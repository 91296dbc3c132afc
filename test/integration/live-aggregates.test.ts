import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ScanResult } from '../../server/collect/scan-host.js';
import { type Db, openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { housekeep } from '../../server/store/housekeeping.js';
import { type FleetQueries, fleetQueries } from '../../server/store/queries/index.js';
import type { HostState } from '../../server/store/queries/live-hosts.js';
import { reparse } from '../../server/store/reparse.js';
import { ScanWriter, saveScan } from '../../server/store/scans.js';
import { buildFleet, type Fleet, fleetUnit, inventory, NOW } from '../support/fleet-data.js';
import {
  referenceGaps,
  referenceGroups,
  referenceHostUnitKeys,
  referenceOverview,
} from '../support/fleet-reference.js';
import { failedScan, okScan } from '../support/scan-results.js';

// The live fleet aggregates (issue 5, point 6) are kept in memory and changed host by host as
// revisions move. Whatever writes, however, they must equal the aggregates computed from
// scratch from the tables (test/support/fleet-reference.ts), for every label filter; and the
// host-unit pages, which walk SQL over the hosts the live filter picks.

const FILTERS: string[][] = [[], ['env=prod'], ['env=prod', 'role=web'], ['role=db'], ['env=dev'], ['none']];
const MINUTE = 60_000;

// The inventory after buildFleet: old-1 retired.
const current = inventory.filter((h) => h.name !== 'old-1');

describe('live fleet aggregates equal a from-scratch computation after every kind of write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-live-'));
  const file = join(dir, 'live.db');
  let db: Db;
  let fleet: Fleet;
  let q: FleetQueries;
  let clock = NOW;
  /** A minute after the last scan: every write of this test is the newest. */
  const next = () => {
    clock += MINUTE;
    return new Date(clock);
  };

  /** Every live aggregate against the reference, for every filter. */
  const assertLive = (what: string) => {
    for (const labels of FILTERS) {
      const where = `${what}, labels ${JSON.stringify(labels)}`;
      assert.deepEqual(q.overview.run(labels), referenceOverview(db, labels), `overview ${where}`);
      assert.deepEqual(q.worstUnits.groups(labels), referenceGroups(db, labels), `units ${where}`);
      assert.deepEqual(q.gaps.run(labels), referenceGaps(db, labels), `gaps ${where}`);
      // The host-unit pages walk SQL, over the hosts the live filter picks.
      const page = q.worstUnits.page(labels, { unitId: null, after: null, limit: 5 });
      assert.deepEqual(
        page.map((r) => r.key),
        referenceHostUnitKeys(db, labels, 5),
        `host units ${where}`,
      );
    }
  };
  const snapshot = () => new Map<number, HostState>([...q.live.states()].map((h) => [h.id, h]));
  const id = (name: string) => fleet.ids[name] as number;

  before(() => {
    db = openDb(file);
    fleet = buildFleet(db);
    q = fleetQueries(db);
    assertLive('as built');
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a scan with changed units re-reads that host only', () => {
    const old = snapshot();
    saveScan(
      db,
      id('web-1'),
      okScan([fleetUnit('nginx.service', 100, ['PrivateNetwork']), fleetUnit('new.service', 12, [])], next()),
    );
    assertLive('after a scan of web-1 (nginx worse, cron and ssh gone, a new unit)');
    const now = snapshot();
    for (const [hostId, state] of now) {
      if (hostId === id('web-1')) assert.notEqual(state.units, old.get(hostId)?.units, 'web-1 re-read');
      else assert.equal(state, old.get(hostId), `host ${hostId} untouched, not re-read`);
    }
    assert.equal(q.overview.run([]).exposure.worst, 100);
  });

  test('a repeat scan moves the latest scan, not the units', () => {
    const writer = new ScanWriter(db);
    const previous = writer.lastOkReport(id('db-1'))?.id as number;
    const old = snapshot().get(id('db-1')) as HostState;
    writer.save(id('db-1'), { ...okScan([], next()), repeatOf: previous });
    assertLive('after a repeat scan of db-1');
    const now = snapshot().get(id('db-1')) as HostState;
    assert.notEqual(now, old);
    assert.equal(now.units, old.units, 'units kept: no interval changed');
    assert.equal(q.overview.run([]).lastScanAt, clock);
  });

  test('a failed scan counts under its status and keeps the units', () => {
    saveScan(db, id('web-2'), failedScan('timeout', 'timed out', next()));
    assertLive('after web-2 timed out');
    const byStatus = q.overview.run(['role=web']).hosts.byStatus;
    assert.equal(byStatus.find((s) => s.status === 'timeout')?.hosts, 1);
  });

  test('units without an exposure, and a host whose units all went', () => {
    const odd = { ...fleetUnit('odd.service', 0, ['PrivateTmp']), exposure: null };
    saveScan(db, id('db-1'), okScan([odd, fleetUnit('redis.service', 62, ['PrivateNetwork'])], next()));
    assertLive('after db-1 reports a unit without exposure');
    saveScan(db, id('dev-1'), okScan([], next()));
    assertLive('after dev-1 reports no units');
    assert.equal(q.gaps.run(['env=dev']).hosts, 0);
  });

  test('inventory: a host retired, one relabelled, one added; then the retired one back', () => {
    const relabelled = current.map((h) =>
      h.name === 'dev-1' ? { ...h, labels: ['env=prod', 'role=db'] } : h,
    );
    syncInventory(
      db,
      [
        ...relabelled.filter((h) => h.name !== 'web-2'),
        { name: 'fresh-1', address: '10.0.0.9', port: 22, user: 's', labels: ['env=prod', 'role=web'] },
      ],
      clock,
    );
    assertLive('after web-2 retired, dev-1 relabelled and fresh-1 added');
    assert.equal(q.overview.run(['role=web']).hosts.total, 2, 'web-1 and fresh-1');
    syncInventory(db, relabelled, clock);
    assertLive('after web-2 came back and fresh-1 left');
  });

  test('a host row deleted by hand (unitscore never deletes one) leaves the totals', () => {
    const ids = syncInventory(
      db,
      [...current, { name: 'doomed-1', address: '10.0.0.8', port: 22, user: 's', labels: ['env=prod'] }],
      clock,
    );
    assertLive('after doomed-1 was added');
    const doomed = ids.get('doomed-1') as number;
    db.prepare('DELETE FROM host_inventory WHERE host_id = ?').run(doomed);
    db.prepare('DELETE FROM hosts WHERE id = ?').run(doomed);
    assertLive('after doomed-1 was deleted');
    assert.ok(![...q.live.states()].some((h) => h.id === doomed));
  });

  test('a write rolled back changes nothing', () => {
    const old = snapshot();
    assert.throws(() =>
      db.transaction(() => {
        saveScan(db, id('web-1'), okScan([fleetUnit('ghost.service', 99, [])], next()));
        throw new Error('rolled back');
      })(),
    );
    assertLive('after a rolled-back scan');
    for (const [hostId, state] of snapshot()) assert.equal(state, old.get(hostId), `host ${hostId}`);
  });

  test('reparse with a changed parser rewrites history', () => {
    const interpret = (): Omit<ScanResult, 'startedAt' | 'finishedAt' | 'hostKey' | 'report'> => ({
      status: 'ok',
      error: null,
      meta: {},
      systemdVersion: 252,
      units: [fleetUnit('reparsed.service', 33, ['PrivateTmp', 'ProtectHome'])],
      errors: [],
    });
    reparse(db, interpret);
    assertLive('after reparse');
    assert.deepEqual(
      q.worstUnits.groups(['role=db']).map((g) => g.unit),
      ['reparsed.service'],
    );
  });

  test('housekeeping deleting scans and reports', () => {
    const result = housekeep(db, { reportDays: 1, scanDays: 2 }, NOW + 60 * 86_400_000);
    assert.ok(result.scansDeleted > 0, 'scans deleted');
    assertLive('after housekeeping');
  });

  test('a scan stored by a second connection', () => {
    const other = openDb(file);
    try {
      saveScan(other, id('new-1'), okScan([fleetUnit('lonely.service', 40, ['NoNewPrivileges'])], next()));
    } finally {
      other.close();
    }
    assertLive('after a scan written by another connection');
    assert.equal(q.overview.run([]).hosts.neverScanned, 0);
  });

  test('a scan stored by another process', () => {
    const scan = okScan([fleetUnit('elsewhere.service', 77, ['PrivateNetwork', 'ProtectSystem'])], next());
    const script = `
      const [file, hostId, json] = process.argv.slice(1);
      const { openDb } = await import(${JSON.stringify(new URL('../../server/store/db.js', import.meta.url).href)});
      const { saveScan } = await import(${JSON.stringify(new URL('../../server/store/scans.js', import.meta.url).href)});
      const scan = JSON.parse(json);
      const db = openDb(file);
      saveScan(db, Number(hostId), { ...scan, startedAt: new Date(scan.startedAt), finishedAt: new Date(scan.finishedAt), report: null });
      db.close();`;
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, file, String(id('web-2')), JSON.stringify(scan)],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    assertLive('after a scan written by another process');
    assert.ok(q.worstUnits.groups([]).some((g) => g.unit === 'elsewhere.service'));
  });
});

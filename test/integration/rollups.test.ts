import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { saveScan } from '../../server/store/scans.js';
import { failedScan, okScan, unit } from '../support/scan-results.js';

const dir = mkdtempSync(join(tmpdir(), 'unitscore-rollups-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** label_daily as {label/day: [hosts, units, {exposure: count}]}, zero buckets left out. */
function rollups(db: ReturnType<typeof openDb>): Record<string, [number, number, Record<number, number>]> {
  const rows = db
    .prepare('SELECT label, day, hosts, units, histogram FROM label_daily ORDER BY label, day')
    .all() as {
    label: string;
    day: string;
    hosts: number;
    units: number;
    histogram: string;
  }[];
  return Object.fromEntries(
    rows.map((r) => {
      const buckets = Object.fromEntries(
        (JSON.parse(r.histogram) as number[]).flatMap((n, e) => (n === 0 ? [] : [[e, n]])),
      );
      return [`${r.label || 'fleet'}/${r.day}`, [r.hosts, r.units, buckets]];
    }),
  );
}

test('daily rollups follow scans, label changes and retirement exactly', () => {
  const db = openDb(join(dir, 'rollups.db'));
  const day = (d: number, h = 10) => new Date(Date.UTC(2026, 10, d, h));
  const hosts = [
    { name: 'a', address: '10.0.0.1', port: 22, user: 's', labels: ['env=prod'] },
    { name: 'b', address: '10.0.0.2', port: 22, user: 's', labels: ['env=dev'] },
  ];
  const ids = syncInventory(db, hosts, day(1, 0).getTime());
  const a = ids.get('a') as number;
  const b = ids.get('b') as number;

  saveScan(db, a, okScan([unit('x.service', 96, []), unit('y.service', 50, [])], day(1)));
  saveScan(db, b, okScan([unit('x.service', 96, [])], day(1)));
  // Same state again the same day and the next: nothing to record.
  saveScan(db, a, okScan([unit('x.service', 96, []), unit('y.service', 50, [])], day(1, 12)));
  saveScan(db, a, okScan([unit('x.service', 96, []), unit('y.service', 50, [])], day(2)));
  // A failed scan changes nothing.
  saveScan(db, b, failedScan('unreachable', 'down', day(2)));
  assert.deepEqual(rollups(db), {
    'fleet/2026-11-01': [2, 3, { 50: 1, 96: 2 }],
    'env=prod/2026-11-01': [1, 2, { 50: 1, 96: 1 }],
    'env=dev/2026-11-01': [1, 1, { 96: 1 }],
  });

  // Day 3: a improves y; the day starts from day 1's state (b was not scanned since).
  saveScan(db, a, okScan([unit('x.service', 96, []), unit('y.service', 20, [])], day(3)));
  // b moves to prod on day 4, then is retired on day 5.
  syncInventory(
    db,
    [hosts[0] as (typeof hosts)[0], { ...(hosts[1] as (typeof hosts)[0]), labels: ['env=prod'] }],
    day(4).getTime(),
  );
  syncInventory(db, [hosts[0] as (typeof hosts)[0]], day(5).getTime());
  assert.deepEqual(rollups(db), {
    'fleet/2026-11-01': [2, 3, { 50: 1, 96: 2 }],
    'fleet/2026-11-03': [2, 3, { 20: 1, 96: 2 }],
    'fleet/2026-11-04': [2, 3, { 20: 1, 96: 2 }],
    'fleet/2026-11-05': [1, 2, { 20: 1, 96: 1 }],
    'env=prod/2026-11-01': [1, 2, { 50: 1, 96: 1 }],
    'env=prod/2026-11-03': [1, 2, { 20: 1, 96: 1 }],
    'env=prod/2026-11-04': [2, 3, { 20: 1, 96: 2 }],
    'env=prod/2026-11-05': [1, 2, { 20: 1, 96: 1 }],
    'env=dev/2026-11-01': [1, 1, { 96: 1 }],
    'env=dev/2026-11-04': [0, 0, {}],
  });
  db.close();
});

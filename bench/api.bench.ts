// Fleet query endpoints under load (issue 5): seed a fleet's history through the real store,
// serve it with the real app on loopback (in a worker thread: a core of its own), and let
// autocannon hit each screen's endpoint. Prints p50/p95/p99 latency (from every request's own
// time) and requests/s per endpoint beside the goal (p95 < 50 ms), and what the first request
// pays right after a scan is stored (the aggregates are kept until the data changes).
//
//   node dist/bench/api.bench.js [--hosts 1000] [--units 150] [--days 14] [--seconds 5] [--samples 7]
//     [--db FILE|DIR]  (serve that database as it is instead of seeding: DIR is the store bench's
//     --db DIR, its scale.db)
//   npm run bench -- api --hosts 10000 --days 3

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { openDb } from '../server/store/db.js';
import { ScanWriter } from '../server/store/scans.js';
import { ApiTokens } from '../server/store/sessions.js';
import { AssessmentPool } from './api/pool.js';
import { Rescans } from './api/rescan.js';
import { seedFleet } from './api/seed.js';
import { latencies } from './percentiles.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    units: { type: 'string', default: '150' },
    days: { type: 'string', default: '14' },
    seconds: { type: 'string', default: '5' },
    // Scans stored before as many first requests, per endpoint.
    samples: { type: 'string', default: '7' },
    // Serve this database as it is (the store bench's scale.db, say) instead of seeding one.
    db: { type: 'string' },
  },
});
const HOSTS = Number(values.hosts);
const UNITS = Number(values.units);
const DAYS = Number(values.days);
const SAMPLES = Number(values.samples);

const pool = new AssessmentPool();
const dir = values.db ? null : mkdtempSync(join(tmpdir(), 'unitscore-api-bench-'));
// --db takes the file, or the store bench's --db DIR (its scale.db).
const file = values.db
  ? statSync(values.db).isDirectory()
    ? join(values.db, 'scale.db')
    : values.db
  : join(dir as string, 'api.db');
const db = openDb(file);
const writer = new ScanWriter(db);
const seeding = performance.now();
if (!values.db) seedFleet(db, writer, pool, { hosts: HOSTS, units: UNITS, days: DAYS });
const seeded = ((performance.now() - seeding) / 1000).toFixed(0);
const fleet = db
  .prepare(`SELECT count(*) AS hosts, (SELECT count(*) FROM unit_intervals WHERE to_scan IS NULL) AS units,
    (SELECT max(started_at) FROM scans) AS lastScan FROM hosts WHERE retired_at IS NULL`)
  .get() as { hosts: number; units: number; lastScan: number };
// The server's clock: half a day after the last scan stored (trends end today).
const now = fleet.lastScan + 12 * 3_600_000;
const { token } = new ApiTokens(db).create({ name: 'bench', role: 'viewer', createdBy: 'bench' });
const rescans = new Rescans(db, writer, pool, new Date(fleet.lastScan + 3_600_000));
const server = new Worker(new URL('./api-server.js', import.meta.url), { workerData: { file, now } });
const port = await new Promise<number>((resolve, reject) => {
  server.once('message', resolve);
  server.once('error', reject);
});
const origin = `http://127.0.0.1:${port}`;
const headers = { authorization: `Bearer ${token}` };

/**
 * What the first request pays right after a scan is stored (by this thread's connection: like the
 * CLI or another process, it moves the data generation the server keeps its aggregates by):
 * SAMPLES times a real scan, then the one request. Returns each request's ms.
 */
async function afterWrite(path: string, encoding: string): Promise<number[]> {
  const times: number[] = [];
  for (let k = 0; k < SAMPLES; k++) {
    rescans.store();
    times.push(await timed(path, encoding));
  }
  return times;
}

/** One request's ms, body read. */
async function timed(path: string, encoding: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(`${origin}${path}`, { headers: { ...headers, 'accept-encoding': encoding } });
  await res.arrayBuffer();
  return performance.now() - start;
}

// The hosts page as the browser asks for it (web/src/hosts/hosts-state.svelte.ts): a page of 100
// in the order shown, the first and one deep in the list (the cursor after half the fleet).
const HOSTS_PAGE = '/api/v1/hosts?sort=worst&order=desc&limit=100';
const HOSTS_DB_PAGE = '/api/v1/hosts?label=role=db&sort=worst&order=desc&limit=100';
/** The cursor the browser holds after scrolling through `hosts` hosts, 100 a page. */
async function cursorAfter(hosts: number): Promise<string | null> {
  let cursor: string | null = null;
  for (let seen = 0; seen < hosts; seen += 100) {
    const res: Response = await fetch(`${origin}${HOSTS_PAGE}${cursor ? `&cursor=${cursor}` : ''}`, {
      headers,
    });
    cursor = ((await res.json()) as { nextCursor: string | null }).nextCursor;
    if (cursor === null) break;
  }
  return cursor;
}
const deep = await cursorAfter(fleet.hosts / 2);
// One host's own screens: an active host with units, one of its units, the day before the last.
const sample = db
  .prepare(`SELECT i.host_id AS id, n.name AS unit FROM unit_intervals i JOIN unit_names n ON n.id = i.unit_id
    JOIN hosts h ON h.id = i.host_id WHERE i.to_scan IS NULL AND h.retired_at IS NULL ORDER BY i.host_id, n.name LIMIT 1`)
  .get() as { id: number; unit: string };
const dayBefore = new Date(fleet.lastScan - 86_400_000).toISOString().slice(0, 10);
const endpoints = [
  HOSTS_PAGE,
  '/api/v1/hosts?sort=name&order=asc&limit=100',
  ...(deep ? [`${HOSTS_PAGE}&cursor=${deep}`] : []),
  HOSTS_DB_PAGE,
  '/api/v1/fleet/overview',
  '/api/v1/fleet/overview?label=env=prod',
  '/api/v1/fleet/overview?label=env=prod&label=role=web',
  '/api/v1/fleet/trend?days=30',
  '/api/v1/fleet/trend?label=env=prod&days=365&bucket=week',
  '/api/v1/fleet/units?limit=100',
  '/api/v1/fleet/units?label=env=staging&limit=100',
  '/api/v1/fleet/host-units?limit=100',
  '/api/v1/fleet/host-units?label=role=web&limit=100',
  '/api/v1/fleet/directive-gaps?limit=100',
  '/api/v1/fleet/directive-gaps?label=env=prod&limit=100',
  `/api/v1/hosts/${sample.id}/units`,
  `/api/v1/hosts/${sample.id}/units/${encodeURIComponent(sample.unit)}`,
  `/api/v1/hosts/${sample.id}/units/${encodeURIComponent(sample.unit)}/history`,
  `/api/v1/hosts/${sample.id}/trend?days=30`,
  `/api/v1/hosts/${sample.id}/diff?fromDate=${dayBefore}`,
];
const source = values.db
  ? `${values.db} (${fleet.hosts} active hosts, ${fleet.units} current units)`
  : `${HOSTS} hosts × ${UNITS} units × ${DAYS} days (${fleet.units} current units) seeded in ${seeded} s`;
console.log(
  `api bench: ${source}; server in a worker thread; autocannon 10 connections, ${values.seconds} s per endpoint; ` +
    `first: the endpoint's first request; after a write: ${SAMPLES} scans stored, each followed by one request (p50 and max ms)`,
);
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-').padStart(7);
console.log(
  `${'endpoint'.padEnd(64)} ${'p50 ms'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'req/s'.padStart(7)} ${'KB'.padStart(7)}  ${'goal p95 < 50 ms'.padEnd(16)} ${'first'.padStart(7)} ${'after a write p50'.padStart(17)} ${'max'.padStart(7)}`,
);
// The hosts pages once more as a browser asks for them (Accept-Encoding: gzip).
const rows: [path: string, encoding: string][] = [
  ...endpoints.map((path): [string, string] => [path, 'identity']),
  [HOSTS_PAGE, 'gzip'],
  [HOSTS_DB_PAGE, 'gzip'],
];
for (const [path, encoding] of rows) {
  // The endpoint's first request since the server started: what it builds once (a label
  // filter's totals, the fleet read into memory by whichever screen comes first), apart from
  // what each write costs after.
  const first = await timed(path, encoding);
  const fresh = latencies(await afterWrite(path, encoding));
  const samples: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${origin}${path}`,
        headers: { ...headers, 'accept-encoding': encoding },
        connections: 10,
        duration: Number(values.seconds),
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  });
  const l = latencies(samples);
  const kb = result.throughput.total / Math.max(1, l.requests) / 1024;
  const shown = path.replace(/cursor=[\w-]+/, 'cursor=(half-way)');
  const name = encoding === 'identity' ? shown : `${shown} (${encoding})`;
  const ok = result.non2xx === 0 ? '' : `  (${result.non2xx} non-2xx)`;
  console.log(
    `${name.padEnd(64)} ${ms(l.p50)} ${ms(l.p95)} ${ms(l.p99)} ${(l.requests / Number(values.seconds)).toFixed(0).padStart(7)} ${kb.toFixed(0).padStart(7)}  ${(l.p95 < 50 ? 'met' : 'not met').padEnd(16)} ${ms(first)} ${ms(fresh.p50).padStart(17)} ${ms(fresh.max)}${ok}`,
  );
}
server.postMessage('close');
await new Promise((resolve) => server.once('exit', resolve));
db.close();
if (dir) rmSync(dir, { recursive: true, force: true });

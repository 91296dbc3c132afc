// Fleet query endpoints under load (issue 5): seed a fleet's history through the real store,
// serve it with the real app on loopback (in a worker thread: a core of its own), and let
// autocannon hit each screen's endpoint. Prints p50/p95/p99 latency (from every request's own
// time) and requests/s per endpoint beside the goal (p95 < 50 ms), and what the first request
// pays right after a scan is stored (the aggregates are kept until the data changes).
//
//   node dist/bench/api.bench.js [--hosts 1000] [--units 150] [--days 14] [--seconds 5]
//   npm run bench -- api --hosts 10000 --days 3

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { recomputeExposure } from '../server/analyze/exposure.js';
import type { Check } from '../server/analyze/model.js';
import { interpretReport, type ScanResult } from '../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../server/demo/fleet.js';
import { openDb } from '../server/store/db.js';
import { syncInventory } from '../server/store/hosts.js';
import { ScanWriter } from '../server/store/scans.js';
import { ApiTokens } from '../server/store/sessions.js';
import { latencies } from './percentiles.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    units: { type: 'string', default: '150' },
    days: { type: 'string', default: '14' },
    seconds: { type: 'string', default: '5' },
  },
});
const HOSTS = Number(values.hosts);
const UNITS = Number(values.units);
const DAYS = Number(values.days);

let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};

// Real check lists, and variants with a few checks flipped, re-scored with systemd's formula.
const base = loadDemoReports().flatMap(
  (r) => interpretReport(personalise(r.text, 'b', 'x', new Date())).units,
);
const pool: { checks: Check[]; exposure: number }[] = base.map((u) => ({
  checks: u.checks,
  exposure: recomputeExposure(u.checks) ?? 0,
}));
while (pool.length < 1500) {
  const from = base[Math.floor(random() * base.length)]?.checks ?? [];
  const checks = from.map((c) => ({ ...c }));
  for (let i = 0; i < 3; i++) {
    const c = checks[Math.floor(random() * checks.length)];
    if (c && c.badness !== null && c.range !== null) {
      c.badness = c.badness === 0 ? c.range : 0;
      c.set = c.badness === 0;
    }
  }
  pool.push({ checks, exposure: recomputeExposure(checks) ?? 0 });
}

const dir = mkdtempSync(join(tmpdir(), 'unitscore-api-bench-'));
const db = openDb(join(dir, 'api.db'));
const writer = new ScanWriter(db);
const labels = (i: number) => [
  `env=${i % 4 === 0 ? 'staging' : 'prod'}`,
  // Independent of env, so that env=prod&role=web picks some hosts.
  `role=${['web', 'db', 'worker', 'cache'][Math.floor(i / 4) % 4]}`,
];
const ids = syncInventory(
  db,
  Array.from({ length: HOSTS }, (_, i) => ({
    name: `host-${i}`,
    address: `10.1.${i >> 8}.${i & 255}`,
    port: 22,
    user: 's',
    labels: labels(i),
  })),
  Date.UTC(2026, 0, 1),
);
const state = Array.from({ length: HOSTS }, () =>
  Array.from({ length: UNITS }, () => Math.floor(random() * pool.length)),
);
/** host i's scan of the units it runs now; a repeat of `previous` when nothing changed. */
const scanOf = (i: number, at: Date, previous: number | null): ScanResult => ({
  status: 'ok',
  error: null,
  startedAt: at,
  finishedAt: at,
  hostKey: null,
  report: null,
  meta: { systemd: 'systemd 252', hostname: `host-${i}` },
  systemdVersion: 252,
  units: (state[i] ?? []).map((entry, u) => {
    const a = pool[entry] as { checks: Check[]; exposure: number };
    return {
      unit: `svc-${u}.service`,
      exposure: a.exposure,
      predicate: null,
      checks: a.checks,
      partial: false,
    };
  }),
  errors: [],
  // What the collector does with a report equal to the host's last one: no parse, no new history.
  ...(previous === null ? {} : { repeatOf: previous }),
});
const lastScan: (number | null)[] = Array.from({ length: HOSTS }, () => null);
const seeding = performance.now();
for (let day = 0; day < DAYS; day++) {
  const at = new Date(Date.UTC(2026, 0, 1 + day, 4));
  state.forEach((units, i) => {
    let previous = lastScan[i] ?? null;
    if (random() < 0.04) {
      units[Math.floor(random() * UNITS)] = Math.floor(random() * pool.length);
      previous = null;
    }
    lastScan[i] = writer.save(ids.get(`host-${i}`) as number, scanOf(i, at, previous));
  });
}
const seeded = ((performance.now() - seeding) / 1000).toFixed(0);
const { token } = new ApiTokens(db).create({ name: 'bench', role: 'viewer', createdBy: 'bench' });
const server = new Worker(new URL('./api-server.js', import.meta.url), {
  workerData: { file: join(dir, 'api.db'), now: Date.UTC(2026, 0, DAYS, 12) },
});
const port = await new Promise<number>((resolve, reject) => {
  server.once('message', resolve);
  server.once('error', reject);
});
const origin = `http://127.0.0.1:${port}`;
const headers = { authorization: `Bearer ${token}` };

/**
 * One request right after a scan is stored (here, by this thread's connection: like the CLI or
 * another process, it moves the data generation the server keeps its aggregates by): ms, the
 * median of three.
 */
let rescans = 0;
async function afterWrite(path: string, encoding: string): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const i = rescans++ % HOSTS;
    const units = state[i] as number[];
    units[0] = ((units[0] ?? 0) + 1) % pool.length;
    lastScan[i] = writer.save(
      ids.get(`host-${i}`) as number,
      scanOf(i, new Date(Date.UTC(2026, 0, DAYS, 5)), null),
    );
    const start = performance.now();
    const res = await fetch(`${origin}${path}`, { headers: { ...headers, 'accept-encoding': encoding } });
    await res.arrayBuffer();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[1] as number;
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
const deep = await cursorAfter(HOSTS / 2);
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
  `/api/v1/hosts/${ids.get('host-1')}/units`,
  `/api/v1/hosts/${ids.get('host-1')}/units/svc-1.service`,
  `/api/v1/hosts/${ids.get('host-1')}/units/svc-1.service/history`,
  `/api/v1/hosts/${ids.get('host-1')}/trend?days=30`,
  `/api/v1/hosts/${ids.get('host-1')}/diff?fromDate=2026-01-02`,
];
console.log(
  `api bench: ${HOSTS} hosts × ${UNITS} units × ${DAYS} days (${HOSTS * UNITS} current units) seeded in ${seeded} s; ` +
    `server in a worker thread; autocannon 10 connections, ${values.seconds} s per endpoint`,
);
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-').padStart(7);
console.log(
  `${'endpoint'.padEnd(64)} ${'p50 ms'.padStart(7)} ${'p95'.padStart(7)} ${'p99'.padStart(7)} ${'req/s'.padStart(7)} ${'KB'.padStart(7)}  ${'goal p95 < 50 ms'.padEnd(16)} ${'after a write'.padStart(13)}`,
);
// The hosts pages once more as a browser asks for them (Accept-Encoding: gzip).
const rows: [path: string, encoding: string][] = [
  ...endpoints.map((path): [string, string] => [path, 'identity']),
  [HOSTS_PAGE, 'gzip'],
  [HOSTS_DB_PAGE, 'gzip'],
];
for (const [path, encoding] of rows) {
  const fresh = await afterWrite(path, encoding);
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
    `${name.padEnd(64)} ${ms(l.p50)} ${ms(l.p95)} ${ms(l.p99)} ${(l.requests / Number(values.seconds)).toFixed(0).padStart(7)} ${kb.toFixed(0).padStart(7)}  ${(l.p95 < 50 ? 'met' : 'not met').padEnd(16)} ${ms(fresh).padStart(13)}${ok}`,
  );
}
server.postMessage('close');
await new Promise((resolve) => server.once('exit', resolve));
db.close();
rmSync(dir, { recursive: true, force: true });

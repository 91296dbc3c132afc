// Fleet query endpoints under load (issue 5): seed a fleet's history through the real store,
// serve it with the real app on loopback, and let autocannon hit each screen's endpoint.
// Prints p50/p95/p99 latency and requests/s per endpoint beside the goal (p95 < 50 ms).
//
//   node dist/bench/api.bench.js [--hosts 1000] [--units 150] [--days 14] [--seconds 5]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { recomputeExposure } from '../server/analyze/exposure.js';
import type { Check } from '../server/analyze/model.js';
import { interpretReport, type ScanResult } from '../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../server/demo/fleet.js';
import { buildApp } from '../server/http/app.js';
import { openDb } from '../server/store/db.js';
import { syncInventory } from '../server/store/hosts.js';
import { ScanWriter } from '../server/store/scans.js';
import { ApiTokens } from '../server/store/sessions.js';

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
  `role=${['web', 'db', 'worker', 'cache'][i % 4]}`,
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
const seeding = performance.now();
for (let day = 0; day < DAYS; day++) {
  const at = new Date(Date.UTC(2026, 0, 1 + day, 4));
  state.forEach((units, i) => {
    if (random() < 0.04) units[Math.floor(random() * UNITS)] = Math.floor(random() * pool.length);
    const scan: ScanResult = {
      status: 'ok',
      error: null,
      startedAt: at,
      finishedAt: at,
      hostKey: null,
      report: null,
      meta: { systemd: 'systemd 252', hostname: `host-${i}` },
      systemdVersion: 252,
      units: units.map((entry, u) => {
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
    };
    writer.save(ids.get(`host-${i}`) as number, scan);
  });
}
const seeded = ((performance.now() - seeding) / 1000).toFixed(0);
const { token } = new ApiTokens(db).create({ name: 'bench', role: 'viewer', createdBy: 'bench' });
const app = await buildApp({
  db,
  version: 'bench',
  demo: false,
  webDir: null,
  now: () => Date.UTC(2026, 0, DAYS, 12),
});
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };

const endpoints = [
  '/api/v1/hosts',
  '/api/v1/fleet/overview',
  '/api/v1/fleet/overview?label=env=prod',
  '/api/v1/fleet/trend?days=30',
  '/api/v1/fleet/units?limit=100',
  '/api/v1/fleet/host-units?limit=100',
  '/api/v1/fleet/directive-gaps?limit=100',
  `/api/v1/hosts/${ids.get('host-1')}/units`,
  `/api/v1/hosts/${ids.get('host-1')}/units/svc-1.service`,
  `/api/v1/hosts/${ids.get('host-1')}/trend?days=30`,
  `/api/v1/hosts/${ids.get('host-1')}/diff?fromDate=2026-01-02`,
];
console.log(
  `api bench: ${HOSTS} hosts × ${UNITS} units × ${DAYS} days seeded in ${seeded} s; 10 connections, ${values.seconds} s each`,
);
// autocannon reports p50, p90, p97.5 and p99 (no p95): the goal is checked on p97.5, stricter.
console.log(
  `${'endpoint'.padEnd(52)} ${'p50 ms'.padStart(7)} ${'p97.5'.padStart(7)} ${'p99'.padStart(7)} ${'req/s'.padStart(7)}   goal p95 < 50 ms`,
);
for (const path of endpoints) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    headers: { authorization: `Bearer ${token}` },
    connections: 10,
    duration: Number(values.seconds),
  });
  const l = result.latency as unknown as Record<string, number>;
  const ok = result.non2xx === 0 ? '' : `  (${result.non2xx} non-2xx)`;
  console.log(
    `${path.padEnd(52)} ${`${l.p50}`.padStart(7)} ${`${l.p97_5}`.padStart(7)} ${`${l.p99}`.padStart(7)} ${result.requests.average.toFixed(0).padStart(7)}   ${(l.p97_5 ?? Number.POSITIVE_INFINITY) < 50 ? 'met' : 'not met'}${ok}`,
  );
}
await app.close();
db.close();
rmSync(dir, { recursive: true, force: true });

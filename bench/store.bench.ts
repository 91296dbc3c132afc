// Store at fleet scale (issue 5): seed hosts × units × daily scans with realistic churn through
// the real ingest path (repeat detection, ScanWriter), then print ingest rate, bytes per
// unchanged re-scan and database size beside the goals. Figures, never assertions.
//
//   node dist/bench/store.bench.js [--hosts 10000] [--units 150] [--days 365] [--db FILE]
//
// The defaults are a smaller fleet that runs in minutes; the size figures are extrapolated to
// the 10,000 × 150 × 365 and say so.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { recomputeExposure } from '../server/analyze/exposure.js';
import type { Check, UnitAssessment } from '../server/analyze/model.js';
import { interpretReport, type ScanResult } from '../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../server/demo/fleet.js';
import { openDb } from '../server/store/db.js';
import { syncInventory } from '../server/store/hosts.js';
import { defaultRetention, housekeep } from '../server/store/housekeeping.js';
import { ScanWriter } from '../server/store/scans.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    units: { type: 'string', default: '150' },
    days: { type: 'string', default: '30' },
    db: { type: 'string' },
  },
});
const HOSTS = Number(values.hosts);
const UNITS = Number(values.units);
const DAYS = Number(values.days);

// A seeded PRNG: the same fleet and churn every run.
let seed = 0x2545f491;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;

// Real check lists from the recorded reports, and variants of them with a few checks flipped
// (re-scored with systemd's formula), as deploys and drop-ins would make.
const reports = loadDemoReports();
const base = reports.flatMap((r) => interpretReport(personalise(r.text, 'b', 'x', new Date())).units);
function variant(of: UnitAssessment): Check[] {
  const checks = of.checks.map((c) => ({ ...c }));
  for (let i = 0; i < 3; i++) {
    const c = pick(checks);
    if (c.badness !== null && c.range !== null && c.weight !== null) {
      c.badness = c.badness === 0 ? c.range : 0;
      c.set = c.badness === 0;
    }
  }
  return checks;
}
const pool: { checks: Check[]; exposure: number }[] = [];
for (let i = 0; i < 3000; i++) {
  const checks = i < base.length ? (base[i] as UnitAssessment).checks : variant(pick(base));
  pool.push({ checks, exposure: recomputeExposure(checks) ?? 0 });
}
const unitNames = Array.from({ length: UNITS * 3 }, (_, i) => `svc-${i.toString(36)}.service`);

// A stand-in report per host state: the size of a real one (a recorded report) so hashing and
// storage cost what they cost in production, its identity changing with the host's state.
const template = (reports[0] as { text: string }).text;
const afterMeta = template.slice(template.indexOf('\n@DEMOBOUNDARY section overview'));
// Built as a short head and the shared recorded body: cheap to make, hashed and stored in full.
const reportOf = (host: number, version: number, _boundary: string, at: Date) =>
  `unitscore-report 1 DEMOBOUNDARY\n\n@DEMOBOUNDARY section meta\nhostname=host-${host}\nkernel=v${version}\n` +
  `collected_at=${at.toISOString()}\nsystemd_version=252\nanalyze=ok${afterMeta}`;

interface HostState {
  id: number;
  units: { unit: string; entry: number }[];
  version: number;
}

const dir = values.db ? null : mkdtempSync(join(tmpdir(), 'unitscore-bench-'));
const file = values.db ?? join(dir as string, 'bench.db');
const db = openDb(file);
const writer = new ScanWriter(db);
const labelsOf = (i: number) => [
  `env=${i % 4 === 0 ? 'staging' : 'prod'}`,
  `role=${['web', 'db', 'worker', 'cache', 'batch'][i % 5]}`,
];
const ids = syncInventory(
  db,
  Array.from({ length: HOSTS }, (_, i) => ({
    name: `host-${i}`,
    address: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
    port: 22,
    user: 's',
    labels: labelsOf(i),
  })),
  Date.UTC(2025, 0, 1),
);
const hosts: HostState[] = Array.from({ length: HOSTS }, (_, i) => ({
  id: ids.get(`host-${i}`) as number,
  units: Array.from({ length: UNITS }, (_, u) => ({
    unit: unitNames[(i * 7 + u) % unitNames.length] as string,
    entry: Math.floor(random() * pool.length),
  })),
  version: 0,
}));

const scanOf = (h: HostState, index: number, at: Date, report: string): ScanResult => ({
  status: 'ok',
  error: null,
  startedAt: at,
  finishedAt: new Date(at.getTime() + 800),
  hostKey: { type: 'ssh-ed25519', fingerprint: `SHA256:host${index}` },
  report: Buffer.from(report),
  meta: {
    hostname: `host-${index}`,
    systemd: 'systemd 252 (252.39-1~deb12u2)',
    os_pretty: 'Debian GNU/Linux 12 (bookworm)',
    kernel: `v${h.version}`,
  },
  systemdVersion: 252,
  units: h.units.map(({ unit, entry }) => {
    const a = pool[entry] as { checks: Check[]; exposure: number };
    return { unit, exposure: a.exposure, predicate: null, checks: a.checks, partial: false };
  }),
  errors: [],
});

const sizeOf = () =>
  statSync(file).size +
  (() => {
    try {
      return statSync(`${file}-wal`).size;
    } catch {
      return 0;
    }
  })();
let scans = 0;
let ingestMs = 0;
let firstDay = { scans: 0, ms: 0, size: 0 };
const started = performance.now();
for (let day = 0; day < DAYS; day++) {
  const at = new Date(Date.UTC(2025, 0, 1 + day, 3));
  hosts.forEach((h, i) => {
    if (random() < 0.003) {
      const t = performance.now();
      writer.save(h.id, {
        ...scanOf(h, i, at, ''),
        status: 'unreachable',
        error: 'ECONNREFUSED',
        report: null,
        units: [],
      });
      ingestMs += performance.now() - t;
      scans++;
      return;
    }
    // Deploys: most hosts unchanged day to day; a few change one to three units.
    const changes = random() < 0.04 ? 1 + Math.floor(random() * 3) : 0;
    for (let c = 0; c < changes; c++)
      (pick(h.units) as { entry: number }).entry = Math.floor(random() * pool.length);
    if (changes) h.version++;
    const report = reportOf(i, h.version, `b${day}x${i}`, at);
    const scan = scanOf(h, i, at, report);
    const t = performance.now();
    const repeat = writer.repeatOf(h.id, scan.report as Buffer);
    writer.save(h.id, repeat === null ? scan : { ...scan, units: [], repeatOf: repeat });
    ingestMs += performance.now() - t;
    scans++;
  });
  // The daily housekeeping of a real server: reports past their 30 days go.
  housekeep(db, defaultRetention, at.getTime());
  if (day === 0) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    firstDay = { scans, ms: ingestMs, size: sizeOf() };
  }
  if (process.stderr.isTTY)
    process.stderr.write(
      `\rday ${day + 1}/${DAYS} · ${scans} scans · ${((scans / ingestMs) * 1000).toFixed(0)}/s`,
    );
}
if (process.stderr.isTTY) process.stderr.write('\n');
// One more day on which nothing changes anywhere: what an unchanged re-scan costs.
db.pragma('wal_checkpoint(TRUNCATE)');
const quietBefore = sizeOf();
const quietAt = new Date(Date.UTC(2025, 0, 1 + DAYS, 3));
hosts.forEach((h, i) => {
  const report = reportOf(i, h.version, `quiet${i}`, quietAt);
  const repeat = writer.repeatOf(h.id, report);
  writer.save(h.id, { ...scanOf(h, i, quietAt, report), units: [], repeatOf: repeat ?? undefined });
});
db.pragma('wal_checkpoint(TRUNCATE)');
const unchangedBytes = (sizeOf() - quietBefore) / HOSTS;
const size = statSync(file).size;
// Growth after the first day (which stores every host's first state once), per host-day.
const growthPerHostDay = (size - firstDay.size) / (HOSTS * Math.max(DAYS - 1, 1));
const row = (what: string, measured: string, goal: string) =>
  console.log(`${what.padEnd(44)} ${measured.padStart(18)}   ${goal}`);
console.log(
  `\nstore bench: ${HOSTS} hosts × ${UNITS} units × ${DAYS} daily scans (${scans} scans) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
row('', 'measured', 'goal (issue 5)');
row('ingest, first day (every state new), reports/s', ((firstDay.scans / firstDay.ms) * 1000).toFixed(0), '');
row(
  'ingest, later days (4% of hosts change), reports/s',
  (((scans - firstDay.scans) / (ingestMs - firstDay.ms)) * 1000).toFixed(0),
  '≥ 500 (hashing + storage; parsing not included)',
);
row('bytes added per unchanged host re-scan', unchangedBytes.toFixed(0), '< 1 KB');
row('database size', `${(size / 1e6).toFixed(1)} MB`, '');
row('growth per host-day after the first day', `${growthPerHostDay.toFixed(0)} B`, '');
row(
  'extrapolated to 10,000 hosts × 365 days',
  `${(((firstDay.size / HOSTS) * 10_000 + growthPerHostDay * 10_000 * 364) / 1e9).toFixed(2)} GB`,
  '< 2 GB (first-day size per host + growth)',
);
const count = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
console.log(
  `rows: scans ${count('scans')}, unit_intervals ${count('unit_intervals')}, assessments ${count('assessments')}, reports ${count('reports')}, label_daily ${count('label_daily')}`,
);
db.close();
if (dir) rmSync(dir, { recursive: true, force: true });

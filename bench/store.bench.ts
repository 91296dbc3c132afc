// Store at fleet scale (issue 5), in two phases, figures beside the goals, never assertions:
//
// - ingest: the real path from framed report bytes (recorded reports made each host's own):
//   repeat check, parsing and encoding on the analysing pool, ScanWriter, SQLite on disk with a
//   transaction per scan; day 1 parses every report, later days see the churn of churn.ts.
// - scale: the issue's 10,000 hosts × 150 units × 365 daily scans with that churn, written by
//   the same store code from prepared scans, with the daily housekeeping (30-day raw reports);
//   database size measured, not extrapolated.
//
//   node dist/bench/store.bench.js [--phase ingest,scale] [--hosts 400] [--days 6] [--workers N]
//     [--scale-hosts 10000] [--units 150] [--scale-days 365] [--db DIR]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultPoolSize } from '../server/collect/analyse-pool.js';
import { openDb } from '../server/store/db.js';
import { breakdown } from './store/breakdown.js';

const { values } = parseArgs({
  options: {
    phase: { type: 'string', default: 'ingest,scale' },
    hosts: { type: 'string', default: '400' },
    days: { type: 'string', default: '6' },
    workers: { type: 'string', default: String(defaultPoolSize()) },
    'scale-hosts': { type: 'string', default: '10000' },
    units: { type: 'string', default: '150' },
    'scale-days': { type: 'string', default: '365' },
    db: { type: 'string' },
  },
});
const phases = (values.phase as string).split(',');
const dir = values.db ?? mkdtempSync(join(tmpdir(), 'unitscore-bench-'));
// In steps (the server yields between them): the whole run, and the longest wait it causes.
const housekeepingFigure = (h: { totalMs: number; longestStepMs: number }) =>
  `${h.totalMs.toFixed(0)} ms in steps of ≤ ${h.longestStepMs.toFixed(0)} ms`;
const row = (what: string, measured: string, goal = '') =>
  console.log(`${what.padEnd(52)} ${measured.padStart(12)}   ${goal}`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

// Each phase's modules load with it: the scale phase's stand-in reports take a while to make.
if (phases.includes('ingest')) {
  const { ingestPhase } = await import('./store/ingest-phase.js');
  const hosts = Number(values.hosts);
  const days = Number(values.days);
  const workers = Number(values.workers);
  const file = join(dir, 'ingest.db');
  const db = openDb(file);
  const started = performance.now();
  const f = await ingestPhase(db, file, { hosts, days, workers });
  db.close();
  console.log(
    `\ningest: ${hosts} hosts × ${days} days of recorded ~0.95 MB reports, analysed ${workers > 0 ? `on ${workers} worker thread${workers === 1 ? '' : 's'}` : 'inline'}, in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  row('', 'measured', 'goal (issue 5)');
  row(
    'ingest, first day (every report parsed), reports/s',
    ((f.firstDay.reports / f.firstDay.ms) * 1000).toFixed(0),
  );
  row(
    `ingest, later days (${f.laterDays.changed} of ${f.laterDays.reports} changed), reports/s`,
    ((f.laterDays.reports / f.laterDays.ms) * 1000).toFixed(0),
    '≥ 500 on this 2-core machine',
  );
  row('bytes added per unchanged host re-scan', f.unchangedBytes.toFixed(0), '< 1 KB');
  row('housekeeping, slowest daily run', housekeepingFigure(f.housekeeping));
}

if (phases.includes('scale')) {
  const { scalePhase } = await import('./store/scale-phase.js');
  const { meanBodyBytes, meanGzipBytes, meanReportBytes } = await import('./store/report-bodies.js');
  const options = {
    hosts: Number(values['scale-hosts']),
    units: Number(values.units),
    days: Number(values['scale-days']),
  };
  const file = join(dir, 'scale.db');
  const db = openDb(file);
  let last = performance.now();
  const f = scalePhase(db, file, options, (day) => {
    const now = performance.now();
    if (process.env.BENCH_TRACE) console.error(`day ${day} ${(now - last).toFixed(0)} ms`);
    else if (process.stderr.isTTY) process.stderr.write(`\rscale day ${day + 1}/${options.days}`);
    last = now;
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(
    `\nscale: ${options.hosts} hosts (${f.hostsEver} over the year) × ${options.units} units × ${options.days} daily scans (${f.scans} scans) in ${f.seconds.toFixed(0)} s (${f.cpuSeconds.toFixed(0)} s CPU)`,
  );
  row('', 'measured', 'goal (issue 5)');
  row('database size after the year', mb(f.size), '< 2 GB');
  row('bytes added per unchanged host re-scan, year in', f.unchangedBytes.toFixed(0), '< 1 KB');
  row('housekeeping, slowest run (weekly here)', housekeepingFigure(f.housekeeping));
  row(
    'a stored raw report (stand-in for 150 units)',
    `${(meanBodyBytes / 1e3).toFixed(1)} KB`,
    `of ${mb(meanReportBytes)}; ${(meanGzipBytes / 1e3).toFixed(1)} KB with gzip -6 (before 0007)`,
  );
  const count = (t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  console.log(
    `rows: scans ${count('scans')}, unit_intervals ${count('unit_intervals')}, assessments ${count('assessments')}, reports ${count('reports')}, host_facts ${count('host_facts')}, label_daily ${count('label_daily')}`,
  );
  console.log('where the bytes are:');
  for (const { name, bytes } of breakdown(db).filter((b) => b.bytes >= 1e6)) row(`  ${name}`, mb(bytes));
  db.close();
}
if (!values.db) rmSync(dir, { recursive: true, force: true });

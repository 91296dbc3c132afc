import { AnalysePool } from '../../server/collect/analyse-pool.js';
import type { CollectResult } from '../../server/collect/collect.js';
import { saveAnalysed } from '../../server/collect/save-analysed.js';
import { resultOf, type ScanHooks } from '../../server/collect/scan-host.js';
import type { Db } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { ScanWriter } from '../../server/store/scans.js';
import { dayAt, inventoryHost, outcome, random } from './churn.js';
import { framedReport, type ReportState, templateCount } from './framed-reports.js';
import { type HousekeepingTiming, slowest, timedHousekeeping } from './housekeeping-timing.js';
import { usedBytes } from './size.js';

// Ingest through the real path, from the framed report bytes a host prints on: the repeat check,
// parsing and encoding (on the analysing pool, as the server runs them, or inline), the writer,
// SQLite on disk with one transaction per scan. A day's reports are made before its clock starts.

export interface IngestFigures {
  firstDay: { reports: number; ms: number };
  laterDays: { reports: number; ms: number; changed: number };
  /** Bytes the database grew by per host on a day when no host changed. */
  unchangedBytes: number;
  housekeeping: HousekeepingTiming;
}

const DEPLOY_TEMPLATE_STEP = 1;

export async function ingestPhase(
  db: Db,
  file: string,
  options: { hosts: number; days: number; workers: number },
): Promise<IngestFigures> {
  const writer = new ScanWriter(db);
  const pool = options.workers > 0 ? new AnalysePool({ size: options.workers }) : null;
  const ids = syncInventory(
    db,
    Array.from({ length: options.hosts }, (_, i) => inventoryHost(i)),
    dayAt(0).getTime(),
  );
  const states: (ReportState & { id: number })[] = Array.from({ length: options.hosts }, (_, i) => ({
    id: ids.get(`host-${i}`) as number,
    host: i,
    template: Math.floor(random() * templateCount),
    version: 0,
  }));
  const hooks = (hostId: number): ScanHooks =>
    pool
      ? { analyse: (report) => pool.analyse(report, writer.lastOkReport(hostId)) }
      : { repeatOf: (report) => writer.repeatOf(hostId, report) };

  // One day: every host's collection result made first, then ingested against the clock.
  const ingestDay = async (day: number, quiet: boolean) => {
    let changed = 0;
    const collected: CollectResult[] = states.map((s) => {
      const at = dayAt(day, s.host);
      const happens = quiet ? { kind: 'same' as const } : outcome();
      const common = { hostKey: { type: 'ssh-ed25519', fingerprint: `SHA256:${s.host}` }, startedAt: at };
      const finishedAt = new Date(at.getTime() + 800);
      if (happens.kind === 'unreachable') {
        return { ...common, status: 'unreachable', error: 'ECONNREFUSED', report: null, finishedAt };
      }
      if (happens.kind === 'deploy' && day > 0) {
        // A deploy: the host now runs another recorded set of units (and a new kernel).
        s.template = (s.template + DEPLOY_TEMPLATE_STEP) % templateCount;
        s.version++;
        changed++;
      }
      const report = framedReport(s, `b${day}x${s.host}`, at);
      return { ...common, status: 'ok', error: null, report, finishedAt };
    });
    const started = performance.now();
    await Promise.all(
      states.map(async (s, i) => {
        const result = await resultOf(collected[i] as CollectResult, hooks(s.id));
        saveAnalysed(writer, s.id, result);
      }),
    );
    return { reports: states.length, ms: performance.now() - started, changed };
  };

  const first = await ingestDay(0, false);
  const later = { reports: 0, ms: 0, changed: 0 };
  let housekeeping: HousekeepingTiming = { totalMs: 0, longestStepMs: 0 };
  for (let day = 1; day < options.days; day++) {
    const d = await ingestDay(day, false);
    later.reports += d.reports;
    later.ms += d.ms;
    later.changed += d.changed;
    housekeeping = slowest(housekeeping, timedHousekeeping(db, dayAt(day).getTime()));
    if (process.stderr.isTTY)
      process.stderr.write(
        `\ringest day ${day + 1}/${options.days} · ${((later.reports / later.ms) * 1000).toFixed(0)}/s`,
      );
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const before = usedBytes(db, file);
  await ingestDay(options.days, true);
  const after = usedBytes(db, file);
  await pool?.close();
  return {
    firstDay: first,
    laterDays: later,
    unchangedBytes: (after - before) / options.hosts,
    housekeeping,
  };
}

import type { ScanResult } from '../collect/scan-host.js';
import type { Db } from './db.js';
import { dayOf, emptyHistogram, type Histogram, histogramOf, Rollups } from './rollups.js';
import { ScanWriter } from './scans.js';
import { type ReportCodec, readStoredReport } from './stored-report.js';

/** What a parser makes of a stored report: the parts of a ScanResult a report determines. */
export type Interpret = (
  report: string,
) => Pick<ScanResult, 'status' | 'error' | 'meta' | 'systemdVersion' | 'units' | 'errors'>;

export interface ReparseProgress {
  host: string;
  done: number;
  total: number;
  scans: number;
  statusChanged: number;
}

interface StoredScan {
  id: number;
  status: ScanResult['status'];
  started_at: number;
  finished_at: number;
  report_id: number | null;
  body: Buffer | null;
  codec: ReportCodec | null;
  host_key_type: string | null;
  host_key_fingerprint: string | null;
}

/**
 * Rebuild history from the raw reports still kept (after a parser fix): per host, rewind its
 * intervals to before its oldest kept report, re-read every scan from there in order, then
 * rebuild the daily rollups. Scans without a report (transport failures) are left as they are.
 * One transaction per host: an interrupted reparse leaves every host either old or new.
 */
export function reparse(db: Db, interpret: Interpret, onProgress?: (p: ReparseProgress) => void) {
  const writer = new ScanWriter(db);
  const hosts = db.prepare('SELECT id, name FROM hosts ORDER BY id').all() as { id: number; name: string }[];
  const firstReport = db
    .prepare('SELECT min(id) FROM scans WHERE host_id = ? AND report_id IS NOT NULL')
    .pluck();
  const scansFrom =
    db.prepare(`SELECT s.id, s.status, s.started_at, s.finished_at, s.report_id, r.body, r.codec,
      f.host_key_type, f.host_key_fingerprint
    FROM scans s LEFT JOIN reports r ON r.id = s.report_id LEFT JOIN host_facts f ON f.id = s.facts_id
    WHERE s.host_id = ? AND s.id >= ? ORDER BY s.id`);
  const dropLater = db.prepare('DELETE FROM unit_intervals WHERE host_id = ? AND from_scan >= ?');
  const reopen = db.prepare('UPDATE unit_intervals SET to_scan = NULL WHERE host_id = ? AND to_scan >= ?');
  let scans = 0;
  let statusChanged = 0;
  hosts.forEach((host, i) => {
    const from = firstReport.get(host.id) as number | null;
    if (from !== null) {
      db.transaction(() => {
        dropLater.run(host.id, from);
        reopen.run(host.id, from);
        for (const row of scansFrom.all(host.id, from) as StoredScan[]) {
          if (row.body === null) continue;
          const interpreted = interpret(
            readStoredReport(row.body, row.codec as ReportCodec).toString('utf8'),
          );
          const hostKey =
            row.host_key_type && row.host_key_fingerprint
              ? { type: row.host_key_type, fingerprint: row.host_key_fingerprint }
              : null;
          writer.replay(row.id, host.id, {
            ...interpreted,
            startedAt: new Date(row.started_at),
            finishedAt: new Date(row.finished_at),
            hostKey,
            report: null,
          });
          scans++;
          if (interpreted.status !== row.status) statusChanged++;
        }
      })();
    }
    onProgress?.({ host: host.name, done: i + 1, total: hosts.length, scans, statusChanged });
  });
  rebuildRollups(db);
  return { hosts: hosts.length, scans, statusChanged };
}

/**
 * Recompute label_daily from the intervals: replay every host's change points in time order
 * (hosts' current labels; label history is not kept), then retirements.
 */
export function rebuildRollups(db: Db): void {
  db.transaction(() => {
    db.exec('DELETE FROM label_daily; DELETE FROM host_rollup_state;');
    const rollups = new Rollups(db);
    const events = db
      .prepare(`SELECT s.id AS scanId, s.host_id AS hostId, s.started_at AS at, h.labels FROM scans s
        JOIN hosts h ON h.id = s.host_id
        WHERE s.status = 'ok' AND (s.id IN (SELECT from_scan FROM unit_intervals)
          OR s.id IN (SELECT to_scan FROM unit_intervals WHERE to_scan IS NOT NULL)
          OR s.id IN (SELECT min(id) FROM scans WHERE status = 'ok' GROUP BY host_id))
        ORDER BY s.started_at, s.id`)
      .all() as { scanId: number; hostId: number; at: number; labels: string }[];
    const stateAt = db
      .prepare(`SELECT exposure FROM unit_intervals WHERE host_id = ? AND from_scan <= ?
        AND (to_scan IS NULL OR to_scan > ?)`)
      .pluck();
    const retired = db
      .prepare('SELECT id AS hostId, retired_at AS at FROM hosts WHERE retired_at IS NOT NULL')
      .all() as {
      hostId: number;
      at: number;
    }[];
    // One timeline: a day's row is built from the days before it, so events go in time order.
    const timeline = [...events, ...retired.map((r) => ({ ...r, scanId: null, labels: '[]' }))].sort(
      (a, b) => a.at - b.at || (a.scanId ?? Number.MAX_SAFE_INTEGER) - (b.scanId ?? Number.MAX_SAFE_INTEGER),
    );
    const current = new Map<number, Histogram>();
    for (const e of timeline) {
      const before = current.get(e.hostId);
      if (e.scanId === null) {
        if (before) rollups.apply(e.hostId, [], dayOf(e.at), before, null);
        current.delete(e.hostId);
        continue;
      }
      const after = histogramOf(stateAt.all(e.hostId, e.scanId, e.scanId) as (number | null)[]);
      rollups.apply(
        e.hostId,
        JSON.parse(e.labels) as string[],
        dayOf(e.at),
        before ?? emptyHistogram(),
        after,
      );
      current.set(e.hostId, after);
    }
  })();
}

import type { Db } from './db.js';

export interface Retention {
  /** Raw reports are kept this long, for `unitscore reparse`. */
  reportDays: number;
  /** Scans older than this are deleted, except those a unit's history starts or ends at. */
  scanDays: number;
}

export const defaultRetention: Retention = { reportDays: 30, scanDays: 90 };

export interface HousekeepingResult {
  reportsDetached: number;
  reportsDeleted: number;
  scansDeleted: number;
  errorSetsDeleted: number;
  factsDeleted: number;
}

const DAY = 86_400_000;

/**
 * Enforce retention in one transaction. History survives it: unit intervals keep the scans
 * where something changed, and every host keeps its latest scan and latest successful scan.
 */
export function housekeep(db: Db, retention: Retention, now = Date.now()): HousekeepingResult {
  const reportCutoff = now - retention.reportDays * DAY;
  const scanCutoff = now - retention.scanDays * DAY;
  return db.transaction(() => {
    const reportsDetached = db
      .prepare('UPDATE scans SET report_id = NULL WHERE report_id IS NOT NULL AND started_at < ?')
      .run(reportCutoff).changes;
    const reportsDeleted = db
      .prepare(
        'DELETE FROM reports WHERE id NOT IN (SELECT report_id FROM scans WHERE report_id IS NOT NULL)',
      )
      .run().changes;
    const scansDeleted = db
      .prepare(`DELETE FROM scans WHERE started_at < ?
        AND id NOT IN (SELECT from_scan FROM unit_intervals)
        AND id NOT IN (SELECT to_scan FROM unit_intervals WHERE to_scan IS NOT NULL)
        AND id NOT IN (SELECT max(id) FROM scans GROUP BY host_id)
        AND id NOT IN (SELECT max(id) FROM scans WHERE status = 'ok' GROUP BY host_id)`)
      .run(scanCutoff).changes;
    const errorSetsDeleted = db
      .prepare(
        'DELETE FROM error_sets WHERE id NOT IN (SELECT errors_id FROM scans WHERE errors_id IS NOT NULL)',
      )
      .run().changes;
    const factsDeleted = db
      .prepare(
        'DELETE FROM host_facts WHERE id NOT IN (SELECT facts_id FROM scans WHERE facts_id IS NOT NULL)',
      )
      .run().changes;
    return { reportsDetached, reportsDeleted, scansDeleted, errorSetsDeleted, factsDeleted };
  })();
}

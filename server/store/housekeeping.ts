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

/** Rows looked at per transaction: a few milliseconds each, so scans and requests get in between. */
export const HOUSEKEEPING_BATCH = 500;

/**
 * Enforce retention, a bounded batch per transaction: each step yields once its batch is
 * committed. History survives it: unit intervals keep the scans where something changed, and
 * every host keeps its latest scan and latest successful scan. Every statement walks an index
 * from a cursor and checks each row by index lookups, so a batch costs the same whether the
 * database holds a week or years (one statement over whole tables held the writer for ~3–7 s at
 * 10,000 hosts × 365 days).
 */
export function* housekeepingSteps(
  db: Db,
  retention: Retention,
  now = Date.now(),
  batch = HOUSEKEEPING_BATCH,
): Generator<void, HousekeepingResult> {
  const reportCutoff = now - retention.reportDays * DAY;
  const scanCutoff = now - retention.scanDays * DAY;
  const statements = prepare(db);
  const result: HousekeepingResult = {
    reportsDetached: 0,
    reportsDeleted: 0,
    scansDeleted: 0,
    errorSetsDeleted: 0,
    factsDeleted: 0,
  };
  // One wrapper for every batch: better-sqlite3 builds one per db.transaction() call.
  const inTransaction = db.transaction(<T>(work: () => T): T => work()) as <T>(work: () => T) => T;

  // Old scans' reports: detached (the partial index holds only scans that still have one).
  for (;;) {
    const n = inTransaction(() => statements.detachReports.run(reportCutoff, batch).changes);
    result.reportsDetached += n;
    if (n < batch) break;
    yield;
  }
  // Then each table from a cursor along an index: a batch of candidate rows (the id last), those
  // no longer referenced (or past retention and no change point) deleted; the cursor is the last
  // candidate row.
  const walk = function* (
    candidates: (cursor: number[], limit: number) => number[][],
    remove: { run(ids: string): { changes: number } },
    start: number[] = [0],
  ): Generator<void, number> {
    let cursor = start;
    let removed = 0;
    for (;;) {
      const rows = candidates(cursor, batch);
      if (rows.length === 0) return removed;
      const ids = JSON.stringify(rows.map((row) => row[row.length - 1]));
      removed += inTransaction(() => remove.run(ids).changes);
      cursor = rows[rows.length - 1] as number[];
      if (rows.length < batch) return removed;
      yield;
    }
  };
  const byId = (statement: { all(...params: unknown[]): unknown[] }) => (cursor: number[], limit: number) =>
    statement.all(...cursor, limit) as number[][];
  result.reportsDeleted = yield* walk(byId(statements.reportIds), statements.deleteReports);
  yield;
  // Scans past retention, oldest first along scans_by_time, from a (started_at, id) cursor.
  result.scansDeleted = yield* walk(
    (cursor, limit) => statements.oldScans.all(scanCutoff, ...cursor, limit) as number[][],
    statements.deleteScans,
    [Number.MIN_SAFE_INTEGER, 0],
  );
  yield;
  result.errorSetsDeleted = yield* walk(byId(statements.errorSetIds), statements.deleteErrorSets);
  yield;
  result.factsDeleted = yield* walk(byId(statements.factsIds), statements.deleteFacts);
  return result;
}

function prepare(db: Db) {
  return {
    detachReports: db.prepare(`UPDATE scans SET report_id = NULL WHERE id IN (
      SELECT id FROM scans INDEXED BY scans_by_report WHERE report_id IS NOT NULL AND started_at < ? LIMIT ?)`),
    reportIds: db.prepare('SELECT id FROM reports WHERE id > ? ORDER BY id LIMIT ?').raw(),
    deleteReports: db.prepare(`DELETE FROM reports WHERE id IN (SELECT value FROM json_each(?))
      AND NOT EXISTS (SELECT 1 FROM scans WHERE report_id = reports.id)`),
    oldScans: db
      .prepare(`SELECT started_at, id FROM scans INDEXED BY scans_by_time
        WHERE started_at < ? AND (started_at, id) > (?, ?) ORDER BY started_at, id LIMIT ?`)
      .raw(),
    deleteScans: db.prepare(`DELETE FROM scans WHERE id IN (SELECT value FROM json_each(?))
      AND NOT EXISTS (SELECT 1 FROM unit_intervals WHERE from_scan = scans.id)
      AND NOT EXISTS (SELECT 1 FROM unit_intervals WHERE to_scan = scans.id)
      AND EXISTS (SELECT 1 FROM scans n WHERE n.host_id = scans.host_id AND n.id > scans.id)
      AND (scans.status <> 'ok' OR EXISTS (SELECT 1 FROM scans n INDEXED BY scans_ok_by_host
        WHERE n.host_id = scans.host_id AND n.status = 'ok' AND n.id > scans.id))`),
    errorSetIds: db.prepare('SELECT id FROM error_sets WHERE id > ? ORDER BY id LIMIT ?').raw(),
    deleteErrorSets: db.prepare(`DELETE FROM error_sets WHERE id IN (SELECT value FROM json_each(?))
      AND NOT EXISTS (SELECT 1 FROM scans WHERE errors_id = error_sets.id)`),
    factsIds: db.prepare('SELECT id FROM host_facts WHERE id > ? ORDER BY id LIMIT ?').raw(),
    deleteFacts: db.prepare(`DELETE FROM host_facts WHERE id IN (SELECT value FROM json_each(?))
      AND NOT EXISTS (SELECT 1 FROM scans WHERE facts_id = host_facts.id)`),
  };
}

/** Housekeeping in one go (tests, benches, the CLI): every step run back to back. */
export function housekeep(db: Db, retention: Retention, now = Date.now()): HousekeepingResult {
  const steps = housekeepingSteps(db, retention, now);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Housekeeping in the server: the event loop gets a turn after every committed batch. */
export async function housekeepInTurns(
  db: Db,
  retention: Retention,
  now = Date.now(),
): Promise<HousekeepingResult> {
  const steps = housekeepingSteps(db, retention, now);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

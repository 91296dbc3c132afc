import type { Db } from '../db.js';
import { AssessmentChecks, type CheckFlip } from './check-flips.js';
import { dayEnd } from './days.js';

export const CHANGE_KINDS = ['worse', 'better', 'appeared', 'removed', 'changed'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface UnitChange {
  unit: string;
  change: ChangeKind;
  from: number | null;
  to: number | null;
  /** Checks flipped between the two states (units present in both). */
  flipped: CheckFlip[];
}

/** A point of a host's history: the successful scan whose state held then (null: none yet). */
export interface DiffSide {
  scanId: number | null;
  at: number | null;
}

export interface ScanDiff {
  from: DiffSide;
  to: DiffSide;
  summary: Record<ChangeKind | 'unchanged', number>;
  units: UnitChange[];
}

export interface ScanRow {
  id: number;
  hostId: number;
  status: string;
  startedAt: number;
}

interface StateRow {
  unitId: number;
  unit: string;
  assessmentId: number;
  exposure: number | null;
}

/**
 * What changed on a host between two points of its history, each a scan or the end of a day.
 * A unit's state at scan S is the interval opened at or before S and not closed by S; a failed
 * scan changes nothing, so its state is that of the successful scan before it.
 */
export class ScanDiffQuery {
  readonly sql;
  private readonly statements;

  constructor(
    db: Db,
    private readonly checks = new AssessmentChecks(db),
  ) {
    this.sql = {
      scan: 'SELECT id, host_id AS hostId, status, started_at AS startedAt FROM scans WHERE id = ?',
      lastOkBefore: `SELECT id, host_id AS hostId, status, started_at AS startedAt FROM scans
        WHERE host_id = ? AND status = 'ok' AND started_at < ? ORDER BY started_at DESC, id DESC LIMIT 1`,
      lastOk: `SELECT id, host_id AS hostId, status, started_at AS startedAt FROM scans
        WHERE host_id = ? AND status = 'ok' ORDER BY id DESC LIMIT 1`,
      state: `SELECT i.unit_id AS unitId, n.name AS unit, i.assessment_id AS assessmentId, i.exposure
        FROM unit_intervals i JOIN unit_names n ON n.id = i.unit_id
        WHERE i.host_id = ? AND i.from_scan <= ? AND (i.to_scan IS NULL OR i.to_scan > ?)`,
    };
    this.statements = {
      scan: db.prepare(this.sql.scan),
      lastOkBefore: db.prepare(this.sql.lastOkBefore),
      lastOk: db.prepare(this.sql.lastOk),
      state: db.prepare(this.sql.state),
    };
  }

  scan(id: number): ScanRow | null {
    return (this.statements.scan.get(id) as ScanRow | undefined) ?? null;
  }

  /** The scan whose state held at the end of `day` (UTC), or null before the first. */
  scanAtEndOf(hostId: number, day: string): ScanRow | null {
    return (this.statements.lastOkBefore.get(hostId, dayEnd(day)) as ScanRow | undefined) ?? null;
  }

  latest(hostId: number): ScanRow | null {
    return (this.statements.lastOk.get(hostId) as ScanRow | undefined) ?? null;
  }

  private state(hostId: number, scan: ScanRow | null): Map<number, StateRow> {
    if (!scan) return new Map();
    const rows = this.statements.state.all(hostId, scan.id, scan.id) as StateRow[];
    return new Map(rows.map((r) => [r.unitId, r]));
  }

  diff(hostId: number, from: ScanRow | null, to: ScanRow | null): ScanDiff {
    const before = this.state(hostId, from);
    const after = this.state(hostId, to);
    const units: UnitChange[] = [];
    let unchanged = 0;
    for (const [unitId, now] of after) {
      const was = before.get(unitId);
      before.delete(unitId);
      if (!was) {
        units.push({ unit: now.unit, change: 'appeared', from: null, to: now.exposure, flipped: [] });
        continue;
      }
      const flipped = this.checks.flips(was.assessmentId, now.assessmentId);
      const change: ChangeKind | null =
        was.exposure !== null && now.exposure !== null && was.exposure !== now.exposure
          ? now.exposure > was.exposure
            ? 'worse'
            : 'better'
          : was.exposure !== now.exposure || flipped.length > 0
            ? 'changed'
            : null;
      if (change === null) unchanged++;
      else units.push({ unit: now.unit, change, from: was.exposure, to: now.exposure, flipped });
    }
    for (const gone of before.values()) {
      units.push({ unit: gone.unit, change: 'removed', from: gone.exposure, to: null, flipped: [] });
    }
    const rank = (c: UnitChange) => CHANGE_KINDS.indexOf(c.change);
    const delta = (c: UnitChange) => Math.abs((c.to ?? 0) - (c.from ?? 0));
    units.sort(
      (a, b) => rank(a) - rank(b) || delta(b) - delta(a) || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0),
    );
    const summary = { worse: 0, better: 0, appeared: 0, removed: 0, changed: 0, unchanged };
    for (const u of units) summary[u.change]++;
    const side = (s: ScanRow | null): DiffSide => ({ scanId: s?.id ?? null, at: s?.startedAt ?? null });
    return { from: side(from), to: side(to), summary, units };
  }
}

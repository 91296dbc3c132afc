import type { Db } from '../db.js';
import { AssessmentChecks, type CheckFlip } from './check-flips.js';

export interface ScanRef {
  id: number;
  at: number;
}

/** One stretch of scans in which a unit stayed the same on a host. */
export interface UnitInterval {
  from: ScanRef;
  /** The successful scan that saw it changed or gone; null while it is current. */
  to: ScanRef | null;
  exposure: number | null;
  failing: number;
  /** Checks flipped since the interval before it (empty for the first one). */
  flipped: CheckFlip[];
}

interface Row {
  fromScan: number;
  toScan: number | null;
  fromAt: number;
  toAt: number | null;
  exposure: number | null;
  failing: number;
  assessmentId: number;
}

/** A unit's history on a host, newest first, from its intervals. */
export class UnitHistoryQuery {
  readonly sql;
  private readonly statement;

  constructor(
    db: Db,
    private readonly checks = new AssessmentChecks(db),
  ) {
    this.sql = `SELECT i.from_scan AS fromScan, i.to_scan AS toScan, f.started_at AS fromAt, t.started_at AS toAt,
        i.exposure, a.failing, i.assessment_id AS assessmentId
      FROM unit_intervals i JOIN assessments a ON a.id = i.assessment_id
        JOIN scans f ON f.id = i.from_scan LEFT JOIN scans t ON t.id = i.to_scan
      WHERE i.host_id = ? AND i.unit_id = ? AND i.from_scan < ?
      ORDER BY i.from_scan DESC LIMIT ?`;
    this.statement = db.prepare(this.sql);
  }

  /** Up to `limit` intervals starting before scan `before` (exclusive); `more` when older ones exist. */
  page(
    hostId: number,
    unitId: number,
    options: { before: number | null; limit: number },
  ): { intervals: UnitInterval[]; more: boolean } {
    // One row more than asked: it says whether there is a next page, and is what the page's
    // oldest interval is compared with.
    const rows = this.statement.all(
      hostId,
      unitId,
      options.before ?? Number.MAX_SAFE_INTEGER,
      options.limit + 1,
    ) as Row[];
    const intervals = rows.slice(0, options.limit).map((r, i) => {
      const older = rows[i + 1];
      return {
        from: { id: r.fromScan, at: r.fromAt },
        to: r.toScan === null || r.toAt === null ? null : { id: r.toScan, at: r.toAt },
        exposure: r.exposure,
        failing: r.failing,
        flipped: older ? this.checks.flips(older.assessmentId, r.assessmentId) : [],
      };
    });
    return { intervals, more: rows.length > options.limit };
  }
}

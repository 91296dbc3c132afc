import type { Check } from '../../analyze/model.js';
import type { Db } from '../db.js';
import { decodeChecks } from '../scans.js';

/** A unit as one successful scan of its host saw it: the interval of its history covering the scan. */
export interface UnitAtScan {
  /** Tenths, as the host printed it. */
  exposure: number | null;
  checks: Check[];
  systemdVersion: number | null;
}

/** What-if on any point of a unit's history (POST /whatif with a scanId), not just the current one. */
export class UnitAtScanQuery {
  readonly sql = `SELECT i.exposure, a.checks, f.systemd_version AS systemdVersion
    FROM scans s
      JOIN unit_names n ON n.name = ?
      JOIN unit_intervals i INDEXED BY unit_intervals_by_host_unit
        ON i.host_id = s.host_id AND i.unit_id = n.id AND i.from_scan <= s.id
      JOIN assessments a ON a.id = i.assessment_id
      LEFT JOIN host_facts f ON f.id = s.facts_id
    WHERE s.id = ? AND s.host_id = ? AND s.status = 'ok' AND (i.to_scan IS NULL OR i.to_scan > s.id)
    ORDER BY i.from_scan DESC LIMIT 1`;
  private readonly statement;

  constructor(db: Db) {
    this.statement = db.prepare(this.sql);
  }

  find(hostId: number, unit: string, scanId: number): UnitAtScan | null {
    const row = this.statement.get(unit, scanId, hostId) as
      | { exposure: number | null; checks: string; systemdVersion: number | null }
      | undefined;
    return row
      ? { exposure: row.exposure, checks: decodeChecks(row.checks), systemdVersion: row.systemdVersion }
      : null;
  }
}

import type { ScanStatus } from '../../collect/status.js';
import type { Db } from '../db.js';

export interface HostMetricsRow {
  host: string;
  lastStatus: ScanStatus | null;
  lastStartedAt: number | null;
  lastFinishedAt: number | null;
  units: number | null;
  worst: number | null;
  median: number | null;
}

export interface MetricsSnapshot {
  hosts: HostMetricsRow[];
  /** The worst (host, unit) pairs fleet-wide, at most the limit asked for. */
  worstUnits: { host: string; unit: string; exposure: number }[];
  /** Scans started since the window's start, by status. */
  recentScans: { status: ScanStatus; scans: number }[];
}

/** What /metrics exports, read at scrape time: per active host, the worst units, recent scans. */
export class MetricsQuery {
  readonly sql;
  private readonly statements;

  constructor(db: Db) {
    this.sql = {
      hosts: `SELECT h.name AS host, l.status AS lastStatus, l.started_at AS lastStartedAt,
          l.finished_at AS lastFinishedAt, o.unit_count AS units, o.worst, o.median
        FROM hosts h
          LEFT JOIN scans l ON l.id = (SELECT max(s.id) FROM scans s WHERE s.host_id = h.id)
          LEFT JOIN scans o ON o.id = (SELECT max(s.id) FROM scans s WHERE s.host_id = h.id AND s.status = 'ok')
        WHERE h.retired_at IS NULL ORDER BY h.name`,
      worstUnits: `SELECT h.name AS host, n.name AS unit, i.exposure
        FROM unit_intervals i JOIN hosts h ON h.id = i.host_id JOIN unit_names n ON n.id = i.unit_id
        WHERE i.to_scan IS NULL AND i.exposure IS NOT NULL AND h.retired_at IS NULL
        ORDER BY i.exposure DESC, i.host_id DESC, i.unit_id DESC LIMIT ?`,
      recentScans: 'SELECT status, count(*) AS scans FROM scans WHERE started_at >= ? GROUP BY status',
    };
    this.statements = {
      hosts: db.prepare(this.sql.hosts),
      worstUnits: db.prepare(this.sql.worstUnits),
      recentScans: db.prepare(this.sql.recentScans),
    };
  }

  snapshot(options: { worstUnits: number; since: number }): MetricsSnapshot {
    const s = this.statements;
    return {
      hosts: s.hosts.all() as HostMetricsRow[],
      worstUnits: s.worstUnits.all(options.worstUnits) as MetricsSnapshot['worstUnits'],
      recentScans: s.recentScans.all(options.since) as MetricsSnapshot['recentScans'],
    };
  }
}

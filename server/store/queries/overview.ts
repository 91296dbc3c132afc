import { SCAN_STATUSES, type ScanStatus } from '../../collect/status.js';
import type { Db } from '../db.js';
import { type Distribution, distributionOf, histogramFromCounts } from './distribution.js';
import { HostFilter } from './host-filter.js';

export interface Overview {
  hosts: {
    total: number;
    /** By the status of each host's latest scan, every status listed. */
    byStatus: { status: ScanStatus; hosts: number }[];
    neverScanned: number;
    /** Hosts whose units are counted: those with a successful scan. */
    withUnits: number;
  };
  /** Current units, with or without an exposure. */
  units: number;
  exposure: Distribution;
  lastScanAt: number | null;
}

/** Fleet screen: where the (labelled) fleet stands now, from the current intervals. */
export class OverviewQuery {
  readonly sql;
  private readonly statements;
  private readonly filter: HostFilter;

  constructor(db: Db) {
    this.filter = new HostFilter(db);
    this.sql = {
      lastScans: `SELECT s.id, s.status, s.started_at AS startedAt,
          (SELECT max(o.id) FROM scans o WHERE o.host_id = s.host_id AND o.status = 'ok') AS lastOk
        FROM json_each(?) h
        JOIN scans s ON s.id = (SELECT max(l.id) FROM scans l WHERE l.host_id = h.value)`,
      histogram: `SELECT exposure, count(*) AS n FROM unit_intervals
        WHERE to_scan IS NULL AND host_id IN (SELECT value FROM json_each(?))
        GROUP BY exposure`,
    };
    this.statements = {
      lastScans: db.prepare(this.sql.lastScans),
      histogram: db.prepare(this.sql.histogram),
    };
  }

  run(labels: readonly string[]): Overview {
    const ids = this.filter.ids(labels);
    const total = (JSON.parse(ids) as number[]).length;
    const last = this.statements.lastScans.all(ids) as {
      status: ScanStatus;
      startedAt: number;
      lastOk: number | null;
    }[];
    const counts = new Map<ScanStatus, number>();
    for (const s of last) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    const rows = this.statements.histogram.all(ids) as { exposure: number | null; n: number }[];
    return {
      hosts: {
        total,
        byStatus: SCAN_STATUSES.map((status) => ({ status, hosts: counts.get(status) ?? 0 })),
        neverScanned: total - last.length,
        withUnits: last.filter((s) => s.lastOk !== null).length,
      },
      units: rows.reduce((sum, r) => sum + r.n, 0),
      exposure: distributionOf(histogramFromCounts(rows)),
      lastScanAt: last.length === 0 ? null : Math.max(...last.map((s) => s.startedAt)),
    };
  }
}

import { SCAN_STATUSES, type ScanStatus } from '../../collect/status.js';
import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';
import { emptyHistogram, type Histogram } from '../rollups.js';
import { type Distribution, distributionOf } from './distribution.js';
import { HostFilter, type HostSelection } from './host-filter.js';

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
  private readonly memo: GenerationMemo<Overview>;

  constructor(
    db: Db,
    private readonly filter = new HostFilter(db),
  ) {
    this.memo = new GenerationMemo(new DataGeneration(db));
    this.sql = {
      lastScans: `SELECT s.id, s.status, s.started_at AS startedAt,
          (SELECT max(o.id) FROM scans o WHERE o.host_id = s.host_id AND o.status = 'ok') AS lastOk
        FROM json_each(?) h
        JOIN scans s ON s.id = (SELECT max(l.id) FROM scans l WHERE l.host_id = h.value)`,
      // Every current unit, counted in exposure order straight off the index.
      histogramAll: `SELECT exposure, count(*) AS n FROM unit_intervals INDEXED BY unit_intervals_current_by_exposure
        WHERE to_scan IS NULL GROUP BY exposure`,
      // The current units of some hosts, one number each: cheaper to count in JS than to sort in SQL.
      exposuresOf: `SELECT exposure FROM unit_intervals INDEXED BY unit_intervals_current_by_host
        WHERE to_scan IS NULL AND host_id IN (SELECT value FROM json_each(?))`,
    };
    this.statements = {
      lastScans: db.prepare(this.sql.lastScans),
      histogramAll: db.prepare(this.sql.histogramAll),
      exposuresOf: db.prepare(this.sql.exposuresOf).pluck(),
    };
  }

  /** Histogram (index 101: units without an exposure) of the current units of some hosts. */
  private histogramOf(ids: string): Histogram {
    const h = [...emptyHistogram(), 0];
    for (const e of this.statements.exposuresOf.all(ids) as (number | null)[])
      h[e ?? 101] = (h[e ?? 101] ?? 0) + 1;
    return h;
  }

  /** The selection's histogram, from whichever side of it is smaller. */
  private selectedHistogram(selection: HostSelection): Histogram {
    if (selection.count <= selection.othersCount) return this.histogramOf(selection.ids);
    const h = [...emptyHistogram(), 0];
    for (const r of this.statements.histogramAll.all() as { exposure: number | null; n: number }[]) {
      h[r.exposure ?? 101] = r.n;
    }
    const others = this.histogramOf(selection.others);
    return h.map((n, e) => n - (others[e] ?? 0));
  }

  /** The overview of the hosts carrying every label; the same object until the data changes. */
  run(labels: readonly string[]): Overview {
    return this.memo.get(labelsKey(labels), () => this.read(labels));
  }

  private read(labels: readonly string[]): Overview {
    const selection = this.filter.selection(labels);
    const total = selection.count;
    const last = this.statements.lastScans.all(selection.ids) as {
      status: ScanStatus;
      startedAt: number;
      lastOk: number | null;
    }[];
    const counts = new Map<ScanStatus, number>();
    for (const s of last) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    const counts101 = this.selectedHistogram(selection);
    const unscored = counts101.pop() ?? 0;
    return {
      hosts: {
        total,
        byStatus: SCAN_STATUSES.map((status) => ({ status, hosts: counts.get(status) ?? 0 })),
        neverScanned: total - last.length,
        withUnits: last.filter((s) => s.lastOk !== null).length,
      },
      units: counts101.reduce((sum, n) => sum + n, unscored),
      exposure: distributionOf(counts101),
      lastScanAt: last.length === 0 ? null : Math.max(...last.map((s) => s.startedAt)),
    };
  }
}

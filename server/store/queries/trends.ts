import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo } from '../generation.js';
import { emptyHistogram, type Histogram } from '../rollups.js';
import { type Bucket, dayEnd, dayStart, type TrendSlot, trendSlots } from './days.js';
import { type Distribution, distributionOf } from './distribution.js';

export interface TrendRange {
  /** Last day of the range (UTC), inclusive. */
  to: string;
  days: number;
  bucket: Bucket;
}

export interface FleetTrendPoint extends TrendSlot {
  hosts: number;
  exposure: Distribution;
}

export interface HostTrendPoint extends TrendSlot {
  /** The successful scan whose state held at the end of the day; null before the first. */
  scanId: number | null;
  units: number | null;
  worst: number | null;
  median: number | null;
}

export interface UnitTrendPoint extends TrendSlot {
  /** Whether the unit existed on the host at the end of the day. */
  present: boolean;
  exposure: number | null;
}

interface RollupRow {
  day: string;
  hosts: number;
  units: number;
  histogram: string;
}

/**
 * Trends for the trend review: the fleet or a label from label_daily, a host from its successful
 * scans, a unit on a host from its intervals. Each point is the state at the end of its day
 * (carried forward over days without a change), for weekly points at the end of the ISO week.
 */
export class TrendQueries {
  readonly sql;
  private readonly statements;
  private readonly fleetMemo: GenerationMemo<FleetTrendPoint[]>;

  constructor(db: Db) {
    this.fleetMemo = new GenerationMemo(new DataGeneration(db));
    this.sql = {
      rollups:
        'SELECT day, hosts, units, histogram FROM label_daily WHERE label = ? AND day >= ? AND day <= ? ORDER BY day',
      rollupBefore:
        'SELECT day, hosts, units, histogram FROM label_daily WHERE label = ? AND day < ? ORDER BY day DESC LIMIT 1',
      hostScans: `SELECT id, started_at AS startedAt, unit_count AS units, worst, median FROM scans
        WHERE host_id = ? AND status = 'ok' AND started_at >= ? AND started_at < ? ORDER BY started_at, id`,
      hostScanBefore: `SELECT id, started_at AS startedAt, unit_count AS units, worst, median FROM scans
        WHERE host_id = ? AND status = 'ok' AND started_at < ? ORDER BY started_at DESC, id DESC LIMIT 1`,
      unitIntervals: `SELECT i.exposure, f.started_at AS fromAt, t.started_at AS toAt
        FROM unit_intervals i JOIN scans f ON f.id = i.from_scan LEFT JOIN scans t ON t.id = i.to_scan
        WHERE i.host_id = ? AND i.unit_id = ? ORDER BY i.from_scan`,
    };
    this.statements = {
      rollups: db.prepare(this.sql.rollups),
      rollupBefore: db.prepare(this.sql.rollupBefore),
      hostScans: db.prepare(this.sql.hostScans),
      hostScanBefore: db.prepare(this.sql.hostScanBefore),
      unitIntervals: db.prepare(this.sql.unitIntervals),
    };
  }

  /**
   * The fleet ('') or one label. label_daily keeps one row per single label, so a filter of
   * several labels is answered from the first label's rows (the caller says which it used).
   */
  fleet(label: string, range: TrendRange): readonly FleetTrendPoint[] {
    // A year by week is a few hundred calendar days and distributions: kept until the data changes.
    return this.fleetMemo.get(JSON.stringify([label, range.to, range.days, range.bucket]), () =>
      this.readFleet(label, range),
    );
  }

  private readFleet(label: string, range: TrendRange): FleetTrendPoint[] {
    const slots = trendSlots(range.to, range.days, range.bucket);
    const first = slots[0]?.day ?? range.to;
    const s = this.statements;
    const before = s.rollupBefore.get(label, first) as RollupRow | undefined;
    const rows = s.rollups.all(label, first, range.to) as RollupRow[];
    let current: { hosts: number; histogram: Histogram } = before
      ? { hosts: before.hosts, histogram: JSON.parse(before.histogram) as Histogram }
      : { hosts: 0, histogram: emptyHistogram() };
    let next = 0;
    return slots.map((slot) => {
      while (next < rows.length && (rows[next] as RollupRow).day <= slot.day) {
        const row = rows[next++] as RollupRow;
        current = { hosts: row.hosts, histogram: JSON.parse(row.histogram) as Histogram };
      }
      return { ...slot, hosts: current.hosts, exposure: distributionOf(current.histogram) };
    });
  }

  host(hostId: number, range: TrendRange): HostTrendPoint[] {
    const slots = trendSlots(range.to, range.days, range.bucket);
    const start = dayStart(slots[0]?.day ?? range.to);
    const s = this.statements;
    type ScanRow = {
      id: number;
      startedAt: number;
      units: number;
      worst: number | null;
      median: number | null;
    };
    let current = s.hostScanBefore.get(hostId, start) as ScanRow | undefined;
    const scans = s.hostScans.all(hostId, start, dayEnd(range.to)) as ScanRow[];
    let next = 0;
    return slots.map((slot) => {
      const end = dayEnd(slot.day);
      while (next < scans.length && (scans[next] as ScanRow).startedAt < end) current = scans[next++];
      return {
        ...slot,
        scanId: current?.id ?? null,
        units: current?.units ?? null,
        worst: current?.worst ?? null,
        median: current?.median ?? null,
      };
    });
  }

  unitOnHost(hostId: number, unitId: number, range: TrendRange): UnitTrendPoint[] {
    const slots = trendSlots(range.to, range.days, range.bucket);
    const intervals = this.statements.unitIntervals.all(hostId, unitId) as {
      exposure: number | null;
      fromAt: number;
      toAt: number | null;
    }[];
    return slots.map((slot) => {
      const end = dayEnd(slot.day);
      // The state after the host's last successful scan of the day: the interval opened by a
      // scan before the day's end and not closed by one.
      const live = intervals.find((i) => i.fromAt < end && (i.toAt === null || i.toAt >= end));
      return { ...slot, present: live !== undefined, exposure: live?.exposure ?? null };
    });
  }
}

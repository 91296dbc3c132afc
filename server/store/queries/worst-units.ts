import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';
import { emptyHistogram } from '../rollups.js';
import { distributionOf } from './distribution.js';
import { HostFilter, type HostSelection } from './host-filter.js';

/** One unit name across the fleet. */
export interface UnitGroup {
  unit: string;
  /** Hosts running it now (one current interval per host and unit). */
  hosts: number;
  median: number | null;
  worst: number | null;
}

/** One unit on one host. */
export interface HostUnit {
  hostId: number;
  host: string;
  unit: string;
  exposure: number;
  failing: number;
}

/** The keyset of the host-unit list: worst first, then host id, then unit id (all descending). */
export type HostUnitKey = [exposure: number, hostId: number, unitId: number];

export const compareGroups = (a: UnitGroup, b: UnitGroup): number =>
  (b.worst ?? -1) - (a.worst ?? -1) ||
  (b.median ?? -1) - (a.median ?? -1) ||
  (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);

/** Worst-units screen: unit names fleet-wide, and the (host, unit) pairs behind them. */
export class WorstUnitsQuery {
  readonly sql;
  private readonly statements;
  private readonly memo: GenerationMemo<UnitGroup[]>;
  private readonly pages: GenerationMemo<HostUnitPage>;

  constructor(
    db: Db,
    private readonly filter = new HostFilter(db),
  ) {
    const generation = new DataGeneration(db);
    this.memo = new GenerationMemo(generation);
    this.pages = new GenerationMemo(generation);
    // INDEXED BY, as SQLite means it: the planner (without ANALYZE statistics) would rather probe
    // the label's hosts and sort all their units for every page; walking the exposure index stops
    // after one page. And a dropped index fails loudly here instead of turning into a sort.
    const hostUnitSelect = (index: string) => `SELECT i.exposure, i.host_id AS hostId, i.unit_id AS unitId,
        h.name AS host, n.name AS unit, a.failing
      FROM unit_intervals i INDEXED BY ${index} JOIN hosts h ON h.id = i.host_id
        JOIN unit_names n ON n.id = i.unit_id JOIN assessments a ON a.id = i.assessment_id`;
    const selected = 'i.host_id IN (SELECT value FROM json_each(?))';
    // The selection's complement, when it is the smaller list (a whole-fleet screen: the retired
    // hosts): the list is made into a lookup table on every run, thousands of ids against a few.
    const notOthers = 'i.host_id NOT IN (SELECT value FROM json_each(?))';
    const after = '(i.exposure, i.host_id, i.unit_id) < (?, ?, ?)';
    const order = 'ORDER BY i.exposure DESC, i.host_id DESC, i.unit_id DESC LIMIT ?';
    this.sql = {
      // Every current unit, counted by (unit, exposure) in index order: no sort, no table rows.
      groupsAll: `SELECT unit_id * 128 + ifnull(exposure, 127), count(*) FROM unit_intervals
          INDEXED BY unit_intervals_current_by_unit
        WHERE to_scan IS NULL GROUP BY unit_id, exposure`,
      // The current units of some hosts as one number each, (unit, exposure) packed.
      groupRowsOf: `SELECT unit_id * 128 + ifnull(exposure, 127) FROM unit_intervals
          INDEXED BY unit_intervals_current_by_host
        WHERE to_scan IS NULL AND host_id IN (SELECT value FROM json_each(?))`,
      names: 'SELECT id, name FROM unit_names WHERE id IN (SELECT value FROM json_each(?))',
      hostUnits: `${hostUnitSelect('unit_intervals_current_by_exposure')}
        WHERE i.to_scan IS NULL AND i.exposure IS NOT NULL AND ${selected} AND ${after} ${order}`,
      hostUnitsOfUnit: `${hostUnitSelect('unit_intervals_current_by_unit')}
        WHERE i.to_scan IS NULL AND i.unit_id = ? AND i.exposure IS NOT NULL AND ${selected} AND ${after} ${order}`,
      hostUnitsExcept: `${hostUnitSelect('unit_intervals_current_by_exposure')}
        WHERE i.to_scan IS NULL AND i.exposure IS NOT NULL AND ${notOthers} AND ${after} ${order}`,
      hostUnitsOfUnitExcept: `${hostUnitSelect('unit_intervals_current_by_unit')}
        WHERE i.to_scan IS NULL AND i.unit_id = ? AND i.exposure IS NOT NULL AND ${notOthers} AND ${after} ${order}`,
    };
    this.statements = {
      groupsAll: db.prepare(this.sql.groupsAll).raw(),
      groupRowsOf: db.prepare(this.sql.groupRowsOf).pluck(),
      names: db.prepare(this.sql.names).raw(),
      hostUnits: db.prepare(this.sql.hostUnits),
      hostUnitsOfUnit: db.prepare(this.sql.hostUnitsOfUnit),
      hostUnitsExcept: db.prepare(this.sql.hostUnitsExcept),
      hostUnitsOfUnitExcept: db.prepare(this.sql.hostUnitsOfUnitExcept),
    };
  }

  /** (unit, exposure) → units, packed as unit_id * 128 + exposure (127: none), for the selection. */
  private counts(selection: HostSelection): Map<number, number> {
    const s = this.statements;
    const counts = new Map<number, number>();
    const add = (ids: string, sign: 1 | -1) => {
      for (const key of s.groupRowsOf.all(ids) as number[]) counts.set(key, (counts.get(key) ?? 0) + sign);
    };
    if (selection.count <= selection.othersCount) {
      add(selection.ids, 1);
    } else {
      for (const [key, n] of s.groupsAll.all() as [number, number][]) counts.set(key, n);
      add(selection.others, -1);
    }
    return counts;
  }

  /**
   * Every unit name on the selected hosts, worst first (by worst, then median, then name). The
   * same array until the data changes: every page of the list and its CSV share one count.
   */
  groups(labels: readonly string[]): readonly UnitGroup[] {
    return this.memo.get(labelsKey(labels), () => this.readGroups(labels));
  }

  private readGroups(labels: readonly string[]): UnitGroup[] {
    const byUnit = new Map<number, { hosts: number; histogram: number[] }>();
    for (const [key, n] of this.counts(this.filter.selection(labels))) {
      if (n === 0) continue;
      const unitId = Math.floor(key / 128);
      const exposure = key % 128;
      let g = byUnit.get(unitId);
      if (!g) {
        g = { hosts: 0, histogram: emptyHistogram() };
        byUnit.set(unitId, g);
      }
      g.hosts += n;
      if (exposure <= 100) g.histogram[exposure] = (g.histogram[exposure] ?? 0) + n;
    }
    const names = new Map(
      this.statements.names.all(JSON.stringify([...byUnit.keys()])) as [number, string][],
    );
    const groups = [...byUnit].map(([unitId, g]) => {
      const d = distributionOf(g.histogram);
      return { unit: names.get(unitId) ?? `#${unitId}`, hosts: g.hosts, median: d.median, worst: d.worst };
    });
    return groups.sort(compareGroups);
  }

  /**
   * One page of (host, unit) pairs with an exposure on the hosts carrying every label, worst
   * first, after `after` (exclusive); only the pairs of unit `unitId` when given. Returns the
   * rows and each row's key. Kept until the data changes: pages people turn, not for exports
   * (those walk with hostUnits).
   */
  page(labels: readonly string[], options: HostUnitOptions): HostUnitPage {
    const key = JSON.stringify([labelsKey(labels), options.unitId, options.after, options.limit]);
    return this.pages.get(key, () => this.hostUnits(labels, options));
  }

  /** What page() returns, read now. */
  hostUnits(labels: readonly string[], options: HostUnitOptions): { row: HostUnit; key: HostUnitKey }[] {
    const selection = this.filter.selection(labels);
    const after = options.after ?? [Number.MAX_SAFE_INTEGER, 0, 0];
    const s = this.statements;
    const except = selection.othersCount < selection.count;
    const ids = except ? selection.others : selection.ids;
    const rows = (
      options.unitId === null
        ? (except ? s.hostUnitsExcept : s.hostUnits).all(ids, ...after, options.limit)
        : (except ? s.hostUnitsOfUnitExcept : s.hostUnitsOfUnit).all(
            options.unitId,
            ids,
            ...after,
            options.limit,
          )
    ) as (HostUnit & { unitId: number })[];
    return rows.map(({ unitId, ...row }) => ({ row, key: [row.exposure, row.hostId, unitId] }));
  }
}

export interface HostUnitOptions {
  unitId: number | null;
  after: HostUnitKey | null;
  limit: number;
}

export type HostUnitPage = readonly { row: HostUnit; key: HostUnitKey }[];

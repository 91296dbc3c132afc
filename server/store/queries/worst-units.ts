import type { Db } from '../db.js';
import { emptyHistogram } from '../rollups.js';
import { distributionOf } from './distribution.js';
import { HostFilter } from './host-filter.js';

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
  private readonly filter: HostFilter;

  constructor(db: Db) {
    this.filter = new HostFilter(db);
    // INDEXED BY, as SQLite means it: the planner (without ANALYZE statistics) would rather probe
    // the label's hosts and sort all their units for every page; walking the exposure index stops
    // after one page. And a dropped index fails loudly here instead of turning into a sort.
    const hostUnitSelect = (index: string) => `SELECT i.exposure, i.host_id AS hostId, i.unit_id AS unitId,
        h.name AS host, n.name AS unit, a.failing
      FROM unit_intervals i INDEXED BY ${index} JOIN hosts h ON h.id = i.host_id
        JOIN unit_names n ON n.id = i.unit_id JOIN assessments a ON a.id = i.assessment_id`;
    const selected = 'i.host_id IN (SELECT value FROM json_each(?))';
    const after = '(i.exposure, i.host_id, i.unit_id) < (?, ?, ?)';
    const order = 'ORDER BY i.exposure DESC, i.host_id DESC, i.unit_id DESC LIMIT ?';
    this.sql = {
      // Read in (unit, exposure) order from the current-by-unit index: no sort, no table rows.
      groups: `SELECT n.name AS unit, g.exposure, g.n FROM (
          SELECT unit_id, exposure, count(*) AS n FROM unit_intervals INDEXED BY unit_intervals_current_by_unit
          WHERE to_scan IS NULL AND host_id IN (SELECT value FROM json_each(?))
          GROUP BY unit_id, exposure) g
        JOIN unit_names n ON n.id = g.unit_id`,
      hostUnits: `${hostUnitSelect('unit_intervals_current_by_exposure')}
        WHERE i.to_scan IS NULL AND i.exposure IS NOT NULL AND ${selected} AND ${after} ${order}`,
      hostUnitsOfUnit: `${hostUnitSelect('unit_intervals_current_by_unit')}
        WHERE i.to_scan IS NULL AND i.unit_id = ? AND i.exposure IS NOT NULL AND ${selected} AND ${after} ${order}`,
    };
    this.statements = {
      groups: db.prepare(this.sql.groups),
      hostUnits: db.prepare(this.sql.hostUnits),
      hostUnitsOfUnit: db.prepare(this.sql.hostUnitsOfUnit),
    };
  }

  /** Every unit name on the selected hosts, worst first (by worst, then median, then name). */
  groups(labels: readonly string[]): UnitGroup[] {
    const rows = this.statements.groups.all(this.filter.ids(labels)) as {
      unit: string;
      exposure: number | null;
      n: number;
    }[];
    const byUnit = new Map<string, { hosts: number; histogram: number[] }>();
    for (const r of rows) {
      let g = byUnit.get(r.unit);
      if (!g) {
        g = { hosts: 0, histogram: emptyHistogram() };
        byUnit.set(r.unit, g);
      }
      g.hosts += r.n;
      if (r.exposure !== null) g.histogram[r.exposure] = (g.histogram[r.exposure] ?? 0) + r.n;
    }
    const groups = [...byUnit].map(([unit, g]) => {
      const d = distributionOf(g.histogram);
      return { unit, hosts: g.hosts, median: d.median, worst: d.worst };
    });
    return groups.sort(compareGroups);
  }

  /**
   * One page of (host, unit) pairs with an exposure, worst first, after `after` (exclusive);
   * only the pairs of unit `unitId` when given. Returns the rows and each row's key.
   */
  hostUnits(
    labels: readonly string[],
    options: { unitId: number | null; after: HostUnitKey | null; limit: number },
  ): { row: HostUnit; key: HostUnitKey }[] {
    const after = options.after ?? [Number.MAX_SAFE_INTEGER, 0, 0];
    const ids = this.filter.ids(labels);
    const rows = (
      options.unitId === null
        ? this.statements.hostUnits.all(ids, ...after, options.limit)
        : this.statements.hostUnitsOfUnit.all(options.unitId, ids, ...after, options.limit)
    ) as (HostUnit & { unitId: number })[];
    return rows.map(({ unitId, ...row }) => ({ row, key: [row.exposure, row.hostId, unitId] }));
  }
}

import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';
import { distributionOf } from './distribution.js';
import { HostFilter } from './host-filter.js';
import { type HostState, LiveHosts, NO_EXPOSURE } from './live-hosts.js';
import { type LiveSelection, LiveSelections, type Tally } from './live-selection.js';

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

/**
 * Per unit name (by id): hosts running it, and a histogram of its exposures (tenths) for the
 * exact median and worst. Arrays indexed by unit id: ids are dense, and a typed array add is
 * what a fleet's worth of units costs when a label filter is first asked for.
 */
class UnitTally implements Tally {
  hosts = new Int32Array(0);
  histograms: (Int32Array | undefined)[] = [];

  add(host: HostState, sign: 1 | -1): void {
    const { units, exposures } = host;
    for (let k = 0; k < units.length; k++) {
      const unitId = units[k] as number;
      if (unitId >= this.hosts.length) this.grow(unitId);
      this.hosts[unitId] = (this.hosts[unitId] as number) + sign;
      const e = exposures[k] as number;
      if (e === NO_EXPOSURE) continue;
      let h = this.histograms[unitId];
      if (h === undefined) {
        h = new Int32Array(101);
        this.histograms[unitId] = h;
      }
      h[e] = (h[e] as number) + sign;
    }
  }

  private grow(unitId: number): void {
    const hosts = new Int32Array(Math.max(unitId + 1, this.hosts.length * 2));
    hosts.set(this.hosts);
    this.hosts = hosts;
  }
}

/** Worst-units screen: unit names fleet-wide, and the (host, unit) pairs behind them. */
export class WorstUnitsQuery {
  readonly sql;
  private readonly statements;
  private readonly memo: GenerationMemo<UnitGroup[]>;
  private readonly pages: GenerationMemo<HostUnitPage>;
  private readonly selections: LiveSelections<UnitTally>;
  // Unit names never change once given an id: read once each.
  private readonly names = new Map<number, string>();

  constructor(
    db: Db,
    live = new LiveHosts(db),
    private readonly filter = new HostFilter(db, live),
  ) {
    this.selections = new LiveSelections(live, () => new UnitTally());
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
      names: db.prepare(this.sql.names).raw(),
      hostUnits: db.prepare(this.sql.hostUnits),
      hostUnitsOfUnit: db.prepare(this.sql.hostUnitsOfUnit),
      hostUnitsExcept: db.prepare(this.sql.hostUnitsExcept),
      hostUnitsOfUnitExcept: db.prepare(this.sql.hostUnitsOfUnitExcept),
    };
  }

  /**
   * Every unit name on the selected hosts, worst first (by worst, then median, then name). The
   * same array until the data changes: every page of the list and its CSV share one count.
   */
  groups(labels: readonly string[]): readonly UnitGroup[] {
    const key = labelsKey(labels);
    return this.memo.get(key, () => this.readGroups(this.selections.get(key, labels)));
  }

  private readGroups(selection: LiveSelection<UnitTally>): UnitGroup[] {
    selection.sync();
    const { hosts, histograms } = selection.tally;
    const present: number[] = [];
    hosts.forEach((n, unitId) => {
      if (n > 0) present.push(unitId);
    });
    const missing = present.filter((id) => !this.names.has(id));
    if (missing.length > 0) {
      for (const [id, name] of this.statements.names.all(JSON.stringify(missing)) as [number, string][])
        this.names.set(id, name);
    }
    const groups = present.map((unitId) => {
      // A unit seen only without an exposure has no histogram: no median, no worst.
      const d = distributionOf(Array.from(histograms[unitId] ?? [], Number));
      const unit = this.names.get(unitId) ?? `#${unitId}`;
      return { unit, hosts: hosts[unitId] as number, median: d.median, worst: d.worst };
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

import type { ScanStatus } from '../../collect/status.js';
import type { Db } from '../db.js';
import { DataGeneration } from '../generation.js';

/** The exposure byte of a unit without an exposure (exposures are 0…100 tenths). */
export const NO_EXPOSURE = 127;

/**
 * What one host brings to the fleet aggregates, as of its revisions. Never changed once made:
 * a host that changes gets a new object, so "same object" means "same contribution".
 */
export interface HostState {
  id: number;
  unitsRev: number;
  stateRev: number;
  /** Not retired. */
  active: boolean;
  labels: readonly string[];
  /** The latest scan (highest id), whatever its status; null when never scanned. */
  last: { status: ScanStatus; startedAt: number } | null;
  /** It has a successful scan: its units are counted. */
  hasOk: boolean;
  /** Its current units, one entry each in the three arrays. */
  units: Uint32Array;
  /** Exposure in tenths, NO_EXPOSURE for none. */
  exposures: Uint8Array;
  assessments: Uint32Array;
}

type HostUnits = Pick<HostState, 'units' | 'exposures' | 'assessments'>;

const EMPTY: HostUnits = {
  units: new Uint32Array(0),
  exposures: new Uint8Array(0),
  assessments: new Uint32Array(0),
};

/**
 * Every host's share of the fleet aggregates, in memory, kept up to date by re-reading only the
 * hosts whose revisions moved (migration 0010: triggers bump hosts.units_rev and state_rev on
 * every write that matters, whoever makes it). After a scan is stored that is one host: the
 * next fleet request re-reads its ~150 current units instead of the fleet's 1.5 million.
 * One per connection, shared by the fleet queries.
 */
export class LiveHosts {
  readonly sql;
  private readonly statements;
  private readonly generation: DataGeneration;
  private seenGeneration = '';
  private readonly hosts = new Map<number, HostState>();
  /** Moves whenever any host's state object is replaced, added or dropped. */
  version = 0;

  constructor(db: Db) {
    this.generation = new DataGeneration(db);
    this.sql = {
      // Three lists of numbers rather than a row per host: at 10,000 hosts, making the rows'
      // JS arrays costs more than the read itself, and this runs after every write.
      revisions: 'SELECT group_concat(id), group_concat(units_rev), group_concat(state_rev) FROM hosts',
      states: `SELECT h.id, h.retired_at IS NULL, h.labels, s.status, s.started_at,
          EXISTS (SELECT 1 FROM scans o WHERE o.host_id = h.id AND o.status = 'ok')
        FROM json_each(?) j JOIN hosts h ON h.id = j.value
          LEFT JOIN scans s ON s.id = (SELECT max(l.id) FROM scans l WHERE l.host_id = h.id)`,
      // One row per host, its units as two lists of numbers: (unit, exposure) packed and the
      // assessments, in the same order (both aggregates step through the same rows). A row per
      // unit would make 1.5 million JS arrays when the fleet is first read.
      units: `SELECT host_id, group_concat(unit_id * 128 + ifnull(exposure, ${NO_EXPOSURE})), group_concat(assessment_id)
        FROM unit_intervals INDEXED BY unit_intervals_current_by_host
        WHERE to_scan IS NULL AND host_id IN (SELECT value FROM json_each(?)) GROUP BY host_id`,
    };
    this.statements = {
      revisions: db.prepare(this.sql.revisions).raw(),
      states: db.prepare(this.sql.states).raw(),
      units: db.prepare(this.sql.units).raw(),
    };
  }

  /** Every host (retired ones too) as of the last refresh(). */
  states(): IterableIterator<HostState> {
    return this.hosts.values();
  }

  get size(): number {
    return this.hosts.size;
  }

  has(id: number): boolean {
    return this.hosts.has(id);
  }

  /**
   * Catch up with the database. Revisions are read before the rows they stand for: a commit in
   * between makes the rows newer than their recorded revision, never older, so at worst a host
   * is read once more next time, never kept stale.
   */
  refresh(): void {
    const generation = this.generation.current();
    if (generation === this.seenGeneration) return;
    this.seenGeneration = generation;
    const lists = this.statements.revisions.get() as (string | null)[];
    const [ids, unitsRevs, stateRevs] = lists.map((l) => JSON.parse(`[${l ?? ''}]`) as number[]) as [
      number[],
      number[],
      number[],
    ];
    const stale = new Map<number, [unitsRev: number, stateRev: number]>();
    const unitsStale = new Set<number>();
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k] as number;
      const unitsRev = unitsRevs[k] as number;
      const stateRev = stateRevs[k] as number;
      const known = this.hosts.get(id);
      if (known?.unitsRev !== unitsRev) unitsStale.add(id);
      if (known?.unitsRev !== unitsRev || known.stateRev !== stateRev) stale.set(id, [unitsRev, stateRev]);
    }
    if (stale.size > 0) {
      const units = this.readUnits([...unitsStale]);
      for (const row of this.statements.states.all(JSON.stringify([...stale.keys()])) as StateRow[]) {
        const [id, active, labels, status, startedAt, hasOk] = row;
        // The revisions polled, not newer ones: the rows were read after them, so they are as
        // new or newer, and a host that moved meanwhile is read again on the next refresh.
        const [unitsRev, stateRev] = stale.get(id) as [number, number];
        const known = this.hosts.get(id);
        const kept = unitsStale.has(id) ? (units.get(id) ?? EMPTY) : (known ?? EMPTY);
        this.hosts.set(id, {
          id,
          unitsRev,
          stateRev,
          active: active === 1,
          labels: JSON.parse(labels) as string[],
          last: status === null ? null : { status, startedAt: startedAt as number },
          hasOk: hasOk === 1,
          units: kept.units,
          exposures: kept.exposures,
          assessments: kept.assessments,
        });
      }
      this.version++;
    }
    // Hosts are never deleted by unitscore; should a row go anyway, its share goes with it.
    if (this.hosts.size > ids.length) {
      const present = new Set(ids);
      for (const id of this.hosts.keys()) if (!present.has(id)) this.hosts.delete(id);
      this.version++;
    }
  }

  /** The current units of some hosts, as typed arrays per host. */
  private readUnits(ids: number[]): Map<number, HostUnits> {
    const out = new Map<number, HostUnits>();
    for (const [hostId, packed, assessments] of this.statements.units.all(JSON.stringify(ids)) as [
      number,
      string,
      string,
    ][]) {
      const keys = JSON.parse(`[${packed}]`) as number[];
      out.set(hostId, {
        units: Uint32Array.from(keys, (k) => Math.floor(k / 128)),
        exposures: Uint8Array.from(keys, (k) => k % 128),
        assessments: Uint32Array.from(JSON.parse(`[${assessments}]`) as number[]),
      });
    }
    return out;
  }
}

type StateRow = [
  id: number,
  active: number,
  labels: string,
  status: ScanStatus | null,
  startedAt: number | null,
  hasOk: number,
];

/** The host selection of a fleet screen: not retired, carrying every label asked for. */
export const isSelected = (host: HostState, labels: readonly string[]): boolean =>
  host.active && labels.every((l) => host.labels.includes(l));

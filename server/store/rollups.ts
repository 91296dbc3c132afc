import type { Db } from './db.js';

/** Unit counts by exposure in tenths: index 0…100. */
export type Histogram = number[];

export const emptyHistogram = (): Histogram => new Array(101).fill(0);

export function histogramOf(exposures: (number | null)[]): Histogram {
  const h = emptyHistogram();
  for (const e of exposures) if (e !== null) h[e] = (h[e] ?? 0) + 1;
  return h;
}

/** UTC calendar day of a time, the key of every daily rollup. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface Row {
  hosts: number;
  units: number;
  histogram: Histogram;
}

/**
 * Keeps label_daily exact as scans arrive: each change of a host's units is applied as a
 * difference to the rows of the fleet ('') and of every label the host carries.
 */
export class Rollups {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      row: db.prepare('SELECT hosts, units, histogram FROM label_daily WHERE label = ? AND day = ?'),
      latestBefore: db.prepare(
        'SELECT hosts, units, histogram FROM label_daily WHERE label = ? AND day < ? ORDER BY day DESC LIMIT 1',
      ),
      upsert: db.prepare(`INSERT INTO label_daily (label, day, hosts, units, histogram) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (label, day) DO UPDATE SET hosts = excluded.hosts, units = excluded.units, histogram = excluded.histogram`),
      hostState: db.prepare('SELECT labels FROM host_rollup_state WHERE host_id = ?').pluck(),
      setHostState: db.prepare(`INSERT INTO host_rollup_state (host_id, labels) VALUES (?, ?)
        ON CONFLICT (host_id) DO UPDATE SET labels = excluded.labels`),
      dropHostState: db.prepare('DELETE FROM host_rollup_state WHERE host_id = ?'),
    };
  }

  private read(label: string, day: string): Row {
    const s = this.statements;
    const raw = (s.row.get(label, day) ?? s.latestBefore.get(label, day)) as
      | { hosts: number; units: number; histogram: string }
      | undefined;
    return raw
      ? { ...raw, histogram: JSON.parse(raw.histogram) as Histogram }
      : { hosts: 0, units: 0, histogram: emptyHistogram() };
  }

  private add(label: string, day: string, histogram: Histogram, sign: 1 | -1): void {
    const row = this.read(label, day);
    let units = 0;
    histogram.forEach((count, exposure) => {
      row.histogram[exposure] = (row.histogram[exposure] ?? 0) + sign * count;
      units += count;
    });
    this.statements.upsert.run(
      label,
      day,
      row.hosts + sign,
      row.units + sign * units,
      JSON.stringify(row.histogram),
    );
  }

  /**
   * A host's counted state changes on `day`: from `before` (what the rows count for it now) to
   * `after` (null when it stops counting: retired). Labels may change at the same time.
   */
  apply(hostId: number, labels: string[], day: string, before: Histogram, after: Histogram | null): void {
    const s = this.statements;
    const counted = s.hostState.get(hostId) as string | undefined;
    if (counted !== undefined) {
      for (const label of ['', ...(JSON.parse(counted) as string[])]) this.add(label, day, before, -1);
    }
    if (after === null) {
      s.dropHostState.run(hostId);
      return;
    }
    for (const label of ['', ...labels]) this.add(label, day, after, 1);
    s.setHostState.run(hostId, JSON.stringify(labels));
  }

  /** Labels the rollups count a host under, or null when it is not counted. */
  countedLabels(hostId: number): string[] | null {
    const counted = this.statements.hostState.get(hostId) as string | undefined;
    return counted === undefined ? null : (JSON.parse(counted) as string[]);
  }
}

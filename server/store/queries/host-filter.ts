import type { Db } from '../db.js';

/**
 * The hosts a fleet screen looks at: not retired, carrying every label asked for (exact
 * strings, AND). Hosts are few (hundreds to thousands) next to their units, so the set is
 * read first and handed to the unit queries as a JSON array of ids (`host_id IN (SELECT value
 * FROM json_each(?))`): one statement for any number of labels, and a plan that probes the
 * host-led indexes.
 */
export interface SelectedHost {
  id: number;
  name: string;
  labels: string[];
}

export class HostFilter {
  private readonly select;

  constructor(db: Db) {
    this.select = db.prepare(`SELECT h.id, h.name, h.labels FROM hosts h
      WHERE h.retired_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM json_each(?) l WHERE l.value NOT IN (SELECT value FROM json_each(h.labels)))
      ORDER BY h.id`);
  }

  hosts(labels: readonly string[]): SelectedHost[] {
    return (this.select.all(JSON.stringify(labels)) as { id: number; name: string; labels: string }[]).map(
      (r) => ({ id: r.id, name: r.name, labels: JSON.parse(r.labels) as string[] }),
    );
  }

  /** The ids as the JSON array the unit queries take. */
  ids(labels: readonly string[]): string {
    return JSON.stringify(this.hosts(labels).map((h) => h.id));
  }
}

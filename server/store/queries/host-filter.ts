import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';

/**
 * The hosts a fleet screen looks at: not retired, carrying every label asked for (exact
 * strings, AND). Hosts are few (hundreds to thousands) next to their units, so the set is
 * read first and handed to the unit queries as a JSON array of ids (`host_id IN (SELECT value
 * FROM json_each(?))`): one statement for any number of labels.
 */
export interface HostSelection {
  /** Ids of the selected hosts, as the JSON array the unit queries take. */
  ids: string;
  count: number;
  /**
   * Every other host (retired ones too, whose last intervals stay open), as a JSON array.
   * When it is the smaller side, an aggregate over all current rows minus the complement's
   * is cheaper than one over the selection: the usual case, a whole-fleet screen.
   */
  others: string;
  othersCount: number;
}

export class HostFilter {
  private readonly select;
  // Every fleet screen starts here, and on 10,000 hosts the label test is milliseconds.
  private readonly memo: GenerationMemo<HostSelection>;

  constructor(db: Db) {
    this.memo = new GenerationMemo(new DataGeneration(db));
    this.select = db
      .prepare(`SELECT h.id,
        h.retired_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM json_each(?) l WHERE l.value NOT IN (SELECT value FROM json_each(h.labels)))
          AS selected
      FROM hosts h ORDER BY h.id`)
      .raw();
  }

  selection(labels: readonly string[]): HostSelection {
    return this.memo.get(labelsKey(labels), () => this.read(labels));
  }

  private read(labels: readonly string[]): HostSelection {
    const rows = this.select.all(JSON.stringify(labels)) as [number, number][];
    const selected = rows.filter((r) => r[1] === 1).map((r) => r[0]);
    const others = rows.filter((r) => r[1] !== 1).map((r) => r[0]);
    return {
      ids: JSON.stringify(selected),
      count: selected.length,
      others: JSON.stringify(others),
      othersCount: others.length,
    };
  }

  /** The selected ids as a JSON array. */
  ids(labels: readonly string[]): string {
    return this.selection(labels).ids;
  }
}

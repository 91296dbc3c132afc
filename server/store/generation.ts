import type { Db } from './db.js';

/**
 * Which committed state of the database a connection reads: the rows this connection has
 * changed so far (total_changes()) and the commits of every other connection, another process
 * included (PRAGMA data_version). Equal generations read equal data, whichever table or writer
 * (scans, inventory, reparse, housekeeping, the CLI next to the server). Any write moves it, a
 * session touch too: that only costs a recomputation. One statement, a few microseconds.
 *
 * Not for reads inside a write transaction of the same connection: its rows may yet roll back
 * while total_changes() keeps counting them. Reads here run between transactions (better-sqlite3
 * transactions are synchronous, requests cannot land inside one).
 */
export class DataGeneration {
  readonly sql = 'SELECT total_changes(), (SELECT data_version FROM pragma_data_version())';
  private readonly select;

  constructor(db: Db) {
    this.select = db.prepare(this.sql).raw();
  }

  current(): string {
    const [changes, version] = this.select.get() as [number, number];
    return `${changes}:${version}`;
  }
}

/**
 * Results of one read by argument key, kept while the generation stays the same: the fleet
 * aggregates change only when something is written, and are read far more often (issue 5).
 * Values are shared between callers: they must not be mutated. A read that depends on anything
 * but the database (a trend ending today) takes it as an argument, part of the key.
 */
export class GenerationMemo<T> {
  private generation = '';
  private readonly values = new Map<string, T>();

  constructor(
    private readonly source: DataGeneration,
    // Keys are label filters people pick: a handful in use at a time. The cap bounds memory
    // against a client walking every combination.
    private readonly limit = 64,
  ) {}

  get(key: string, compute: () => T): T {
    // Read before computing: a commit landing meanwhile (another process) makes the value
    // newer than its generation, so it is recomputed once more, never served stale.
    const generation = this.source.current();
    if (generation !== this.generation) {
      this.values.clear();
      this.generation = generation;
    }
    let value = this.values.get(key);
    if (value === undefined) {
      value = compute();
      if (this.values.size >= this.limit) this.values.clear();
      this.values.set(key, value);
    }
    return value;
  }
}

/** The memo key of a label filter: the labels as given (order does not change the result). */
export const labelsKey = (labels: readonly string[]): string => JSON.stringify([...labels].sort());

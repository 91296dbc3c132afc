import type { Statement } from 'better-sqlite3';
import type { ScanStatus } from '../collect/status.js';
import type { Db } from './db.js';
import { HOST_SELECT, type HostRow, type HostView, hasLabels, hostView } from './views.js';

// The hosts list a page at a time (issue 5): each page walks one index of migration 0009 from
// the cursor, so a page costs its own rows whatever the fleet's size, and no request sorts the
// fleet.

export type HostSortKey = 'worst' | 'name';
export type HostOrder = 'asc' | 'desc';
export interface HostSort {
  key: HostSortKey;
  order: HostOrder;
}

/** The sort key of a row, as a cursor carries it: [exposure key, name] or [name]. */
export type HostPageKey = [number, string] | [string];

export interface HostPage {
  hosts: HostView[];
  /** The key of the last host when more follow. */
  next: HostPageKey | null;
}

// By exposure, the index's own expression (the planner matches it as written): hosts without a
// score go last in both orders, names A→Z among equal scores.
const WORST_KEY: Record<HostOrder, string> = {
  desc: '-coalesce(h.last_ok_worst, -1)',
  asc: 'coalesce(h.last_ok_worst, 101)',
};

export const HOST_SORTS: readonly HostSort[] = [
  { key: 'worst', order: 'desc' },
  { key: 'worst', order: 'asc' },
  { key: 'name', order: 'asc' },
  { key: 'name', order: 'desc' },
];

export const sortName = (sort: HostSort): string => `${sort.key}-${sort.order}`;

/** The first page and the pages after a key, for one sort. Parameters by name (see HostPages.page). */
function pageSql(sort: HostSort): { first: string; after: string } {
  // A status asked for picks by the last scan, which every row joins anyway: the walk stays the
  // index's, filtered (hosts whose key changed: a handful, the alarm above the table).
  const where = `WHERE h.retired_at IS NULL AND ${hasLabels('@labels')}
    AND (@status IS NULL OR ls.status = @status)`;
  if (sort.key === 'name') {
    const dir = sort.order === 'asc' ? 'ASC' : 'DESC';
    const order = `ORDER BY h.name ${dir} LIMIT @limit`;
    return {
      first: `${HOST_SELECT} ${where} ${order}`,
      after: `${HOST_SELECT} ${where} AND h.name ${sort.order === 'asc' ? '>' : '<'} @name ${order}`,
    };
  }
  const key = WORST_KEY[sort.order];
  const select = HOST_SELECT.replace('SELECT ', `SELECT ${key} AS sortKey, `);
  const order = `ORDER BY ${key}, h.name LIMIT @limit`;
  // Spelt out rather than as a row value, (k, name) > (?, ?): SQLite reaches an expression index
  // only through the plain comparison (a row value scans the index from its start).
  return {
    first: `${select} ${where} ${order}`,
    after: `${select} ${where} AND ${key} >= @key AND (${key} > @key OR h.name > @name) ${order}`,
  };
}

export class HostPages {
  /** The statements' text by sort name, for the plan tests. */
  readonly sql: Record<string, { first: string; after: string }> = {};
  private readonly statements = new Map<
    string,
    { first: Statement<unknown[]>; after: Statement<unknown[]> }
  >();

  constructor(db: Db) {
    for (const sort of HOST_SORTS) {
      const sql = pageSql(sort);
      this.sql[sortName(sort)] = sql;
      this.statements.set(sortName(sort), { first: db.prepare(sql.first), after: db.prepare(sql.after) });
    }
  }

  /**
   * Up to `limit` active hosts carrying every label (and whose last scan has `status`, if
   * given), after `after` in the sort's order.
   */
  page(
    filter: { labels: readonly string[]; status?: ScanStatus | undefined },
    sort: HostSort,
    after: HostPageKey | null,
    limit: number,
  ): HostPage {
    const statements = this.statements.get(sortName(sort));
    if (!statements) throw new Error(`unknown host sort ${sortName(sort)}`);
    // One row more than asked says whether another page follows.
    const params = { labels: JSON.stringify(filter.labels), status: filter.status ?? null, limit: limit + 1 };
    const rows = (
      after === null
        ? statements.first.all(params)
        : after.length === 1
          ? statements.after.all({ ...params, name: after[0] })
          : statements.after.all({ ...params, key: after[0], name: after[1] })
    ) as (HostRow & { sortKey?: number })[];
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    const next: HostPageKey | null =
      rows.length > limit && last
        ? last.sortKey === undefined
          ? [last.name]
          : [last.sortKey, last.name]
        : null;
    return { hosts: shown.map(hostView), next };
  }
}

import type { Db } from '../../server/store/db.js';

/** Bytes on disk by table and index, largest first (SQLite's dbstat), and the free pages. */
export function breakdown(db: Db): { name: string; bytes: number }[] {
  const rows = db
    .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
    .all() as { name: string; bytes: number }[];
  const free =
    (db.pragma('freelist_count', { simple: true }) as number) *
    (db.pragma('page_size', { simple: true }) as number);
  return [...rows, { name: '(free pages)', bytes: free }];
}

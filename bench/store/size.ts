import { statSync } from 'node:fs';
import type { Db } from '../../server/store/db.js';

/** Bytes on disk of a SQLite database and its WAL. */
export function sizeOf(file: string): number {
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

/**
 * Bytes of the database file in use, after a checkpoint: its size less its free pages. Pages
 * housekeeping freed are reused before the file grows, so growth alone would say 0.
 */
export function usedBytes(db: Db, file: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const free =
    (db.pragma('freelist_count', { simple: true }) as number) *
    (db.pragma('page_size', { simple: true }) as number);
  return sizeOf(file) - free;
}

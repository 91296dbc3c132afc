import Database from 'better-sqlite3';
import { migrationsDir } from '../paths.js';
import { migrate } from './migrate.js';
import { preparePrivateDatabase } from './private-files.js';

export type Db = Database.Database;

/** Open (creating if needed) and migrate the database. Throws MigrationError when it cannot. */
export function openDb(file: string, options: { migrationsDir?: string } = {}): Db {
  preparePrivateDatabase(file);
  const db = new Database(file);
  // WAL: readers (the API) never wait for the scan writer, and a crash loses no committed scan.
  db.pragma('journal_mode = WAL');
  // The schema's REFERENCES are only enforced with this on, per connection.
  db.pragma('foreign_keys = ON');
  // A second process (a CLI scan next to the server) waits for the lock instead of failing.
  db.pragma('busy_timeout = 5000');
  // Safe with WAL: a power cut may lose the last commits, never corrupt the file.
  db.pragma('synchronous = NORMAL');
  try {
    migrate(db, options.migrationsDir ?? migrationsDir);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

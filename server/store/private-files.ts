import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

// The database holds the fleet's weak spots, password hashes and the audit log: only the
// server's own user may read it. SQLite gives the -wal and -shm files the database file's mode,
// so creating that file 0600 before SQLite opens it covers all three.

/**
 * Creates the database's directory (0700) and an empty database file (0600) if they are missing,
 * and takes group and other access away from an existing database file and its -wal/-shm.
 */
export function preparePrivateDatabase(file: string): void {
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

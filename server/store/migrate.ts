import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE_NAME = /^(\d{4})-[a-z0-9-]+\.sql$/;

export function readMigrations(dir: string): MigrationFile[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const migrations = files.map((name) => {
    const match = FILE_NAME.exec(name);
    if (!match) throw new MigrationError(`${join(dir, name)}: name must be NNNN-words.sql`);
    const sql = readFileSync(join(dir, name), 'utf8');
    return { version: Number(match[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
  });
  migrations.sort((a, b) => a.version - b.version);
  // Numbers are handed out to work in progress side by side, so one branch may hold 0009 before
  // 0007 and 0008 land: a gap is allowed, a number used twice is not.
  migrations.forEach((m, i) => {
    const previous = migrations[i - 1];
    if (previous?.version === m.version)
      throw new MigrationError(`${m.name}: number ${m.version} is also used by ${previous.name}`);
  });
  return migrations;
}

/**
 * Apply every pending migration in one transaction. Refuses a database that is newer than the
 * code, or whose applied migrations were edited since (checksum), instead of guessing.
 */
export function migrate(db: Database, dir: string): { applied: string[] } {
  const migrations = readMigrations(dir);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = db
    .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    .all() as {
    version: number;
    name: string;
    checksum: string;
  }[];
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const newest = migrations.at(-1)?.version ?? 0;
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(
        `database has migration ${row.version} (${row.name}) but this unitscore knows only ${newest}: it is newer than the code`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(`migration ${file.name} was changed after it was applied (checksum differs)`);
    }
  }
  // Every file not applied yet, in number order: one that filled a gap after a later one was
  // applied runs then (migrations of parallel work touch different tables).
  const done = new Set(applied.map((row) => row.version));
  const pending = migrations.filter((m) => !done.has(m.version));
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const m of pending) {
      try {
        db.exec(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      record.run(m.version, m.name, m.checksum, Date.now());
    }
  })();
  return { applied: pending.map((m) => m.name) };
}

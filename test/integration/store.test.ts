import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { migrationsDir } from '../../server/paths.js';
import { openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { MigrationError, migrate, readMigrations } from '../../server/store/migrate.js';
import { saveScan } from '../../server/store/scans.js';
import { readStoredReport } from '../../server/store/stored-report.js';
import { Views } from '../../server/store/views.js';
import { check, failedScan, okScan, unit } from '../support/scan-results.js';

const dir = mkdtempSync(join(tmpdir(), 'unitscore-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const inventory = [
  { name: 'web-1', address: '10.0.0.1', port: 22, user: 'scanner', labels: ['env=prod'] },
  { name: 'db-1', address: '10.0.0.2', port: 2222, user: 'scanner', labels: [] },
];

describe('migrations', () => {
  test('all migrations apply to an empty database on disk, once', () => {
    const file = join(dir, 'fresh.db');
    const db = openDb(file);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    for (const table of ['hosts', 'scans', 'assessments', 'unit_intervals', 'reports', 'label_daily']) {
      assert.ok(tables.includes(table), `table ${table}`);
    }
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    db.close();
    const again = openDb(file);
    assert.equal(
      again.prepare('SELECT count(*) FROM schema_migrations').pluck().get(),
      readMigrations(migrationsDir).length,
    );
    again.close();
  });

  test('a database newer than the code is refused', () => {
    const file = join(dir, 'newer.db');
    openDb(file).close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO schema_migrations VALUES (99, '0099-future.sql', 'x', 0)").run();
    raw.close();
    assert.throws(
      () => openDb(file),
      (err: Error) => err instanceof MigrationError && /newer than the code/.test(err.message),
    );
  });

  test('an applied migration that was edited is caught by its checksum', () => {
    const migrations = join(dir, 'edited-migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001-a.sql'), 'CREATE TABLE a (x);');
    const file = join(dir, 'edited.db');
    openDb(file, { migrationsDir: migrations }).close();
    writeFileSync(join(migrations, '0001-a.sql'), 'CREATE TABLE a (x, y);');
    assert.throws(() => openDb(file, { migrationsDir: migrations }), /changed after it was applied/);
  });

  test('numbers may have gaps (parallel work); a gap filled later applies then; a number used twice is refused', () => {
    const migrations = join(dir, 'gap-migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001-a.sql'), 'CREATE TABLE a (x);');
    writeFileSync(join(migrations, '0003-c.sql'), 'CREATE TABLE c (x);');
    const file = join(dir, 'gap.db');
    openDb(file, { migrationsDir: migrations }).close();
    writeFileSync(join(migrations, '0002-b.sql'), 'CREATE TABLE b (x);');
    const db = openDb(file, { migrationsDir: migrations });
    assert.deepEqual(
      db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
      [1, 2, 3],
    );
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'b'").pluck().get(), 1);
    db.close();
    writeFileSync(join(migrations, '0002-b-again.sql'), 'CREATE TABLE b2 (x);');
    assert.throws(() => readMigrations(migrations), /number 2 is also used by 0002-b/);
  });

  test('reports stored with gzip before 0007 stay readable, and say so', () => {
    const old = join(dir, 'before-0007');
    mkdirSync(old);
    for (const m of readMigrations(migrationsDir).filter((m) => m.version < 7)) {
      writeFileSync(join(old, m.name), m.sql);
    }
    const file = join(dir, 'gzip-reports.db');
    const before = openDb(file, { migrationsDir: old });
    before
      .prepare('INSERT INTO reports (hash, size, body_gz) VALUES (?, ?, ?)')
      .run(Buffer.alloc(32), 3, gzipSync('abc'));
    before.close();
    const db = openDb(file);
    const row = db.prepare('SELECT body, codec FROM reports').get() as { body: Buffer; codec: 'gzip' };
    assert.equal(row.codec, 'gzip');
    assert.equal(readStoredReport(row.body, row.codec).toString(), 'abc');
    db.close();
  });

  test('a failing migration applies nothing and names the file', () => {
    const migrations = join(dir, 'bad-migrations');
    mkdirSync(migrations);
    writeFileSync(join(migrations, '0001-good.sql'), 'CREATE TABLE good (x);');
    writeFileSync(join(migrations, '0002-bad.sql'), 'CREATE TABLE oops (;');
    const db = new Database(join(dir, 'bad.db'));
    assert.throws(() => migrate(db, migrations), /0002-bad\.sql failed/);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'good'").all();
    assert.equal(tables.length, 0, 'the good migration was rolled back with the bad one');
    db.close();
  });
});

describe('scans', () => {
  const file = join(dir, 'scans.db');
  const db = openDb(file);
  after(() => db.close());
  const ids = syncInventory(db, inventory);
  const web = ids.get('web-1') as number;
  const nginx = unit('nginx.service', 96, [
    check('PrivateNetwork', false, 5),
    check('PrivateTmp', true, null),
    check('RemoveIPC', null, null),
  ]);
  const cron = unit('cron.service', 73, [check('PrivateNetwork', false, 5), check('PrivateTmp', false, 2)]);

  test('one scan is stored whole, with its summary and raw report', () => {
    const scanId = saveScan(db, web, okScan([nginx, cron]));
    const row = db.prepare('SELECT * FROM scans WHERE id = ?').get(scanId) as Record<string, unknown>;
    assert.equal(row.status, 'ok');
    assert.equal(row.unit_count, 2);
    assert.equal(row.worst, 96);
    assert.equal(row.median, 85);
    const report = db.prepare('SELECT body, codec FROM reports WHERE id = ?').get(row.report_id) as {
      body: Buffer;
      codec: 'br';
    };
    assert.equal(report.codec, 'br');
    assert.equal(readStoredReport(report.body, report.codec).toString(), 'unitscore-report 1 stored\n');
    const errors = db.prepare('SELECT errors FROM error_sets WHERE id = ?').pluck().get(row.errors_id);
    assert.equal(errors, JSON.stringify([['gone.service', 'Unit gone.service not found, cannot analyze.']]));
    assert.equal(db.prepare('SELECT count(*) FROM unit_intervals WHERE to_scan IS NULL').pluck().get(), 2);
  });

  test('an unchanged re-scan adds one scans row and nothing else', () => {
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    const tables = ['assessments', 'error_sets', 'host_facts', 'reports', 'unit_intervals', 'unit_names'];
    const before = tables.map(count);
    const scans = count('scans') as number;
    saveScan(db, web, okScan([nginx, cron], new Date('2026-11-20T11:00:00Z')));
    assert.deepEqual(tables.map(count), before);
    assert.equal(count('scans'), scans + 1);
  });

  test('a change opens a new interval and closes the old one; a unit that went away is closed', () => {
    const worse = unit('cron.service', 80, [
      check('PrivateNetwork', false, 5),
      check('PrivateTmp', false, 3),
    ]);
    const scanId = saveScan(db, web, okScan([worse], new Date('2026-11-20T12:00:00Z')));
    const rows = db
      .prepare(`SELECT n.name, i.exposure, i.to_scan FROM unit_intervals i JOIN unit_names n ON n.id = i.unit_id
        WHERE i.host_id = ? ORDER BY i.id`)
      .all(web) as { name: string; exposure: number; to_scan: number | null }[];
    assert.deepEqual(rows, [
      { name: 'nginx.service', exposure: 96, to_scan: scanId },
      { name: 'cron.service', exposure: 73, to_scan: scanId },
      { name: 'cron.service', exposure: 80, to_scan: null },
    ]);
    saveScan(db, web, okScan([nginx, cron], new Date('2026-11-20T13:00:00Z')));
  });

  test('a failed scan keeps the last good units on show and says why', () => {
    saveScan(db, web, failedScan('unreachable', 'ECONNREFUSED'));
    const views = new Views(db);
    const found = views.hostUnits(web);
    assert.ok(found);
    assert.equal(found.host.lastScan?.status, 'unreachable');
    assert.equal(found.host.lastScan?.error, 'ECONNREFUSED');
    assert.equal(found.scan?.status, 'ok');
    assert.deepEqual(
      found.units.map((u) => [u.unit, u.exposure, u.failing]),
      [
        ['nginx.service', 96, 1],
        ['cron.service', 73, 2],
      ],
    );
    assert.equal(found.host.worstExposure, 96);
    const detail = views.unitDetail(web, 'nginx.service');
    assert.deepEqual(
      detail?.unit.checks.map((c) => [c.id, c.set]),
      [
        ['PrivateNetwork', false],
        ['PrivateTmp', true],
        ['RemoveIPC', null],
      ],
    );
  });

  test('a scan that cannot be stored leaves nothing behind', () => {
    const before = db.prepare('SELECT count(*) FROM scans').pluck().get();
    const broken = okScan([unit('x.service', 500, [])]); // violates the exposure CHECK
    assert.throws(() => saveScan(db, web, broken));
    assert.equal(db.prepare('SELECT count(*) FROM scans').pluck().get(), before);
  });

  test('a host that leaves the inventory is retired with its history; coming back revives it', () => {
    syncInventory(
      db,
      inventory.filter((h) => h.name !== 'web-1'),
    );
    const views = new Views(db);
    assert.deepEqual(
      views.hosts().map((h) => h.name),
      ['db-1'],
    );
    assert.ok(db.prepare('SELECT count(*) FROM scans WHERE host_id = ?').pluck().get(web));
    const again = syncInventory(db, inventory);
    assert.equal(again.get('web-1'), web);
    assert.deepEqual(
      new Views(db).hosts().map((h) => h.name),
      ['db-1', 'web-1'],
    );
  });

  test('data survives closing and reopening the file', () => {
    const other = openDb(file);
    assert.equal(new Views(other).hostUnits(web)?.units.length, 2);
    other.close();
    assert.ok(readFileSync(file).length > 0);
  });
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { type DemoFleet, simulatedSpecs, startSimulatedFleet } from '../../server/demo/fleet.js';
import { packageRoot } from '../../server/paths.js';

// Crash safety (issue 5): the server killed with SIGKILL in the middle of storing a fleet scan
// and started again: the file is intact, no half-written scan is visible, the scheduler goes on.

const dir = mkdtempSync(join(tmpdir(), 'unitscore-crash-'));
const database = join(dir, 'unitscore.db');
let fleet: DemoFleet;

before(async () => {
  fleet = await startSimulatedFleet(join(dir, 'fleet'), simulatedSpecs(120), 45);
});
after(async () => {
  await fleet?.close();
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function writeConfig(): Promise<string> {
  const first = fleet.hosts[0];
  assert.ok(first);
  const file = join(dir, 'unitscore.yaml');
  const hosts = fleet.hosts.map(
    (h) =>
      `  - {name: ${h.name}, address: ${h.address}, port: ${h.port}, user: ${h.user}, labels: [${h.labels.join(', ')}]}`,
  );
  writeFileSync(
    file,
    [
      `listen: 127.0.0.1:${await freePort()}`,
      `database: ${database}`,
      `ssh: {identityFile: ${first.identityFile}, knownHosts: ${first.knownHosts}}`,
      'scan: {concurrency: 4, intervalMinutes: 1}',
      'hosts:',
      ...hosts,
      '',
    ].join('\n'),
  );
  return file;
}

/** Start `unitscore serve` and resolve once `count` hosts have been stored by it. */
function serveUntil(config: string, count: number): Promise<{ child: ChildProcess; scanned: number }> {
  const child = spawn(
    process.execPath,
    [join(packageRoot, 'dist/server/cli.js'), 'serve', '--config', config],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let scanned = 0;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (line.includes('"msg":"host scanned"') && ++scanned === count) resolve({ child, scanned });
    });
    child.once('exit', (code) =>
      reject(new Error(`unitscore serve exited (${code}) after ${scanned} scans`)),
    );
  });
}

function invariants(db: Database.Database): void {
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  // Every successful scan's summary matches the unit history it left: nothing half-written.
  const mismatched = db
    .prepare(`SELECT s.id, s.unit_count, (SELECT count(*) FROM unit_intervals i WHERE i.host_id = s.host_id
        AND i.from_scan <= s.id AND (i.to_scan IS NULL OR i.to_scan > s.id)) AS units
      FROM scans s WHERE s.status = 'ok' AND s.unit_count != units`)
    .all();
  assert.deepEqual(mismatched, []);
  const orphans = db
    .prepare('SELECT count(*) FROM unit_intervals WHERE from_scan NOT IN (SELECT id FROM scans)')
    .pluck()
    .get();
  assert.equal(orphans, 0);
}

test('SIGKILL in the middle of a fleet scan loses nothing committed and the scheduler carries on', async () => {
  const config = await writeConfig();
  const first = await serveUntil(config, 30);
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));

  const afterKill = new Database(database, { readonly: true });
  invariants(afterKill);
  const stored = afterKill.prepare('SELECT count(*) FROM scans').pluck().get() as number;
  assert.ok(stored >= 30 && stored < fleet.hosts.length, `the kill came mid-round: ${stored} scans stored`);
  const lastBefore = afterKill.prepare('SELECT max(id) FROM scans').pluck().get() as number;
  afterKill.close();

  const second = await serveUntil(config, 10);
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
  const restarted = new Database(database, { readonly: true });
  invariants(restarted);
  const newer = restarted
    .prepare('SELECT count(*) FROM scans WHERE id > ?')
    .pluck()
    .get(lastBefore) as number;
  assert.ok(newer >= 10, `scans after the restart: ${newer}`);
  restarted.close();
});

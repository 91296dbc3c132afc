import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseConfig } from '../../server/config/load.js';
import { loadDemoReports } from '../../server/demo/fleet.js';
import { packageRoot } from '../../server/paths.js';
import { openDb } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { saveScan } from '../../server/store/scans.js';
import { check, okScan, unit } from '../support/scan-results.js';

const run = promisify(execFile);
const CLI = join(packageRoot, 'dist', 'server', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'unitscore-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the unitscore command', () => {
  test('an invalid config is refused with the file, line, key and reason, exit 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'hosts:\n  - name: web-1\n    address: 10.0.0.1\n    user: scanner\n    port: 0\n');
    const { code, stderr } = await cli(['scan', '--config', file, '--once']);
    assert.equal(code, 2);
    assert.equal(stderr.trim(), `unitscore: ${file}:5: hosts[0].port: must be >= 1`);
  });

  test('bad usage says what is wrong, exit 2', async () => {
    assert.match((await cli(['frobnicate'])).stderr, /unknown command 'frobnicate'/);
    const noOnce = await cli(['scan', '--config', join(dir, 'x.yaml')]);
    assert.equal(noOnce.code, 2);
    assert.match(noOnce.stderr, /scan --once/);
    assert.match((await cli(['scan', '--bogus'])).stderr, /Unknown option '--bogus'/);
  });

  test('parse reads stdin and prints the normalised model; problems make exit 1', async () => {
    const text = readFileSync(
      join(packageRoot, 'test', 'fixtures', 'real', 'debian11-247-dnsmasq.txt'),
      'utf8',
    );
    const body = text.slice(text.indexOf('# ---\n') + 6);
    const ok = await cli(['parse', '-'], body);
    assert.equal(ok.code, 0, ok.stderr);
    const parsed = JSON.parse(ok.stdout);
    assert.equal(parsed.units[0].unit, 'dnsmasq.service');
    assert.equal(typeof parsed.units[0].exposure, 'number');
    const garbage = await cli(['parse', '-'], 'this is not\na systemd-analyze output\n');
    assert.equal(garbage.code, 1);
    assert.ok(JSON.parse(garbage.stdout).problems.length > 0);
  });

  test('whatif and suggest on a recorded report; a bad drop-in is refused with its line', async () => {
    const [web] = loadDemoReports().filter((r) => r.name === 'web-01.report.gz');
    const report = join(dir, 'web-01.report');
    writeFileSync(report, web?.text ?? '');
    const dropin = join(dir, 'override.conf');
    writeFileSync(dropin, '[Service]\nPrivateTmp=yes\nProtectSystem=strict\n');
    const predicted = await cli([
      'whatif',
      '--report',
      report,
      '--unit',
      'nginx.service',
      '--dropin',
      dropin,
    ]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const body = JSON.parse(predicted.stdout);
    assert.deepEqual(Object.keys(body), ['unit', 'before', 'after', 'exact', 'reason', 'changes']);
    assert.equal(body.before, 9.6);
    assert.ok(body.after < body.before);
    assert.ok(body.changes.some((c: { id: string; to: number }) => c.id === 'ProtectSystem' && c.to === 0));
    const suggestion = await cli(['suggest', '--report', report, '--unit', 'nginx.service']);
    assert.equal(suggestion.code, 0, suggestion.stderr);
    assert.match(suggestion.stdout, /^# override\.conf suggested by unitscore for nginx\.service/);
    assert.match(suggestion.stdout, /\n\[Service\]\n/);
    writeFileSync(dropin, '[Service]\nProtectSystem=sometimes\n');
    const bad = await cli(['whatif', '--report', report, '--unit', 'nginx.service', '--dropin', dropin]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /line 2: /);
    const missing = await cli(['whatif', '--report', report, '--unit', 'nosuch.service', '--dropin', dropin]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no unit "nosuch\.service"/);
  });

  test('scan --once --host/--label scans only those hosts; an unknown name is refused', async () => {
    const config = join(dir, 'some.yaml');
    writeFileSync(
      config,
      [
        `database: ${join(dir, 'some.db')}`,
        'hosts:',
        '  - {name: a, address: 127.0.0.1, port: 1, user: s, labels: [env=prod]}',
        '  - {name: b, address: 127.0.0.1, port: 1, user: s, labels: [env=dev]}',
        '  - {name: c, address: 127.0.0.1, port: 1, user: s, labels: [env=prod]}',
        '',
      ].join('\n'),
    );
    const byHost = await cli(['scan', '--config', config, '--once', '--json', '--host', 'b']);
    assert.equal(byHost.code, 1, 'the host cannot be scanned (no key, nothing listening)');
    assert.deepEqual(
      JSON.parse(byHost.stdout).map((r: { host: string }) => r.host),
      ['b'],
    );
    const byLabel = await cli(['scan', '--config', config, '--once', '--json', '--label', 'env=prod']);
    assert.deepEqual(
      JSON.parse(byLabel.stdout).map((r: { host: string }) => r.host),
      ['a', 'c'],
    );
    const unknown = await cli(['scan', '--config', config, '--once', '--host', 'zz']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no host named zz/);
  });

  test('import ansible prints a hosts block that loads as config', async () => {
    const inventory = join(dir, 'inventory.ini');
    writeFileSync(inventory, '[web]\nweb01 ansible_host=10.0.1.11\n[prod:children]\nweb\n');
    const { code, stdout } = await cli(['import', 'ansible', inventory, '--user', 'unitscore']);
    assert.equal(code, 0);
    const loaded = parseConfig(stdout, join(dir, 'imported.yaml'));
    assert.deepEqual(
      loaded.hosts.map((h) => [h.name, h.address, h.user, h.labels]),
      [['web01', '10.0.1.11', 'unitscore', ['group=prod', 'group=web']]],
    );
    assert.match(
      stdout,
      /name: web01\n\s+address: 10\.0\.1\.11\n\s+user: unitscore\n\s+labels: \[group=prod, group=web\]/,
    );
  });

  test('backup makes a consistent copy while the database is open for writing', async () => {
    const database = join(dir, 'live.db');
    const config = join(dir, 'live.yaml');
    writeFileSync(config, `database: ${database}\n`);
    const db = openDb(database);
    const id = syncInventory(db, [{ name: 'h', address: '10.0.0.1', port: 22, user: 's', labels: [] }]).get(
      'h',
    ) as number;
    for (let i = 0; i < 50; i++) {
      saveScan(
        db,
        id,
        okScan(
          [unit(`u${i}.service`, i, [check('PrivateTmp', false, 2)])],
          new Date(Date.UTC(2026, 0, 1, 0, i)),
        ),
      );
    }
    // The database stays open (WAL) in this process while another process copies it.
    const dest = join(dir, 'copy.db');
    const result = await cli(['backup', '--config', config, dest]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /integrity ok/);
    db.close();
    const copy = openDb(dest);
    assert.equal(copy.prepare('SELECT count(*) FROM scans').pluck().get(), 50);
    copy.close();
    const again = await cli(['backup', '--config', config, dest]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists; refusing to overwrite/);
  });
});

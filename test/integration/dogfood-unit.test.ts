// Dogfood: the dashboard's own unit (server/unitscore.service) scores 1.5 or lower with the real
// `systemd-analyze security --offline=true`, and actually runs the dashboard under those
// settings on a real systemd host (nspawn): it starts, answers the health route through the
// shared network, reads its SSH key from a credential, scans a host, and keeps its data owner-only.
import assert from 'node:assert/strict';
import { execFile as execFileCallback } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot } from '../../server/paths.js';
import { bootHosts, type Fleet, type NspawnHost } from '../support/nspawn.js';
import { executable, freePort, requirePrerequisites, waitFor } from '../support/sshd.js';

const run = promisify(execFileCallback);
const UNIT_FILE = join(packageRoot, 'server', 'unitscore.service');
const SYSUSERS_FILE = join(packageRoot, 'server', 'unitscore.sysusers');
const LIMIT = 1.5;

/** The overall exposure systemd prints on the last line: "Overall exposure level for X: 1.1 OK …". */
function overall(text: string): number {
  const match = /Overall exposure level for unitscore\.service: (\d+\.\d)/.exec(text);
  assert.ok(match?.[1], `no overall exposure in:\n${text}`);
  return Number(match[1]);
}

/** The checks that count against the unit: their names, from the ✗ rows. */
function failing(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('✗'))
    .map((l) => (l.slice(1).trim().split(/\s+/)[0] ?? '').trim())
    .sort();
}

test('systemd-analyze security --offline=true scores the unit at 1.5 or lower', async () => {
  requirePrerequisites('dogfood', [executable('/usr/bin/systemd-analyze', 'systemd')]);
  const { stdout } = await run(
    'systemd-analyze',
    ['security', '--offline=true', '--no-pager', `--threshold=${LIMIT * 10}`, UNIT_FILE],
    { env: { ...process.env, LC_ALL: 'C.UTF-8', SYSTEMD_COLORS: '0', SYSTEMD_EMOJI: '0' } },
  );
  const score = overall(stdout);
  process.stderr.write(`[dogfood] ${UNIT_FILE}: ${score} offline\n`);
  assert.ok(score <= LIMIT, `exposure ${score} > ${LIMIT}`);
  // What stays exposed is what the unit's header explains, nothing more.
  assert.deepEqual(failing(stdout), [
    'DeviceAllow=',
    'IPAddressDeny=',
    'MemoryDenyWriteExecute=',
    'PrivateNetwork=',
    'RestrictAddressFamilies=~AF_(INET|INET6)',
    'RootDirectory=/RootImage=',
  ]);
});

describe('the unit runs the dashboard on a real systemd host', () => {
  let fleet: Fleet;
  let host: NspawnHost;
  let url = '';

  const inHost = async (command: string) => {
    const r = await host.ssh('root', command);
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    return r.stdout;
  };
  const journal = async () => (await host.ssh('root', 'journalctl -u unitscore -o cat --no-pager')).stdout;

  before(
    async () => {
      const httpPort = await freePort();
      fleet = await bootHosts([
        {
          name: 'dogfood',
          // The package and node from this machine, read-only, where the unit expects them.
          bindReadOnly: [
            { from: packageRoot, to: '/opt/unitscore' },
            { from: process.execPath, to: '/usr/bin/node' },
          ],
          files: {
            '/etc/systemd/system/unitscore.service': readFileSync(UNIT_FILE, 'utf8'),
            '/etc/sysusers.d/unitscore.conf': readFileSync(SYSUSERS_FILE, 'utf8'),
            '/etc/unitscore/unitscore.yaml': [
              `listen: 127.0.0.1:${httpPort}`,
              'database: /var/lib/unitscore/unitscore.db',
              'ssh:',
              '  identityFile: /run/credentials/unitscore.service/scanner_ed25519',
              '  knownHosts: /etc/unitscore/known_hosts',
              'scan:',
              '  startSpreadSeconds: 0',
              '',
            ].join('\n'),
          },
        },
      ]);
      host = fleet.hosts[0] as NspawnHost;
      url = `http://127.0.0.1:${httpPort}`;
      // The dashboard scans its own host's sshd, as `scanner`, with the key given as a credential.
      const etc = join(host.root, 'etc', 'unitscore');
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'scanner_ed25519'), readFileSync(fleet.scannerKeyPath), { mode: 0o600 });
      chmodSync(join(etc, 'scanner_ed25519'), 0o600);
      writeFileSync(join(etc, 'known_hosts'), `${host.knownHostsLines.join('\n')}\n`);
      const config = join(etc, 'unitscore.yaml');
      writeFileSync(
        config,
        `${readFileSync(config, 'utf8')}hosts:\n  - name: dogfood\n    address: 127.0.0.1\n    port: ${host.port}\n    user: ${host.scannerUser}\n`,
      );
      await inHost('systemctl daemon-reload && systemctl start unitscore.service');
    },
    { timeout: 240_000 },
  );
  after(async () => {
    await host?.ssh('root', 'systemctl stop unitscore.service');
    await fleet?.stop();
  });

  test('it starts and answers the health route through the shared network', async () => {
    const health = await waitFor(
      `GET ${url}/api/v1/health`,
      async () => {
        const res = await fetch(`${url}/api/v1/health`).catch(() => null);
        return res?.status === 200 ? ((await res.json()) as { status: string; demo: boolean }) : undefined;
      },
      30_000,
      250,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\njournal:\n${await journal()}`);
    });
    assert.equal(health.status, 'ok');
    assert.equal(health.demo, false);
    // Everything else needs a login, there too.
    assert.equal((await fetch(`${url}/api/v1/hosts`)).status, 401);
    assert.match(
      String((await fetch(`${url}/api/v1/health`)).headers.get('content-security-policy')),
      /default-src 'none'/,
    );
  });

  test('it runs unprivileged, sandboxed, and scores as low online', async () => {
    const pid = Number((await inHost('systemctl show -P MainPID unitscore.service')).trim());
    assert.ok(pid > 1, `main pid ${pid}`);
    const status = await inHost(`cat /proc/${pid}/status`);
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(status)?.[1]?.trim();
    assert.equal(field('CapEff'), '0000000000000000');
    assert.equal(field('CapBnd'), '0000000000000000');
    assert.equal(field('NoNewPrivs'), '1');
    assert.equal(field('Seccomp'), '2');
    assert.equal((await inHost(`ps -o user= -p ${pid}`)).trim(), 'unitscore');
    const online = await inHost('SYSTEMD_COLORS=0 systemd-analyze security --no-pager unitscore.service');
    const score = overall(online);
    process.stderr.write(`[dogfood] unitscore.service running on ${host.name}: ${score} online\n`);
    assert.ok(score <= LIMIT, `online exposure ${score} > ${LIMIT}`);
  });

  test('first start: the journal has the setup token; with it, an admin sees the scan made through the credential', async () => {
    const token = await waitFor(
      'the setup token in the journal',
      async () => /#\/setup\?token=([A-Za-z0-9_-]+)/.exec(await journal())?.[1],
      20_000,
      250,
    );
    const setup = await fetch(`${url}/api/v1/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'admin', password: 'dogfood admin password' }),
    });
    assert.equal(setup.status, 200, await setup.clone().text());
    const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const scanned = await waitFor(
      'a successful scan of the host',
      async () => {
        const res = await fetch(`${url}/api/v1/hosts`, { headers: { cookie } });
        const { hosts } = (await res.json()) as {
          hosts: { name: string; lastScan: { status: string } | null; unitCount: number | null }[];
        };
        const self = hosts.find((h) => h.name === 'dogfood');
        return self?.lastScan ? self : undefined;
      },
      60_000,
      500,
    );
    assert.equal(scanned.lastScan?.status, 'ok', `scan: ${JSON.stringify(scanned)}\n${await journal()}`);
    assert.ok((scanned.unitCount ?? 0) > 5);
    // The private key never reaches the log.
    const log = await journal();
    const key = readFileSync(fleet.scannerKeyPath, 'utf8');
    const keyBody = key.split('\n')[1] ?? '';
    assert.ok(keyBody.length > 20 && !log.includes(keyBody), 'the journal holds no key material');
    const hosts = await (await fetch(`${url}/api/v1/hosts`, { headers: { cookie } })).text();
    assert.ok(
      !hosts.includes(keyBody) && !hosts.includes('scanner_ed25519'),
      'the API shows no key or key path',
    );
  });

  test("its data directory and database are the service user's alone", async () => {
    const stat = await inHost(
      'stat -c "%a %U %n" /var/lib/unitscore /var/lib/unitscore/unitscore.db /var/lib/unitscore/unitscore.db-wal',
    );
    assert.deepEqual(stat.trim().split('\n'), [
      '700 unitscore /var/lib/unitscore',
      '600 unitscore /var/lib/unitscore/unitscore.db',
      '600 unitscore /var/lib/unitscore/unitscore.db-wal',
    ]);
    // The key on disk is root's; the service reads its own copy in the credentials directory.
    assert.equal((await inHost('stat -c "%a %U" /etc/unitscore/scanner_ed25519')).trim(), '600 root');
  });
});

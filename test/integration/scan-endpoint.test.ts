// The hardened scan endpoint (issue 6 point 5, issue 7 point 3): agents/unitscore-sshd.socket
// starts one sshd per connection, as the unprivileged scanning account, inside the sandbox of
// agents/unitscore-sshd@.service; its ForceCommand runs the installed collection. Installed on a
// real Debian 12 host (systemd 252 as PID 1) as the README says: the collector gets every unit,
// scored as root's systemd-analyze scores it, from inside the sandbox (the kernel says so); the
// key runs nothing else; nothing of it runs between scans; and the unit scores well on its own
// measure.
import assert from 'node:assert/strict';
import { execFile as execFileCallback } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { scanHost } from '../../server/collect/scan-host.js';
import { agentsDir } from '../../server/paths.js';
import { analyzeOnHost, bootHosts, type Fleet, type NspawnHost } from '../support/nspawn.js';
import { executable, freePort, requirePrerequisites, sshExec, waitFor } from '../support/sshd.js';

const run = promisify(execFileCallback);
const SERVICE = path.join(agentsDir, 'unitscore-sshd@.service');
const LIMIT = 1.5;
const AGENT_FILES = [
  'unitscore-collect',
  'collect.sh',
  'sshd_config',
  'unitscore-sshd.socket',
  'unitscore-sshd@.service',
];

/** README "Preparing a host", the hardened endpoint, as written (the scanning key inserted). */
const ENDPOINT_PREPARATION = (publicKeyLine: string) => `set -e
cd /root/unitscore-agents
useradd --system --no-create-home --home-dir / --shell /bin/sh unitscore
install -d -m 755 /usr/local/lib/unitscore /etc/unitscore/ssh
install -m 755 unitscore-collect /usr/local/lib/unitscore/
install -m 644 collect.sh /usr/local/lib/unitscore/
install -m 644 sshd_config /etc/unitscore/ssh/
ssh-keygen -q -t ed25519 -N '' -C unitscore-endpoint -f /etc/unitscore/ssh/ssh_host_ed25519_key
chown unitscore: /etc/unitscore/ssh/ssh_host_ed25519_key
echo '${publicKeyLine}' > /etc/unitscore/ssh/authorized_keys
install -m 644 unitscore-sshd.socket unitscore-sshd@.service /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now unitscore-sshd.socket
`;

test('systemd-analyze security --offline=true scores the endpoint unit at 1.5 or lower', async () => {
  requirePrerequisites('scan endpoint', [executable('/usr/bin/systemd-analyze', 'systemd')]);
  const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', SERVICE], {
    env: { ...process.env, SYSTEMD_COLORS: '0' },
  });
  const score = Number(/Overall exposure level for unitscore-sshd@i\.service: (\d+\.\d)/.exec(stdout)?.[1]);
  assert.ok(score <= LIMIT, `scored ${score}:\n${stdout}`);
});

describe('the hardened scan endpoint, installed as the README says on a real systemd host', () => {
  let fleet: Fleet;
  let host: NspawnHost;
  let port: number;
  let knownHosts: string;
  const scan = () =>
    scanHost({
      name: host.name,
      address: '127.0.0.1',
      port,
      user: 'unitscore',
      identityFile: fleet.scannerKeyPath,
      knownHosts,
    });

  before(async () => {
    port = await freePort();
    const files: Record<string, string> = {
      // The test hosts share this machine's network: the endpoint listens on a free port here.
      '/etc/systemd/system/unitscore-sshd.socket.d/port.conf': `[Socket]\nListenStream=\nListenStream=127.0.0.1:${port}\n`,
    };
    for (const f of AGENT_FILES)
      files[`/root/unitscore-agents/${f}`] = readFileSync(path.join(agentsDir, f), 'utf8');
    fleet = await bootHosts([{ name: 'endpoint-01', files }]);
    host = fleet.hosts[0] as NspawnHost;
    const key = readFileSync(`${fleet.scannerKeyPath}.pub`, 'utf8').trim();
    const line = `restrict,command="/usr/local/lib/unitscore/unitscore-collect" ${key}`;
    const prepared = await host.ssh('root', 'sh -s', ENDPOINT_PREPARATION(line));
    assert.equal(prepared.code, 0, prepared.stderr);
    // The endpoint's own host key goes to unitscore's known_hosts (README: checked out of band).
    const pub = await host.ssh('root', 'cat /etc/unitscore/ssh/ssh_host_ed25519_key.pub');
    const [type, blob] = pub.stdout.trim().split(/\s+/);
    knownHosts = path.join(path.dirname(fleet.knownHostsPath), 'endpoint_known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${blob}\n`);
  });
  after(async () => {
    await fleet?.stop();
  });

  test('the collector scans every unit from inside the sandbox, scored as root scores it', async () => {
    const result = await scan();
    assert.equal(result.status, 'ok', `${result.status}: ${result.error}`);
    assert.equal(result.meta.user, 'unitscore');
    // What the kernel says of the collection's own processes.
    assert.equal(result.meta.no_new_privs, '1');
    assert.equal(result.meta.seccomp, '2', 'a seccomp filter is in force');
    assert.equal(result.meta.cap_eff, '0000000000000000');
    assert.ok(result.units.length >= 20, `${result.units.length} units`);
    const byRoot = await analyzeOnHost(
      host,
      result.units.map((u) => u.unit),
    );
    for (const u of result.units)
      assert.equal(u.exposure, Math.round((byRoot.get(u.unit)?.exposure ?? -1) * 10), u.unit);
  });

  test('the key runs nothing else through the endpoint', async () => {
    const target = {
      host: '127.0.0.1',
      port,
      user: 'unitscore',
      identityFile: fleet.scannerKeyPath,
      knownHosts,
    };
    for (const command of ['id', 'cat /etc/shadow', 'sh -c id']) {
      const r = await sshExec(target, command);
      assert.equal(r.code, 1, command);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /unitscore-collect: refused command/);
    }
  });

  test('nothing of the endpoint runs between scans', async () => {
    await scan();
    const running = async () =>
      (await host.ssh('root', "systemctl list-units --no-legend --plain 'unitscore-sshd@*'")).stdout.trim();
    await waitFor(
      'the per-connection units to end',
      async () => ((await running()) === '' ? true : undefined),
      10_000,
    );
    const socket = await host.ssh('root', 'systemctl is-active unitscore-sshd.socket');
    assert.equal(socket.stdout.trim(), 'active');
  });
});

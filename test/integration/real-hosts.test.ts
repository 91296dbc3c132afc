import assert from 'node:assert/strict';
import { execFile as execFileCallback } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { analyzeReport } from '../../server/analyze/analyze-report.js';
import { whatIf } from '../../server/analyze/score/index.js';
import {
  analyzeOnHost,
  bootHosts,
  CRON_STRONG_DROPIN,
  DANGEROUS_UNIT,
  DYNAMICUSER_ONLY_UNIT,
  type Fleet,
  HARDENED_UNIT,
  type HostSpec,
  NGINX_STRONG_DROPIN,
  NGINX_WEAK_DROPIN,
  type NspawnHost,
  ONESHOT_UNIT,
  RSYSLOG_STRONG_DROPIN,
  recordReport,
  SSH_DROPIN,
  type Truth,
} from '../support/nspawn.js';

// The whole path against real hosts (TESTING.md §3): Debian 12 containers with systemd 252 as
// PID 1, scanned over real OpenSSH by the `unitscore scan` CLI. The oracle is systemd itself:
// for every unit the CLI reports, `systemd-analyze security --no-pager UNIT` run on the host.

const execFile = promisify(execFileCallback);
const cli = fileURLToPath(new URL('../../server/cli.js', import.meta.url));

const SPECS: HostSpec[] = [
  {
    // nginx enabled and hardened, a hardened custom unit with DynamicUser
    name: 'alpha',
    files: {
      '/etc/systemd/system/nginx.service.d/50-hardening.conf': NGINX_STRONG_DROPIN,
      '/etc/systemd/system/metrics-exporter.service': HARDENED_UNIT,
    },
    enable: ['metrics-exporter.service'],
  },
  {
    // no nginx, rsyslog masked, a deliberately bad unit and a oneshot one
    name: 'beta',
    files: {
      '/etc/systemd/system/legacy-agent.service': DANGEROUS_UNIT,
      '/etc/systemd/system/db-migrate.service': ONESHOT_UNIT,
    },
    enable: ['legacy-agent.service', 'db-migrate.service'],
    disable: ['nginx.service'],
    mask: ['rsyslog.service'],
  },
  {
    // a bastion-like host: no nginx, hardened ssh, cron and rsyslog, a DynamicUser-only unit
    name: 'gamma',
    files: {
      '/etc/systemd/system/ssh.service.d/50-hardening.conf': SSH_DROPIN,
      '/etc/systemd/system/cron.service.d/50-hardening.conf': CRON_STRONG_DROPIN,
      '/etc/systemd/system/rsyslog.service.d/50-hardening.conf': RSYSLOG_STRONG_DROPIN,
      '/etc/systemd/system/cache-warmer.service': DYNAMICUSER_ONLY_UNIT,
    },
    enable: ['cache-warmer.service'],
    disable: ['nginx.service'],
  },
];

/** Drop-ins whose effect depends on what the checks hide (so the unit's files decide). */
const WHATIF_DROPINS = [
  'DynamicUser=yes',
  'PrivateDevices=yes',
  'DevicePolicy=closed',
  'ProtectSystem=strict\nPrivateTmp=yes\nProtectHome=read-only',
  'CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_ADMIN\nSystemCallFilter=~@mount @reboot',
  'User=nobody\nRestrictAddressFamilies=AF_UNIX AF_INET\nSystemCallArchitectures=native',
];

/** Undoes most of what DANGEROUS_UNIT gets wrong. */
const LEGACY_AGENT_FIX = `[Service]
AmbientCapabilities=
KeyringMode=private
NotifyAccess=main
Delegate=no
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
`;

interface CliHost {
  host: string;
  status: string;
  systemdVersion: number | null;
  error: string | null;
  units: { unit: string; exposure: number | null; predicate: string | null }[];
}

async function loadedServiceUnits(host: NspawnHost): Promise<string[]> {
  const outcome = await host.ssh(
    'root',
    'systemctl list-units --all --type=service --state=loaded --no-legend --plain --no-pager',
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  return outcome.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((u) => u.endsWith('.service'))
    .sort();
}

describe('unitscore scan against real systemd hosts (nspawn)', () => {
  let fleet: Fleet;
  let dir: string;
  let config: string;

  before(async () => {
    const started = Date.now();
    fleet = await bootHosts(SPECS);
    process.stderr.write(
      `booted ${fleet.hosts.length} hosts in ${Date.now() - started} ms ` +
        `(${fleet.hosts.map((h) => `${h.name}: ${h.bootMs} ms`).join(', ')})\n`,
    );
    dir = await mkdtemp(path.join(os.tmpdir(), 'unitscore-real-hosts-'));
    config = path.join(dir, 'unitscore.yaml');
    const hosts = fleet.hosts
      .map(
        (h) =>
          `  - name: ${h.name}\n    address: ${h.address}\n    port: ${h.port}\n    user: ${h.scannerUser}\n` +
          `    labels: [env=test, host=${h.name}]\n`,
      )
      .join('');
    await writeFile(
      config,
      `database: ${path.join(dir, 'unitscore.db')}\n` +
        `ssh:\n  identityFile: ${fleet.scannerKeyPath}\n  knownHosts: ${fleet.knownHostsPath}\n` +
        `hosts:\n${hosts}`,
    );
  });

  after(async () => {
    if (fleet) {
      const started = Date.now();
      await fleet.stop();
      process.stderr.write(`stopped the hosts in ${Date.now() - started} ms\n`);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function scan(): Promise<Map<string, CliHost>> {
    let stdout: string;
    try {
      ({ stdout } = await execFile(process.execPath, [cli, 'scan', '--config', config, '--once', '--json'], {
        maxBuffer: 64 * 1024 * 1024,
        timeout: 120_000,
      }));
    } catch (err) {
      const e = err as Error & { stdout?: string; stderr?: string; code?: number };
      assert.fail(`unitscore scan exited ${e.code}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
    }
    const results = JSON.parse(stdout) as CliHost[];
    assert.deepEqual(
      results.map((r) => r.host),
      fleet.hosts.map((h) => h.name),
    );
    return new Map(results.map((r) => [r.host, r]));
  }

  /** Every unit the CLI reports has the exposure and predicate systemd prints on that host. */
  async function assertMatchesHosts(results: Map<string, CliHost>): Promise<Map<string, Map<string, Truth>>> {
    const all = new Map<string, Map<string, Truth>>();
    for (const host of fleet.hosts) {
      const result = results.get(host.name);
      assert.ok(result);
      assert.equal(result.status, 'ok', `${host.name}: ${result.status}: ${result.error}`);
      assert.equal(result.error, null);
      assert.equal(result.systemdVersion, 252);
      const units = result.units.map((u) => u.unit).sort();
      assert.deepEqual(
        units,
        await loadedServiceUnits(host),
        `${host.name}: the units are the loaded services`,
      );
      const truth = await analyzeOnHost(host, units);
      for (const u of result.units) {
        const expected = truth.get(u.unit);
        assert.ok(expected, `${host.name} ${u.unit}`);
        assert.equal(u.exposure, expected.exposure, `${host.name} ${u.unit}: exposure`);
        assert.equal(u.predicate, expected.predicate, `${host.name} ${u.unit}: predicate`);
      }
      all.set(host.name, truth);
    }
    return all;
  }

  let first: Map<string, Map<string, Truth>>;

  test('every host ok, every unit scored as systemd-analyze scores it on that host', async () => {
    first = await assertMatchesHosts(await scan());
  });

  test('the unit sets differ between the hosts as configured', () => {
    assert.ok(first, 'needs the first scan');
    const alpha = first.get('alpha');
    const beta = first.get('beta');
    assert.ok(alpha && beta);
    for (const unit of ['nginx.service', 'metrics-exporter.service', 'rsyslog.service', 'ssh.service']) {
      assert.ok(alpha.has(unit), `alpha has ${unit}`);
    }
    for (const unit of ['legacy-agent.service', 'db-migrate.service', 'ssh.service']) {
      assert.ok(beta.has(unit), `beta has ${unit}`);
    }
    for (const unit of ['nginx.service', 'rsyslog.service', 'metrics-exporter.service']) {
      assert.ok(!beta.has(unit), `beta has no ${unit}`);
    }
    assert.ok(!alpha.has('legacy-agent.service'));
    const gamma = first.get('gamma');
    assert.ok(gamma);
    assert.ok(
      gamma.has('cache-warmer.service') && !gamma.has('nginx.service') && !gamma.has('legacy-agent.service'),
    );
    // Its drop-ins show: hardened ssh, cron and rsyslog score below the stock ones elsewhere.
    for (const unit of ['ssh.service', 'cron.service', 'rsyslog.service']) {
      const stock = unit === 'cron.service' ? beta.get(unit) : alpha.get(unit);
      assert.ok((gamma.get(unit)?.exposure ?? 10) < (stock?.exposure ?? 0), `gamma ${unit} is hardened`);
    }
    // The configuration shows in the scores: hardened low, deliberately bad at the top.
    assert.ok((alpha.get('nginx.service')?.exposure ?? 10) < 5, 'alpha nginx is hardened');
    assert.ok((alpha.get('metrics-exporter.service')?.exposure ?? 10) < 1);
    assert.deepEqual(beta.get('legacy-agent.service'), { exposure: 10, predicate: 'DANGEROUS' });
    assert.equal(alpha.get('ssh.service')?.exposure, beta.get('ssh.service')?.exposure, 'same stock ssh');
  });

  test('a drop-in and daemon-reload change a score; the rescan follows systemd', async () => {
    assert.ok(first, 'needs the first scan');
    const [alpha, beta] = fleet.hosts;
    assert.ok(alpha && beta);
    // alpha: a deploy replaces the nginx hardening with two lines (worse);
    // beta: the bad unit gets a hardening drop-in (better).
    const worse = await alpha.ssh(
      'root',
      'cat > /etc/systemd/system/nginx.service.d/50-hardening.conf && systemctl daemon-reload',
      NGINX_WEAK_DROPIN,
    );
    assert.equal(worse.code, 0, worse.stderr);
    const better = await beta.ssh(
      'root',
      'mkdir -p /etc/systemd/system/legacy-agent.service.d && ' +
        'cat > /etc/systemd/system/legacy-agent.service.d/50-hardening.conf && systemctl daemon-reload',
      LEGACY_AGENT_FIX,
    );
    assert.equal(better.code, 0, better.stderr);

    const second = await assertMatchesHosts(await scan());
    const before = (host: string, unit: string) => first.get(host)?.get(unit)?.exposure ?? Number.NaN;
    const now = (host: string, unit: string) => second.get(host)?.get(unit)?.exposure ?? Number.NaN;
    assert.ok(now('alpha', 'nginx.service') > before('alpha', 'nginx.service'), 'alpha nginx got worse');
    assert.ok(
      now('beta', 'legacy-agent.service') < before('beta', 'legacy-agent.service'),
      'legacy-agent better',
    );
    // Nothing else moved.
    for (const [host, units] of second) {
      for (const [unit, truth] of units) {
        if (
          (host === 'alpha' && unit === 'nginx.service') ||
          (host === 'beta' && unit === 'legacy-agent.service')
        )
          continue;
        assert.equal(truth.exposure, before(host, unit), `${host} ${unit} unchanged`);
      }
    }
  });

  test('what-if from the report: every unit explained by its files, every prediction exact and equal to systemd online', async () => {
    const script = await readFile('agents/collect.sh', 'utf8');
    let predictions = 0;
    for (const host of fleet.hosts) {
      const { analysis, unitFiles } = analyzeReport(await recordReport(host, script));
      const units = analysis.units.map((u) => u.unit);
      assert.ok(units.length >= 20, `${host.name}: ${units.length} units`);
      for (const u of units) {
        const files = unitFiles.get(u) ?? '';
        assert.match(files, /^# \//m, `${host.name} ${u}: the report carries its files`);
        assert.doesNotMatch(
          files,
          /^(ExecStart|Environment|Description)=/m,
          'only scored keys leave the host',
        );
      }
      for (const dropIn of WHATIF_DROPINS) {
        const text = `[Service]\n${dropIn}\n`;
        const put = await host.ssh(
          'root',
          // Runtime drop-ins (/run): gamma's hardened sshd, and so a root session, sees /etc read-only.
          'set -e; while IFS= read -r u; do mkdir -p "/run/systemd/system/$u.d"; ' +
            `printf '%s' '${text}' > "/run/systemd/system/$u.d/90-whatif.conf"; done; systemctl daemon-reload`,
          `${units.join('\n')}\n`,
        );
        assert.equal(put.code, 0, put.stderr);
        const truth = await analyzeOnHost(host, units);
        for (const a of analysis.units) {
          const p = whatIf(a, text, {
            mode: 'online',
            systemdVersion: 252,
            configuration: unitFiles.get(a.unit),
          });
          const label = `${host.name} ${a.unit} + ${JSON.stringify(dropIn)}`;
          assert.equal(p.basis, 'configuration', `${label}: ${p.basisNote}`);
          assert.equal(p.exact, true, `${label}: ${p.reason}`);
          if (p.after !== truth.get(a.unit)?.exposure) {
            // What the host had loaded, to tell a model error from a unit that changed under the test.
            const state = await host.ssh(
              'root',
              'read -r u; systemctl status --no-pager -- "$u"; systemctl cat --no-pager -- "$u"; systemctl show -p DynamicUser,User,NeedDaemonReload -- "$u"',
              `${a.unit}\n`,
            );
            assert.fail(
              `${label}: predicted ${p.after}, systemd ${truth.get(a.unit)?.exposure}\n${state.stdout}`,
            );
          }
          predictions++;
        }
      }
      const undo = await host.ssh(
        'root',
        'set -e; while IFS= read -r u; do rm -f "/run/systemd/system/$u.d/90-whatif.conf"; done; systemctl daemon-reload',
        `${units.join('\n')}\n`,
      );
      assert.equal(undo.code, 0, undo.stderr);
    }
    process.stderr.write(`what-if online: ${predictions} predictions exact and equal to systemd\n`);
  });
});

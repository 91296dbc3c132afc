import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  execFile,
  executable,
  freePort,
  generateKeyPair,
  knownHostsLine,
  onProcessExit,
  type Prerequisite,
  processAlive,
  processCommandLine,
  requirePrerequisites,
  runningAsRoot,
  type SshOutcome,
  sshExec,
  waitFor,
  waitForExit,
} from './sshd.js';

// Real Debian 12 hosts with systemd as PID 1, booted in systemd-nspawn (TESTING.md §3). Each host
// is an overlayfs over one cached debootstrap base, with its own hostname, machine-id, sshd host
// keys and port, a `scanner` user and root reachable by key, and its own set of units.

/** The cached base; UNITSCORE_TEST_BASE points elsewhere (e.g. to try a rebuild without touching the cache). */
export const BASE_DIR = process.env.UNITSCORE_TEST_BASE || '/var/cache/unitscore/base-bookworm';
const BASE_PACKAGES = 'systemd,systemd-sysv,dbus,openssh-server,cron,nginx-light,rsyslog';
const STATE_ROOT = '/var/tmp/unitscore-nspawn';
export const SCANNER_USER = 'scanner';

export interface HostSpec {
  /** Host name inside the container (/etc/hostname): [a-z0-9-]. */
  name: string;
  /** Files written into the host before boot, by absolute path inside it (units, drop-ins). */
  files?: Record<string, string>;
  /** `systemctl enable` / `disable` / `mask` inside the host before boot. */
  enable?: string[];
  disable?: string[];
  mask?: string[];
  /** Directories or files of this machine bound read-only into the host (`--bind-ro=FROM:TO`). */
  bindReadOnly?: { from: string; to: string }[];
}

export interface NspawnHost {
  name: string;
  /** Name given to systemd-nspawn -M; unique per run. */
  machine: string;
  address: string;
  /** sshd's port on 127.0.0.1. */
  port: number;
  /** nginx's port on 127.0.0.1 (nginx runs only where it is enabled). */
  httpPort: number;
  /** The host's sshd public host keys, as in /etc/ssh/ssh_host_*_key.pub. */
  hostKeyPubLines: string[];
  /** `[127.0.0.1]:port type key` lines for every host key. */
  knownHostsLines: string[];
  scannerUser: string;
  scannerKeyPath: string;
  rootKeyPath: string;
  /** The merged root directory, as seen from this machine. */
  root: string;
  /** ms from spawning nspawn until sshd answered and the system was up. */
  bootMs: number;
  /** Runs a command on the host over real ssh. */
  ssh(user: 'root' | 'scanner', command: string, input?: string): Promise<SshOutcome>;
  stop(): Promise<void>;
}

export interface Fleet {
  hosts: NspawnHost[];
  /** known_hosts with the keys of every host of this fleet. */
  knownHostsPath: string;
  scannerKeyPath: string;
  rootKeyPath: string;
  /** Wall time of bootHosts, base check to the last host up (all boot in parallel). */
  bootMs: number;
  stop(): Promise<void>;
}

const prerequisites: Prerequisite[] = [
  runningAsRoot,
  executable('/usr/bin/systemd-nspawn', 'systemd-container'),
  executable('/usr/bin/ssh', 'openssh-client'),
  executable('/usr/bin/ssh-keygen', 'openssh-client'),
  {
    what: 'overlayfs in the kernel (modprobe overlay)',
    ok: () => {
      try {
        return /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
      } catch {
        return false;
      }
    },
  },
  {
    what: `the Debian base at ${BASE_DIR}, or debootstrap to build it (apt-get install -y debootstrap)`,
    ok: () => existsSync(BASE_DIR) || existsSync('/usr/sbin/debootstrap'),
  },
];

function log(message: string): void {
  process.stderr.write(`[nspawn] ${message}\n`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ---------------------------------------------------------------------------------------------
// The shared base

/** Builds the debootstrap base if absent: into a temporary directory, renamed when complete. */
export async function ensureBase(): Promise<string> {
  // A build that a crashed run left half done.
  const parent = path.dirname(BASE_DIR);
  const prefix = `${path.basename(BASE_DIR)}.tmp-`;
  for (const entry of existsSync(parent) ? readdirSync(parent) : []) {
    const owner = Number(entry.slice(prefix.length).split('-')[0]);
    if (entry.startsWith(prefix) && !(owner > 0 && processAlive(owner))) {
      log(`removing an unfinished base build: ${path.join(parent, entry)}`);
      await rm(path.join(parent, entry), { recursive: true, force: true });
    }
  }
  if (!existsSync(BASE_DIR)) {
    const tmp = `${BASE_DIR}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
    log(
      `no Debian base at ${BASE_DIR}: building it with debootstrap (bookworm minbase + ${BASE_PACKAGES}); ` +
        'this takes about a minute, once, and is cached',
    );
    const started = Date.now();
    const ticker = setInterval(
      () => log(`still building the base (${Math.round((Date.now() - started) / 1000)} s) in ${tmp}`),
      15_000,
    );
    await mkdir(path.dirname(BASE_DIR), { recursive: true });
    try {
      await execFile(
        'debootstrap',
        ['--variant=minbase', `--include=${BASE_PACKAGES}`, 'bookworm', tmp, 'http://deb.debian.org/debian'],
        { maxBuffer: 64 * 1024 * 1024 },
      );
      await rename(tmp, BASE_DIR);
      log(`built ${BASE_DIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      // A test process running side by side may have built it first: then use that one.
      if (!existsSync(BASE_DIR))
        throw new Error(`debootstrap of ${BASE_DIR} failed: ${(err as Error).message}`);
    } finally {
      clearInterval(ticker);
    }
  }
  const needed = [
    'usr/lib/systemd/systemd',
    'usr/sbin/sshd',
    'usr/sbin/nginx',
    'usr/sbin/cron',
    'usr/sbin/rsyslogd',
  ];
  const missing = needed.filter((f) => !existsSync(path.join(BASE_DIR, f)));
  if (missing.length > 0) {
    throw new Error(
      `the Debian base ${BASE_DIR} is incomplete (missing ${missing.join(', ')}); ` +
        'delete it and let the tests rebuild it',
    );
  }
  return BASE_DIR;
}

// ---------------------------------------------------------------------------------------------
// Stale state from a crashed run

interface HostDirs {
  dir: string;
  upper: string;
  work: string;
  root: string;
  pidFile: string;
  machineFile: string;
  logPath: string;
}

function hostDirs(dir: string): HostDirs {
  return {
    dir,
    upper: path.join(dir, 'upper'),
    work: path.join(dir, 'work'),
    root: path.join(dir, 'root'),
    pidFile: path.join(dir, 'nspawn.pid'),
    machineFile: path.join(dir, 'machine'),
    logPath: path.join(dir, 'nspawn.log'),
  };
}

function mountPointsUnder(dir: string): string[] {
  const points: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // Field 5 is the mount point, with spaces and such escaped as \040 octal.
    const mountPoint = line.split(' ')[4];
    if (!mountPoint) continue;
    const decoded = mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(Number.parseInt(o, 8)),
    );
    if (decoded === dir || decoded.startsWith(`${dir}/`)) points.push(decoded);
  }
  return points.sort((a, b) => b.length - a.length); // deepest first
}

function unmountAllSync(dir: string): void {
  for (let attempt = 0; attempt < 20; attempt++) {
    const points = mountPointsUnder(dir);
    if (points.length === 0) return;
    for (const point of points) {
      try {
        execFileSync('umount', [point], { stdio: 'ignore' });
      } catch {
        // busy: retried below, then detached lazily
      }
    }
    if (attempt >= 10) {
      for (const point of mountPointsUnder(dir)) {
        try {
          execFileSync('umount', ['--lazy', point], { stdio: 'ignore' });
        } catch {
          // reported below
        }
      }
    }
    sleepSync(100);
  }
  const left = mountPointsUnder(dir);
  if (left.length > 0) throw new Error(`cannot unmount ${left.join(', ')}`);
}

function nspawnPid(dirs: HostDirs): number | null {
  try {
    const pid = Number(readFileSync(dirs.pidFile, 'utf8').trim());
    // The pid file may be older than a reboot: only a systemd-nspawn of this root is ours.
    if (Number.isInteger(pid) && pid > 1 && processCommandLine(pid).includes(dirs.root)) return pid;
  } catch {
    // no pid file: nspawn never started
  }
  return null;
}

function removePropagateDir(machine: string): void {
  // nspawn leaves /run/systemd/nspawn/propagate/MACHINE behind when /run is not a tmpfs.
  const dir = `/run/systemd/nspawn/propagate/${machine}`;
  if (machine && existsSync(dir) && mountPointsUnder(dir).length === 0)
    rmSync(dir, { recursive: true, force: true });
}

/** Stops and removes one host synchronously: for exit handlers and the stale sweep. */
function teardownSync(dirs: HostDirs): void {
  const pid = nspawnPid(dirs);
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
    for (let i = 0; i < 300 && processAlive(pid); i++) sleepSync(50);
    if (processAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
      for (let i = 0; i < 40 && processAlive(pid); i++) sleepSync(50);
    }
  }
  unmountAllSync(dirs.dir);
  let machine = '';
  try {
    machine = readFileSync(dirs.machineFile, 'utf8').trim();
  } catch {
    // never got that far
  }
  removePropagateDir(machine);
  rmSync(dirs.dir, { recursive: true, force: true });
}

/** Removes hosts of test processes that are gone: running containers, overlay mounts, dirs. */
export function sweepStale(): void {
  if (!existsSync(STATE_ROOT)) return;
  for (const entry of readdirSync(STATE_ROOT)) {
    const owner = Number(entry.split('-')[0]);
    if (owner === process.pid || (Number.isInteger(owner) && owner > 0 && processAlive(owner))) continue;
    log(`removing leftovers of an earlier run: ${path.join(STATE_ROOT, entry)}`);
    teardownSync(hostDirs(path.join(STATE_ROOT, entry)));
  }
}

// ---------------------------------------------------------------------------------------------
// Preparing and booting one host

function chroot(root: string, ...args: string[]): Promise<unknown> {
  return execFile('chroot', [root, ...args]);
}

async function writeInto(root: string, file: string, content: string, mode = 0o644): Promise<void> {
  const target = path.join(root, file);
  await mkdir(path.dirname(target), { recursive: true });
  await rm(target, { force: true }); // the base's file may be read-only (machine-id)
  await writeFile(target, content, { mode });
  await chmod(target, mode);
}

interface FleetKeys {
  scanner: { privatePath: string; publicLine: string };
  root: { privatePath: string; publicLine: string };
}

async function prepareHost(
  spec: HostSpec,
  keys: FleetKeys,
  dirs: HostDirs,
  port: number,
  httpPort: number,
): Promise<void> {
  const { root } = dirs;
  await mkdir(dirs.upper, { recursive: true });
  await mkdir(dirs.work, { recursive: true });
  await mkdir(root, { recursive: true });
  await execFile('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${BASE_DIR},upperdir=${dirs.upper},workdir=${dirs.work}`,
    root,
  ]);

  await writeInto(root, '/etc/hostname', `${spec.name}\n`);
  await writeInto(root, '/etc/machine-id', `${randomBytes(16).toString('hex')}\n`, 0o444);

  // Own host keys: remove the base's, generate fresh ones of every default type.
  for (const file of readdirSync(path.join(root, 'etc/ssh'))) {
    if (file.startsWith('ssh_host_')) await rm(path.join(root, 'etc/ssh', file));
  }
  await chroot(root, 'ssh-keygen', '-A');
  await writeInto(
    root,
    '/etc/ssh/sshd_config.d/test.conf',
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      'LogLevel VERBOSE',
      'UseDNS no',
      'MaxStartups 100:30:200',
      '',
    ].join('\n'),
  );

  // The hosts share this machine's network: each nginx gets its own loopback port instead of :80.
  const site = path.join(root, 'etc/nginx/sites-available/default');
  const siteText = await readFile(site, 'utf8');
  await writeInto(
    root,
    '/etc/nginx/sites-available/default',
    siteText
      .replace(/^\tlisten 80 default_server;$/m, `\tlisten 127.0.0.1:${httpPort} default_server;`)
      .replace(/^\tlisten \[::\]:80 default_server;\n/m, ''),
  );

  // `scanner`: unprivileged, `*` as password hash (no password, not locked), a real sh.
  await chroot(root, 'useradd', '--create-home', '--shell', '/bin/sh', '--user-group', SCANNER_USER);
  await chroot(root, 'usermod', '--password', '*', SCANNER_USER);
  await writeInto(root, `/home/${SCANNER_USER}/.ssh/authorized_keys`, `${keys.scanner.publicLine}\n`, 0o600);
  await chmod(path.join(root, 'home', SCANNER_USER, '.ssh'), 0o700);
  await chroot(root, 'chown', '-R', `${SCANNER_USER}:${SCANNER_USER}`, `/home/${SCANNER_USER}/.ssh`);
  await writeInto(root, '/root/.ssh/authorized_keys', `${keys.root.publicLine}\n`, 0o600);
  await chmod(path.join(root, 'root/.ssh'), 0o700);

  for (const [file, content] of Object.entries(spec.files ?? {})) await writeInto(root, file, content);
  // Offline systemctl on the tree: the same symlinks `systemctl enable` makes on a live host.
  for (const [verb, units] of [
    ['enable', spec.enable],
    ['disable', spec.disable],
    ['mask', spec.mask],
  ] as const) {
    if (units && units.length > 0) await execFile('systemctl', [`--root=${root}`, '--quiet', verb, ...units]);
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-25).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface BootOptions {
  /** Per host, from spawn to ready. */
  timeoutMs?: number;
}

/**
 * Boots one container per spec, all in parallel, and waits until each one's sshd answers as
 * root and `systemctl is-system-running --wait` says running or degraded.
 */
export async function bootHosts(specs: HostSpec[], options: BootOptions = {}): Promise<Fleet> {
  requirePrerequisites('nspawn-hosts', prerequisites);
  const names = new Set(specs.map((s) => s.name));
  if (names.size !== specs.length) throw new Error('host names must be unique');
  for (const spec of specs) {
    if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(spec.name)) throw new Error(`bad host name: ${spec.name}`);
  }
  const started = Date.now();
  await ensureBase();
  sweepStale();
  await mkdir(STATE_ROOT, { recursive: true, mode: 0o755 });

  const runId = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const fleetDirs = hostDirs(path.join(STATE_ROOT, `${runId}-fleet`));
  await mkdir(fleetDirs.dir, { mode: 0o700 });
  const keys: FleetKeys = {
    scanner: await generateKeyPair(
      path.join(fleetDirs.dir, 'scanner_ed25519'),
      `${SCANNER_USER}@unitscore-tests`,
    ),
    root: await generateKeyPair(path.join(fleetDirs.dir, 'root_ed25519'), 'root@unitscore-tests'),
  };
  const knownHostsPath = path.join(fleetDirs.dir, 'known_hosts');

  const hosts: NspawnHost[] = [];
  const teardowns: HostDirs[] = [];
  const unregister = onProcessExit(() => {
    for (const dirs of teardowns) teardownSync(dirs);
    rmSync(fleetDirs.dir, { recursive: true, force: true });
  });

  const stopping = new Map<HostDirs, Promise<void>>();
  const stopHost = (dirs: HostDirs): Promise<void> => {
    let done = stopping.get(dirs);
    if (!done) {
      done = (async () => {
        const pid = nspawnPid(dirs);
        if (pid !== null) {
          try {
            process.kill(pid, 'SIGTERM'); // nspawn asks the container's systemd to power off
          } catch {
            // already gone
          }
          await waitForExit(pid, 20_000);
        }
        unmountAllSync(dirs.dir);
        removePropagateDir(readFileSync(dirs.machineFile, 'utf8').trim());
        await rm(dirs.dir, { recursive: true, force: true });
        // Only now: until the host is gone, the exit handler still knows about it.
        teardowns.splice(teardowns.indexOf(dirs), 1);
      })();
      stopping.set(dirs, done);
    }
    return done;
  };

  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled([...teardowns].map((d) => stopHost(d)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    // The exit handler stays registered for whatever could not be stopped.
    if (failures.length > 0) throw new Error(`stopping hosts failed: ${failures.join('; ')}`);
    unregister();
    await rm(fleetDirs.dir, { recursive: true, force: true });
  };

  try {
    const usedPorts = new Set<number>();
    const plans = [];
    const newPort = async () => {
      let port = await freePort('127.0.0.1');
      while (usedPorts.has(port)) port = await freePort('127.0.0.1');
      usedPorts.add(port);
      return port;
    };
    for (const spec of specs) {
      const port = await newPort();
      const httpPort = await newPort();
      const machine = `us-${spec.name}-${randomBytes(2).toString('hex')}`.slice(0, 60);
      const dirs = hostDirs(path.join(STATE_ROOT, `${runId}-${spec.name}`));
      await mkdir(dirs.dir, { mode: 0o700 });
      await writeFile(dirs.machineFile, `${machine}\n`);
      teardowns.push(dirs);
      plans.push({ spec, port, httpPort, machine, dirs });
    }

    await Promise.all(
      plans.map(async ({ spec, port, httpPort, machine, dirs }) => {
        await prepareHost(spec, keys, dirs, port, httpPort);
        const hostKeyPubLines: string[] = [];
        for (const file of readdirSync(path.join(dirs.root, 'etc/ssh')).sort()) {
          if (/^ssh_host_.*_key\.pub$/.test(file)) {
            hostKeyPubLines.push((await readFile(path.join(dirs.root, 'etc/ssh', file), 'utf8')).trim());
          }
        }
        const knownHostsLines = hostKeyPubLines.map((l) => knownHostsLine('127.0.0.1', port, l, 'bracketed'));

        const bootStart = Date.now();
        const logFd = openSync(dirs.logPath, 'a');
        // detached: setsid, so the container is no part of the test's process group or terminal.
        const child = spawn(
          'systemd-nspawn',
          [
            '-D',
            dirs.root,
            '-b',
            '--register=no',
            '--keep-unit',
            '--console=passive',
            '-M',
            machine,
            ...(spec.bindReadOnly ?? []).map((b) => `--bind-ro=${b.from}:${b.to}`),
          ],
          { detached: true, stdio: ['ignore', logFd, logFd] },
        );
        closeSync(logFd);
        child.unref();
        if (child.pid === undefined) throw new Error(`systemd-nspawn did not start for ${spec.name}`);
        await writeFile(dirs.pidFile, `${child.pid}\n`);
        let exited: string | null = null;
        child.once('exit', (code, signal) => {
          exited = `systemd-nspawn for ${spec.name} exited (${signal ?? code})`;
        });

        const host: NspawnHost = {
          name: spec.name,
          machine,
          address: '127.0.0.1',
          port,
          httpPort,
          hostKeyPubLines,
          knownHostsLines,
          scannerUser: SCANNER_USER,
          scannerKeyPath: keys.scanner.privatePath,
          rootKeyPath: keys.root.privatePath,
          root: dirs.root,
          bootMs: 0,
          ssh: (user, command, input = '') =>
            sshExec(
              {
                host: '127.0.0.1',
                port,
                user,
                identityFile: user === 'root' ? keys.root.privatePath : keys.scanner.privatePath,
                knownHosts: path.join(dirs.dir, 'known_hosts'),
              },
              command,
              input,
            ),
          stop: () => stopHost(dirs),
        };
        await writeFile(path.join(dirs.dir, 'known_hosts'), `${knownHostsLines.join('\n')}\n`);

        const timeoutMs = options.timeoutMs ?? 60_000;
        let lastSsh = '';
        try {
          const state = await waitFor(
            `${spec.name} (sshd on 127.0.0.1:${port}, then systemctl is-system-running)`,
            async () => {
              if (exited) throw new Error(exited);
              const r = await host.ssh('root', 'systemctl is-system-running --wait', '');
              const out = r.stdout.trim();
              if (out === 'running' || out === 'degraded') return out;
              lastSsh = r.stderr.trim();
              if (r.code === 255) return undefined; // ssh itself: sshd not listening yet
              throw new Error(`system state ${out || r.stderr.trim()}`);
            },
            timeoutMs,
            100,
          );
          if (state === 'degraded') {
            const failed = await host.ssh('root', 'systemctl --failed --no-legend --plain --no-pager');
            log(
              `${spec.name} is up but degraded; failed units: ${failed.stdout.trim().replace(/\n/g, '; ')}`,
            );
          }
        } catch (err) {
          const sshNote = lastSsh ? `\nlast ssh error: ${lastSsh}` : '';
          throw new Error(
            `${(err as Error).message}${sshNote}\nlast lines of ${dirs.logPath}:\n${logTail(dirs.logPath)}`,
          );
        }
        host.bootMs = Date.now() - bootStart;
        hosts.push(host);
      }),
    );
  } catch (err) {
    await stopAll().catch((stopErr: unknown) => log(String(stopErr)));
    throw err;
  }

  hosts.sort((a, b) => specs.findIndex((s) => s.name === a.name) - specs.findIndex((s) => s.name === b.name));
  await writeFile(knownHostsPath, `${hosts.flatMap((h) => h.knownHostsLines).join('\n')}\n`);
  return {
    hosts,
    knownHostsPath,
    scannerKeyPath: keys.scanner.privatePath,
    rootKeyPath: keys.root.privatePath,
    bootMs: Date.now() - started,
    stop: stopAll,
  };
}

// ---------------------------------------------------------------------------------------------
// The oracle on a host

/** One unit's overall exposure and predicate as systemd printed them. */
export interface Truth {
  exposure: number;
  predicate: string;
}

/**
 * What systemd-analyze prints for each unit, run as root on the host in its default environment,
 * one invocation per unit. Unit names go over stdin, never into a command line.
 */
export async function analyzeOnHost(host: NspawnHost, units: string[]): Promise<Map<string, Truth>> {
  const script = `while IFS= read -r u; do
  printf '%s\\t' "$u"
  systemd-analyze security --no-pager -- "$u" 2>&1 | grep 'Overall exposure level for' || echo 'NO RESULT'
done`;
  const outcome = await host.ssh('root', script, `${units.join('\n')}\n`);
  assert.equal(outcome.code, 0, `systemd-analyze on ${host.name}: ${outcome.stderr}`);
  const truth = new Map<string, Truth>();
  for (const line of outcome.stdout.split('\n').filter(Boolean)) {
    const [unit, rest = ''] = line.split('\t');
    const m = rest.match(/Overall exposure level for (\S+): (\d+\.\d) (\S+)/);
    assert.ok(m && unit, `systemd-analyze security ${unit} on ${host.name} printed: ${rest}`);
    assert.equal(m[1], unit);
    truth.set(unit, { exposure: Number(m[2]), predicate: m[3] as string });
  }
  return truth;
}

// ---------------------------------------------------------------------------------------------
// Recording reports with agents/collect.sh

export const DEMO_BOUNDARY = 'DEMOBOUNDARY';

/**
 * Runs agents/collect.sh on `host` as `scanner` over real ssh, the way the collector does:
 * the script on the stdin of `sh -s`, the boundary preset in front of it.
 */
export async function recordReport(
  host: NspawnHost,
  script: string,
  boundary = DEMO_BOUNDARY,
): Promise<string> {
  const outcome = await host.ssh('scanner', 'sh -s', `UNITSCORE_BOUNDARY=${boundary}\n${script}`);
  if (outcome.code !== 0)
    throw new Error(`collect.sh on ${host.name} exited ${outcome.code}: ${outcome.stderr}`);
  return outcome.stdout;
}

/** Checks a recorded report has what the analysers need; returns the problems found. */
export function reportProblems(report: string, boundary = DEMO_BOUNDARY): string[] {
  const problems: string[] = [];
  const frame = (rest: string) => `\n@${boundary} ${rest}\n`;
  if (!report.startsWith(`unitscore-report 1 ${boundary}\n`))
    problems.push('first line is not the report header');
  for (const needed of [
    'section meta',
    'section overview',
    'exit overview 0',
    'section unit-list',
    'section units-json',
    'exit units-json 0',
    'section unit-files',
    'end',
  ]) {
    if (!report.includes(frame(needed))) problems.push(`no frame "@${boundary} ${needed}"`);
  }
  if (!/\nanalyze=ok\n/.test(report)) problems.push('meta analyze is not ok');
  if (!/\nsystemd_version=\d+\n/.test(report)) problems.push('no systemd_version in meta');
  const section = (name: string) => {
    const start = report.indexOf(frame(`section ${name}`));
    if (start < 0) return '';
    const body = report.slice(start + frame(`section ${name}`).length);
    return body.slice(0, body.indexOf(`\n@${boundary} `));
  };
  if (!/^UNIT\s+EXPOSURE PREDICATE HAPPY$/m.test(section('overview')))
    problems.push('overview has no table header');
  const unitList = section('unit-list').split('\n').filter(Boolean);
  if (unitList.length < 5) problems.push(`unit-list has only ${unitList.length} units`);
  // collect.sh 2 on systemd 252: the JSON alone, one array per unit and the overview array.
  if (report.includes(frame('section units'))) problems.push('a text units section (collect.sh 1?)');
  const json = section('units-json')
    .split('\n')
    .filter((l) => l.startsWith('['));
  if (json.length !== unitList.length + 1)
    problems.push(`units-json has ${json.length} arrays for ${unitList.length} units and the overview`);
  try {
    const named = (JSON.parse(json.at(-1) ?? '[]') as { unit?: string }[]).map((r) => r.unit);
    if (named.join('\n') !== unitList.join('\n'))
      problems.push('units-json overview does not name every listed unit');
    for (const line of json) JSON.parse(line);
  } catch {
    problems.push('units-json has a line that is not JSON');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Unit files and drop-ins shared by the demo recordings and the integration tests

/** A hardening drop-in for nginx that nginx still starts with. */
export const NGINX_STRONG_DROPIN = `[Service]
ProtectSystem=strict
ReadWritePaths=/var/log/nginx /var/lib/nginx /run
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
NoNewPrivileges=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallFilter=setuid setgid setgroups chown
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_CHOWN CAP_DAC_OVERRIDE
`;

/** What often stays of a hardening effort: two lines. */
export const NGINX_WEAK_DROPIN = `[Service]
PrivateTmp=yes
NoNewPrivileges=yes
`;

export const CRON_MEDIUM_DROPIN = `[Service]
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
`;

export const CRON_STRONG_DROPIN = `${CRON_MEDIUM_DROPIN}PrivateDevices=yes
ProtectHostname=yes
RestrictNamespaces=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_DAC_OVERRIDE CAP_CHOWN CAP_FOWNER CAP_KILL CAP_AUDIT_WRITE
`;

export const RSYSLOG_MILD_DROPIN = `[Service]
PrivateTmp=yes
ProtectHome=read-only
`;

export const RSYSLOG_STRONG_DROPIN = `[Service]
ProtectSystem=strict
ReadWritePaths=/var/log /var/spool/rsyslog /run
ProtectHome=yes
PrivateTmp=yes
PrivateNetwork=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
NoNewPrivileges=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_UNIX
SystemCallArchitectures=native
SystemCallFilter=@system-service
CapabilityBoundingSet=CAP_SYSLOG CAP_DAC_READ_SEARCH CAP_SETUID CAP_SETGID
`;

export const SSH_DROPIN = `[Service]
ProtectSystem=full
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectClock=yes
RestrictRealtime=yes
LockPersonality=yes
SystemCallArchitectures=native
`;

/** A custom unit that gets almost everything wrong on purpose. */
export const DANGEROUS_UNIT = `[Unit]
Description=Legacy monitoring agent (deliberately unhardened)

[Service]
ExecStart=/bin/sleep infinity
User=root
AmbientCapabilities=CAP_SYS_ADMIN CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_OVERRIDE
KeyringMode=shared
NotifyAccess=all
Delegate=yes
UMask=0000
ProtectSystem=no
PrivateTmp=no

[Install]
WantedBy=multi-user.target
`;

/** A custom unit hardened as far as systemd 252 lets a plain daemon go. */
export const HARDENED_UNIT = `[Unit]
Description=Metrics exporter (hardened)

[Service]
ExecStart=/bin/sleep infinity
DynamicUser=yes
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateNetwork=yes
PrivateUsers=yes
PrivateIPC=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
IPAddressDeny=any
DevicePolicy=closed
UMask=0077

[Install]
WantedBy=multi-user.target
`;

/** DynamicUser and little else: the half-done job. */
export const DYNAMICUSER_ONLY_UNIT = `[Unit]
Description=Cache warmer (DynamicUser, little else)

[Service]
ExecStart=/bin/sleep infinity
DynamicUser=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;

export const ONESHOT_UNIT = `[Unit]
Description=Database schema migration (oneshot)

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true

[Install]
WantedBy=multi-user.target
`;

const dropIn = (unit: string, content: string) => ({
  [`/etc/systemd/system/${unit}.d/50-hardening.conf`]: content,
});

/** The fleet behind server/demo/reports/ (see its README). */
export const DEMO_FLEET: HostSpec[] = [
  { name: 'web-01' },
  {
    name: 'web-02',
    files: {
      ...dropIn('nginx.service', NGINX_STRONG_DROPIN),
      ...dropIn('cron.service', CRON_MEDIUM_DROPIN),
      ...dropIn('rsyslog.service', RSYSLOG_MILD_DROPIN),
      '/etc/systemd/system/metrics-exporter.service': HARDENED_UNIT,
    },
    enable: ['metrics-exporter.service'],
  },
  {
    name: 'worker-01',
    files: {
      '/etc/systemd/system/legacy-agent.service': DANGEROUS_UNIT,
      '/etc/systemd/system/db-migrate.service': ONESHOT_UNIT,
    },
    enable: ['legacy-agent.service', 'db-migrate.service'],
    disable: ['nginx.service'],
    mask: ['e2scrub_reap.service', 'rsyslog.service'],
  },
  {
    name: 'bastion-01',
    files: {
      ...dropIn('ssh.service', SSH_DROPIN),
      ...dropIn('cron.service', CRON_STRONG_DROPIN),
      ...dropIn('rsyslog.service', RSYSLOG_STRONG_DROPIN),
    },
    disable: ['nginx.service'],
  },
  {
    name: 'cache-01',
    files: {
      ...dropIn('nginx.service', NGINX_WEAK_DROPIN),
      ...dropIn('rsyslog.service', RSYSLOG_STRONG_DROPIN),
      '/etc/systemd/system/cache-warmer.service': DYNAMICUSER_ONLY_UNIT,
    },
    enable: ['cache-warmer.service'],
  },
];

// ---------------------------------------------------------------------------------------------
// CLI: node dist/test/support/nspawn.js record-demo-reports [OUT_DIR] [collect.sh]

async function recordDemoReports(outDir: string, scriptPath: string): Promise<void> {
  const script = await readFile(scriptPath, 'utf8');
  const fleet = await bootHosts(DEMO_FLEET);
  const written: string[] = [];
  try {
    log(
      `fleet of ${fleet.hosts.length} up in ${fleet.bootMs} ms (${fleet.hosts.map((h) => `${h.name} ${h.bootMs} ms`).join(', ')})`,
    );
    await mkdir(outDir, { recursive: true });
    const save = async (name: string, report: string) => {
      const problems = reportProblems(report);
      if (problems.length > 0) throw new Error(`report ${name} is not usable:\n  ${problems.join('\n  ')}`);
      // Gzipped: a 57-unit report (JSON with debug keys) is ~0.95 MB, ~20 KB packed.
      const file = path.join(outDir, `${name}.report.gz`);
      await writeFile(file, gzipSync(report, { level: 9 }));
      written.push(`${file} (${statSync(file).size} bytes)`);
    };
    for (const host of fleet.hosts) await save(host.name, await recordReport(host, script));

    // web-02 after a deploy that replaced its nginx hardening with the two-line version: the same
    // host (hostname, machine-id) scanned again, for history and regression alerts.
    const web02 = fleet.hosts.find((h) => h.name === 'web-02');
    if (!web02) throw new Error('web-02 missing from the demo fleet');
    const change = await web02.ssh(
      'root',
      'cat > /etc/systemd/system/nginx.service.d/50-hardening.conf && systemctl daemon-reload && systemctl restart nginx',
      NGINX_WEAK_DROPIN,
    );
    if (change.code !== 0) throw new Error(`changing nginx on web-02 failed: ${change.stderr}`);
    await save('web-02-regressed', await recordReport(web02, script));
  } finally {
    const stopStart = Date.now();
    await fleet.stop();
    log(`fleet stopped in ${Date.now() - stopStart} ms`);
  }
  for (const line of written) log(`wrote ${line}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, outDir = 'server/demo/reports', script = 'agents/collect.sh'] = process.argv.slice(2);
  if (command !== 'record-demo-reports') {
    process.stderr.write(
      'usage: node dist/test/support/nspawn.js record-demo-reports [OUT_DIR] [COLLECT_SH]\n',
    );
    process.exit(2);
  }
  recordDemoReports(outDir, script).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}

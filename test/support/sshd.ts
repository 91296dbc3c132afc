import { execFile as execFileCallback, execFileSync, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

// A real OpenSSH sshd (Debian's /usr/sbin/sshd) on a loopback address, for the integration tier
// (TESTING.md §2), plus the small SSH helpers the nspawn fleet shares: key generation,
// known_hosts lines, free ports, waiting, and cleanup that also runs when a test process dies.

export const execFile = promisify(execFileCallback);

export const SSHD_BIN = '/usr/sbin/sshd';
const STATE_ROOT = '/tmp/unitscore-sshd';
const DEFAULT_USER = 'unitscore-test';

// ---------------------------------------------------------------------------------------------
// Prerequisites: a tier that cannot run must fail and say why, never skip into green.

export interface Prerequisite {
  /** What is needed, as a person would install it. */
  what: string;
  ok: () => boolean;
}

export function executable(file: string, pkg: string): Prerequisite {
  return {
    what: `${file} (apt-get install -y ${pkg})`,
    ok: () => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}

export const runningAsRoot: Prerequisite = {
  what: 'root (uid 0): this tier creates users, mounts overlays and starts daemons',
  ok: () => process.getuid?.() === 0,
};

/** Throws one error that names every missing prerequisite of `tier`. */
export function requirePrerequisites(tier: string, prerequisites: Prerequisite[]): void {
  const missing = prerequisites.filter((p) => !p.ok()).map((p) => p.what);
  if (missing.length > 0) {
    throw new Error(
      `The ${tier} test tier cannot run on this machine; missing:\n  - ${missing.join('\n  - ')}\n` +
        'This is a failure, not a skip: install what is missing (see test/README.md).',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup that survives a failing test: t.after()/after() is the normal path, this is the net
// for an uncaught exception or a signal. Hooks are synchronous because 'exit' allows nothing else.

const exitHooks = new Set<() => void>();
let exitHandlersInstalled = false;

function runExitHooks(): void {
  for (const hook of [...exitHooks]) {
    exitHooks.delete(hook);
    try {
      hook();
    } catch {
      // Best effort: the next run's stale sweep gets whatever is left.
    }
  }
}

export function onProcessExit(hook: () => void): () => void {
  if (!exitHandlersInstalled) {
    exitHandlersInstalled = true;
    process.on('exit', runExitHooks);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runExitHooks();
        process.kill(process.pid, signal);
      });
    }
  }
  exitHooks.add(hook);
  return () => exitHooks.delete(hook);
}

/** Whether `pid` runs. A zombie has finished: daemons are reaped by PID 1, whenever it gets to it. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pid's command line, or '' when it is gone. Used to check a pid before signalling it. */
export function processCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined; throws naming `what` on timeout. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/** Waits for `pid` to exit, sending SIGKILL when it outlives `graceMs`. */
export async function waitForExit(pid: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await sleep(50);
      if (!processAlive(pid)) return;
      throw new Error(`process ${pid} did not exit after SIGKILL`);
    }
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------------------------
// Keys and known_hosts

export interface KeyPair {
  /** The private key file, usable as ssh -i / identityFile. */
  privatePath: string;
  /** The OpenSSH public key line: `ssh-ed25519 AAAA… comment`. */
  publicLine: string;
}

export async function generateKeyPair(file: string, comment: string): Promise<KeyPair> {
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await execFile('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return { privatePath: file, publicLine: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

export type KnownHostsFormat = 'plain' | 'bracketed' | 'hashed';

/**
 * One known_hosts line for `publicKeyLine` (`type base64 [comment]`), the way ssh writes them:
 * `plain` is the bare host (ssh only looks it up for port 22), `bracketed` is `[host]:port`,
 * `hashed` is `|1|salt|HMAC-SHA1(salt, name)` of the name ssh looks up (HashKnownHosts).
 */
export function knownHostsLine(
  host: string,
  port: number,
  publicKeyLine: string,
  format: KnownHostsFormat,
): string {
  const [type, blob] = publicKeyLine.trim().split(/\s+/);
  if (!type || !blob) throw new Error(`not an OpenSSH public key line: ${publicKeyLine}`);
  const lookupName = port === 22 ? host : `[${host}]:${port}`;
  let pattern: string;
  if (format === 'plain') {
    if (port !== 22) throw new Error(`a plain known_hosts entry only matches port 22, not ${port}`);
    pattern = host;
  } else if (format === 'bracketed') {
    pattern = `[${host}]:${port}`;
  } else {
    const salt = randomBytes(20);
    const hmac = createHmac('sha1', salt).update(lookupName).digest();
    pattern = `|1|${salt.toString('base64')}|${hmac.toString('base64')}`;
  }
  return `${pattern} ${type} ${blob}`;
}

// ---------------------------------------------------------------------------------------------
// OpenSSH's ssh client, the reference peer for checks and recordings

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHosts: string;
}

export interface SshOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with OpenSSH's ssh, host key checked strictly, nothing from ~/.ssh used. */
export function sshExec(
  target: SshTarget,
  command: string,
  input = '',
  timeoutMs = 60_000,
): Promise<SshOutcome> {
  const args = [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${target.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
    '-i',
    target.identityFile,
    '-p',
    String(target.port),
    '-l',
    target.user,
    target.host,
    '--',
    command,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {}); // the remote side may not read all of its stdin
    child.stdin.end(input);
  });
}

// ---------------------------------------------------------------------------------------------
// Addresses and ports

function tryListen(address: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen({ host: address, port, exclusive: true }, () => {
      const bound = server.address();
      const boundPort = typeof bound === 'object' && bound ? bound.port : null;
      server.close(() => resolve(boundPort));
    });
  });
}

/** A port nothing listens on at `address` right now (the kernel's pick). */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  const port = await tryListen(address, 0);
  if (port === null) throw new Error(`cannot bind any port on ${address}`);
  return port;
}

/**
 * A free 127.0.1.N address (every 127/8 address reaches this machine), with `port` free on it,
 * or a free port chosen by the kernel when `port` is not given.
 */
export async function loopbackEndpoint(port?: number): Promise<{ address: string; port: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const address = `127.0.1.${2 + Math.floor(Math.random() * 252)}`;
    const bound = await tryListen(address, port ?? 0);
    if (bound !== null) return { address, port: bound };
  }
  throw new Error(`no free 127.0.1.N address${port ? ` with port ${port} free` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// The local test user

export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function lookupUser(name: string): LocalUser | null {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const fields = line.split(':');
    return { name, uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '' };
  } catch {
    return null;
  }
}

/**
 * An unprivileged local user with a real sh as login shell (so `sh -s` runs) and `*` as password
 * hash: no password can match, yet the account is not locked (`!` would lock it for sshd).
 */
export async function ensureUser(name = DEFAULT_USER): Promise<LocalUser> {
  if (!lookupUser(name)) {
    try {
      await execFile('useradd', ['--create-home', '--shell', '/bin/sh', '--user-group', name]);
    } catch (err) {
      // Another test process may have created it a moment ago.
      if (!lookupUser(name)) throw err;
    }
  }
  await execFile('usermod', ['--password', '*', '--shell', '/bin/sh', name]);
  const user = lookupUser(name);
  if (!user) throw new Error(`user ${name} not found after useradd`);
  await mkdir(user.home, { recursive: true });
  await chown(user.home, user.uid, user.gid);
  await chmod(user.home, 0o755);
  const sshDir = path.join(user.home, '.ssh');
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  await chown(sshDir, user.uid, user.gid);
  await chmod(sshDir, 0o700);
  return user;
}

// ---------------------------------------------------------------------------------------------
// sshd

export interface SshdOptions {
  /** Listen address; default a free 127.0.1.N. */
  address?: string;
  /** Listen port; default a free one. Use 22 to test plain (unbracketed) known_hosts entries. */
  port?: number;
  /** Local user to log in as; created if absent. */
  user?: string;
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /**
   * The authorized_keys lines, given the client key's public line; default one line with the
   * session-marker forced command (see `sessions()`), which custom lines do not have.
   */
  authorizedKeys?: (clientKeyPub: string) => string[];
}

export interface Sshd {
  host: string;
  port: number;
  /** The host key's OpenSSH public key line (`ssh-ed25519 AAAA… comment`). */
  hostKeyPub: string;
  /** `SHA256:…` as ssh-keygen -l prints it. */
  hostKeyFingerprint: string;
  /** The client private key allowed to log in as `user`. */
  clientKeyPath: string;
  clientKeyPub: string;
  user: string;
  /** sshd's own log (-E), LogLevel VERBOSE. */
  logPath: string;
  /** A scratch directory owned by root for the test's own files (known_hosts, other keys). */
  dir: string;
  log(): Promise<string>;
  /** Whether sshd logged a successful public key login of `user`. */
  acceptedLogins(): Promise<number>;
  /**
   * Sessions that started: the authorized key carries a forced command that appends a line to a
   * marker file and then runs the requested command, so no session can run unnoticed.
   */
  sessions(): Promise<number>;
  /** Writes a known_hosts file for this server into `dir` and returns its path. */
  writeKnownHosts(name: string, lines: string[]): Promise<string>;
  knownHostsLine(format: KnownHostsFormat): string;
  stop(): Promise<void>;
}

interface InstanceFiles {
  dir: string;
  pidFile: string;
  config: string;
  authorizedKeys: string;
}

function instanceFiles(dir: string, home: string): InstanceFiles {
  return {
    dir,
    pidFile: path.join(dir, 'sshd.pid'),
    config: path.join(dir, 'sshd_config'),
    authorizedKeys: path.join(home, '.ssh', `authorized_keys.${path.basename(dir)}`),
  };
}

/** Stops sshd by the pid in its PidFile, after checking that pid runs this instance's config. */
function killByPidFile(files: InstanceFiles): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(files.pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1) return null;
  if (!processCommandLine(pid).includes(files.config)) return null;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return null;
  }
  return pid;
}

/** Removes what a crashed earlier test process left: sshd daemons, directories, key files. */
function sweepStaleInstances(home: string): void {
  if (!existsSync(STATE_ROOT)) return;
  for (const entry of readdirSync(STATE_ROOT)) {
    const owner = Number(entry.split('-')[0]);
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) continue;
    const files = instanceFiles(path.join(STATE_ROOT, entry), home);
    killByPidFile(files);
    rmSync(files.authorizedKeys, { force: true });
    rmSync(files.dir, { recursive: true, force: true });
  }
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  requirePrerequisites('real-sshd', [
    runningAsRoot,
    executable(SSHD_BIN, 'openssh-server'),
    executable('/usr/bin/ssh-keygen', 'openssh-client'),
    executable('/usr/sbin/useradd', 'passwd'),
  ]);
  const user = await ensureUser(options.user ?? DEFAULT_USER);
  sweepStaleInstances(user.home);

  let endpoint: { address: string; port: number };
  if (options.address) {
    endpoint = { address: options.address, port: options.port ?? (await freePort(options.address)) };
  } else {
    endpoint = await loopbackEndpoint(options.port);
  }
  const { address, port } = endpoint;

  await mkdir(STATE_ROOT, { recursive: true, mode: 0o755 });
  await chmod(STATE_ROOT, 0o755);
  const dir = path.join(STATE_ROOT, `${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir, { mode: 0o755 });
  const files = instanceFiles(dir, user.home);
  const logPath = path.join(dir, 'sshd.log');
  const sessionsPath = path.join(dir, 'sessions');

  const hostKey = await generateKeyPair(path.join(dir, 'ssh_host_ed25519_key'), `sshd-${address}-${port}`);
  const clientKey = await generateKeyPair(path.join(dir, 'client_ed25519'), `${user.name}@unitscore-tests`);

  await writeFile(sessionsPath, '');
  await chown(sessionsPath, user.uid, user.gid);
  // sh -c runs the forced command as the user; $SSH_ORIGINAL_COMMAND is what the client asked.
  const forced = `echo session >> ${sessionsPath}; exec /bin/sh -c \\"$SSH_ORIGINAL_COMMAND\\"`;
  const authorizedLines = options.authorizedKeys?.(clientKey.publicLine) ?? [
    `command="${forced}" ${clientKey.publicLine}`,
  ];
  await writeFile(files.authorizedKeys, `${authorizedLines.join('\n')}\n`, { mode: 0o600 });
  await chown(files.authorizedKeys, user.uid, user.gid);

  const config = [
    // First: sshd keeps the first value it reads for a keyword, so these override the defaults.
    ...(options.extraConfig ?? []),
    `Port ${port}`,
    `ListenAddress ${address}`,
    `HostKey ${hostKey.privatePath}`,
    `PidFile ${files.pidFile}`,
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    // Per instance, so tests running side by side never share a key file.
    `AuthorizedKeysFile .ssh/${path.basename(files.authorizedKeys)}`,
    `AllowUsers ${user.name}`,
    'PermitRootLogin no',
    'StrictModes yes',
    'LogLevel VERBOSE',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'PrintMotd no',
    'MaxStartups 100:30:200',
  ];
  await writeFile(files.config, `${config.join('\n')}\n`);

  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  await execFile(SSHD_BIN, ['-t', '-f', files.config]);
  const unregister = onProcessExit(() => {
    killByPidFile(files);
    rmSync(files.authorizedKeys, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  // Without -D, sshd detaches once it listens and then writes its PidFile.
  await execFile(SSHD_BIN, ['-f', files.config, '-E', logPath]);
  await waitFor(
    `sshd on ${address}:${port} to write ${files.pidFile}`,
    () => (existsSync(files.pidFile) ? true : undefined),
    5000,
    20,
  );

  const hostKeyFingerprint = (
    await execFile('ssh-keygen', ['-l', '-f', `${hostKey.privatePath}.pub`])
  ).stdout.split(/\s+/)[1] as string;

  let stopped = false;
  const sshd: Sshd = {
    host: address,
    port,
    hostKeyPub: hostKey.publicLine,
    hostKeyFingerprint,
    clientKeyPath: clientKey.privatePath,
    clientKeyPub: clientKey.publicLine,
    user: user.name,
    logPath,
    dir,
    log: () => readFile(logPath, 'utf8'),
    async acceptedLogins() {
      const text = await readFile(logPath, 'utf8');
      return text.split('\n').filter((l) => l.includes(`Accepted publickey for ${user.name} `)).length;
    },
    async sessions() {
      const text = await readFile(sessionsPath, 'utf8');
      return text.split('\n').filter((l) => l === 'session').length;
    },
    async writeKnownHosts(name, lines) {
      const file = path.join(dir, name);
      await writeFile(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
      return file;
    },
    knownHostsLine: (format) => knownHostsLine(address, port, hostKey.publicLine, format),
    async stop() {
      if (stopped) return;
      stopped = true;
      const pid = killByPidFile(files);
      if (pid !== null) await waitForExit(pid, 5000);
      unregister();
      await rm(files.authorizedKeys, { force: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
  return sshd;
}

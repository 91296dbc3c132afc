import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collect } from '../../server/collect/collect.js';
import { scanHost } from '../../server/collect/scan-host.js';
import { agentsDir } from '../../server/paths.js';
import { bootHosts, type Fleet, type NspawnHost } from '../support/nspawn.js';
import {
  generateKeyPair,
  type KeyPair,
  type Sshd,
  sleep,
  sshExec,
  startSshd,
  waitFor,
} from '../support/sshd.js';

// Least privilege on the host (issue 7, point 3): the scanning key, installed with the line of
// agents/authorized_keys.example (`restrict,command="…unitscore-collect"`), runs the collection
// and nothing else. Against real OpenSSH sshd: the collector gets its report through the forced
// command; every other command, an interactive login, a pty, and every kind of forwarding are
// refused; and a key without the options (the control) can do each of those things on the same
// sshd, so the refusals are the key line's doing, not the server's config.

const INSTALLED = '/usr/local/lib/unitscore/unitscore-collect';
const exampleLine = readFileSync(path.join(agentsDir, 'authorized_keys.example'), 'utf8')
  .split('\n')
  .find((l) => l.trim() !== '' && !l.startsWith('#'));
assert.ok(exampleLine?.includes(`command="${INSTALLED}"`), 'the example line names the installed script');
const exampleOptions = (exampleLine ?? '').split(' ')[0] as string;

/** The example's line for `publicLine`, the forced command pointed at `script [collect.sh]`. */
function scanningKeyLine(publicLine: string, command: string): string {
  return `${exampleOptions.replace(INSTALLED, command)} ${publicLine}`;
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** OpenSSH's ssh with `args`: options, then `--` and the command, if any; nothing from ~/.ssh. */
function ssh(sshd: Sshd, key: string, knownHosts: string, args: string[], input = ''): Promise<Outcome> {
  const base = [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'ConnectTimeout=5',
    '-i',
    key,
    '-p',
    String(sshd.port),
    '-l',
    sshd.user,
  ];
  const split = args.indexOf('--');
  const options = split < 0 ? args : args.slice(0, split);
  const command = split < 0 ? [] : args.slice(split);
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...base, ...options, sshd.host, ...command], {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** A TCP server that counts the connections it accepts: the far end of a forwarding attempt. */
async function countingTarget(): Promise<{
  port: number;
  accepted: () => number;
  close: () => Promise<void>;
}> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    socket.end('hello from the target\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Connects to 127.0.0.1:port and returns what arrives before the connection ends. */
function readAll(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c: Buffer) => {
      data += c.toString('utf8');
    });
    socket.on('error', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

describe('the scanning key with its forced command, against a real sshd', () => {
  let sshd: Sshd;
  let control: KeyPair;
  let missing: KeyPair;
  let knownHosts: string;
  const lib = `/tmp/unitscore-forced-${process.pid}-${randomBytes(3).toString('hex')}`;
  const marker = `${lib}-marker`; // a command that ran would create it: /tmp is writable to all
  const refusedNote =
    /^unitscore-collect: refused command ".*": this key runs the unitscore collection only \(sh -s\)$/m;

  before(async () => {
    // Installed the way the README says: root-owned, the user can read and run, not write.
    await mkdir(lib, { mode: 0o755 });
    await chmod(lib, 0o755);
    await copyFile(path.join(agentsDir, 'unitscore-collect'), path.join(lib, 'unitscore-collect'));
    await chmod(path.join(lib, 'unitscore-collect'), 0o755);
    await copyFile(path.join(agentsDir, 'collect.sh'), path.join(lib, 'collect.sh'));
    await chmod(path.join(lib, 'collect.sh'), 0o644);
    control = await generateKeyPair(`${lib}-control_ed25519`, 'control');
    missing = await generateKeyPair(`${lib}-missing_ed25519`, 'missing-collect');
    const forced = `${lib}/unitscore-collect ${lib}/collect.sh`;
    sshd = await startSshd({
      // Everything the key line must take away is allowed server-wide.
      extraConfig: [
        'AllowTcpForwarding yes',
        'PermitTTY yes',
        'AllowAgentForwarding yes',
        'Subsystem sftp internal-sftp',
      ],
      authorizedKeys: (clientPub) => [
        scanningKeyLine(clientPub, forced),
        // The same options, but collect.sh not installed where the command says.
        scanningKeyLine(missing.publicLine, `${lib}/unitscore-collect ${lib}/nowhere/collect.sh`),
        control.publicLine,
      ],
    });
    knownHosts = await sshd.writeKnownHosts('known_hosts', [sshd.knownHostsLine('bracketed')]);
  });
  after(async () => {
    await sshd?.stop();
    await rm(lib, { recursive: true, force: true });
    for (const f of [marker, `${lib}-control_ed25519`, `${lib}-missing_ed25519`]) {
      await rm(f, { force: true });
      await rm(`${f}.pub`, { force: true });
    }
  });

  const target = (identityFile = sshd.clientKeyPath) => ({
    name: 'forced',
    address: sshd.host,
    port: sshd.port,
    user: sshd.user,
    identityFile,
    knownHosts,
  });
  const asScanner = (args: string[], input = '') => ssh(sshd, sshd.clientKeyPath, knownHosts, args, input);
  const asControl = (args: string[], input = '') => ssh(sshd, control.privatePath, knownHosts, args, input);

  test('the collector gets a complete report through the forced command', async () => {
    const result = await collect(target());
    assert.equal(result.status, 'ok', `${result.status}: ${result.error}`);
    const report = result.report?.toString('utf8') ?? '';
    const boundary = /^unitscore-report 1 ([A-Za-z0-9]+)\n/.exec(report)?.[1];
    assert.ok(boundary, 'the report header');
    assert.ok(report.includes(`\n@${boundary} section meta\n`));
    assert.match(report, /\nagent=collect\.sh 2\n/);
    assert.match(report, new RegExp(`\nuser=${sshd.user}\n`));
    assert.match(report, /\nanalyze=(ok|missing|unsupported)\n/);
    assert.ok(report.endsWith(`\n@${boundary} end\n`), 'the end frame');
    // The boundary is the collector's (24 hex digits from the first stdin line), not one the
    // script picked (a uuid's 32).
    assert.match(boundary, /^[0-9a-f]{24}$/);
  });

  test('the script sent on stdin is ignored: the installed collect.sh runs, with the boundary of line 1', async () => {
    const hostile = `UNITSCORE_BOUNDARY=abc123\necho PWNED; touch ${marker}; cat /etc/passwd\n`;
    const r = await asScanner(['--', 'sh -s'], hostile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^unitscore-report 1 abc123\n/);
    assert.ok(r.stdout.endsWith('\n@abc123 end\n'));
    assert.doesNotMatch(r.stdout, /PWNED|root:x:0:0/);
    assert.equal(existsSync(marker), false, 'the stdin script did not run');
  });

  test('a malformed boundary line is not used (and never reaches a shell)', async () => {
    for (const first of [
      `UNITSCORE_BOUNDARY=abc;touch ${marker}`,
      `UNITSCORE_BOUNDARY=$(touch ${marker})`,
      `UNITSCORE_BOUNDARY=${'a'.repeat(200)}`, // no newline within 128 bytes
      'UNITSCORE_BOUNDARY=',
      'echo hello',
    ]) {
      const r = await asScanner(['--', 'sh -s'], `${first}\n`);
      assert.equal(r.code, 0, r.stderr);
      // collect.sh picked its own boundary (a uuid without dashes)
      assert.match(r.stdout, /^unitscore-report 1 [0-9a-f]{32}\n/, first);
    }
    assert.equal(existsSync(marker), false);
  });

  test('any other command is refused: nothing runs, exit 1, a message on stderr', async () => {
    for (const command of [
      'cat /etc/passwd',
      'id',
      `touch ${marker}`,
      'sh -s; id',
      'sh -s -c id',
      'sh  -s',
      '/bin/sh -s',
      'sh -c "id"',
      `sh -s\ntouch ${marker}`,
      'scp -f /etc/passwd', // legacy scp protocol
      'internal-sftp',
    ]) {
      const r = await asScanner(['--', command]);
      assert.equal(r.code, 1, `${command}: exit ${r.code}`);
      assert.equal(r.stdout, '', command);
      assert.match(r.stderr, refusedNote, command);
    }
    assert.equal(existsSync(marker), false, 'no refused command ran');
    // The control key runs them: the refusal is the key line's.
    const id = await asControl(['--', 'id -un']);
    assert.equal(id.stdout.trim(), sshd.user);
  });

  test('an interactive login is refused, and so is a pty', async () => {
    const login = await asScanner(['-T']);
    assert.equal(login.code, 1);
    assert.match(
      login.stderr,
      /unitscore-collect: refused: this key runs the unitscore collection only, no interactive login/,
    );

    // -tt: ask for a pty whatever stdin is. sshd refuses it (no-pty, from `restrict`), and ssh
    // gives up on a session whose pty it was told to insist on (exit 255): nothing runs in it.
    for (const args of [['-tt'], ['-tt', '--', 'sh -s'], ['-tt', '--', 'tty']]) {
      const r = await asScanner(args, `touch ${marker}\n`);
      assert.match(r.stderr, /PTY allocation request failed/, args.join(' '));
      assert.equal(r.code, 255, args.join(' '));
      assert.doesNotMatch(r.stdout, /\/dev\/pts\/|unitscore-report/);
    }
    assert.equal(existsSync(marker), false);

    const controlPty = await asControl(['-tt', '--', 'tty']);
    assert.match(controlPty.stdout, /\/dev\/pts\/\d+/, 'the control key gets a pty');
  });

  test('the sftp subsystem is refused', async () => {
    // sshd hands a subsystem to the forced command too (SSH_ORIGINAL_COMMAND=internal-sftp),
    // and passes no stderr back for it: the exit status is the refusal's.
    const subsystem = await asScanner(['-s', '--', 'sftp'], 'anything');
    assert.equal(subsystem.code, 1);
    assert.equal(subsystem.stdout, '');
    const sftp = (key: string) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          'sftp',
          [
            '-F',
            '/dev/null',
            '-b',
            '-',
            '-o',
            'BatchMode=yes',
            '-o',
            `UserKnownHostsFile=${knownHosts}`,
            '-o',
            'IdentitiesOnly=yes',
            '-i',
            key,
            '-P',
            String(sshd.port),
            `${sshd.user}@${sshd.host}`,
          ],
          { stdio: ['pipe', 'ignore', 'ignore'], timeout: 20_000 },
        );
        child.on('close', (code) => resolve(code));
        child.stdin.end('get /etc/hostname /dev/null\n');
      });
    assert.notEqual(await sftp(sshd.clientKeyPath), 0);
    assert.equal(await sftp(control.privatePath), 0, 'the control key can use sftp');
  });

  test('stdio forwarding (-W, what ProxyJump uses) is refused', async () => {
    const target = await countingTarget();
    try {
      const r = await asScanner(['-W', `127.0.0.1:${target.port}`]);
      assert.equal(r.code, 255);
      assert.match(r.stderr, /administratively prohibited/);
      assert.doesNotMatch(r.stdout, /hello from the target/);
      assert.equal(target.accepted(), 0, 'nothing reached the target');

      const ok = await asControl(['-W', `127.0.0.1:${target.port}`]);
      assert.match(ok.stdout, /hello from the target/, 'the control key can forward');
      assert.equal(target.accepted(), 1);
    } finally {
      await target.close();
    }
  });

  /** `ssh -N -L` with `key`: connects through the local end and returns what came back. */
  async function throughLocalForward(
    key: string,
    targetPort: number,
  ): Promise<{ data: string; stderr: string }> {
    const listen = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const child = spawn(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'ExitOnForwardFailure=yes',
        '-i',
        key,
        '-p',
        String(sshd.port),
        '-N',
        '-L',
        `127.0.0.1:${listen}:127.0.0.1:${targetPort}`,
        `${sshd.user}@${sshd.host}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      // ssh listens locally once it has logged in; the server's answer comes per connection.
      await waitFor(
        `ssh -L listening on 127.0.0.1:${listen}`,
        () =>
          new Promise<true | undefined>((resolve) => {
            const probe = net.connect(listen, '127.0.0.1');
            probe.once('connect', () => {
              probe.destroy();
              resolve(true);
            });
            probe.once('error', () => resolve(undefined));
          }),
        10_000,
        100,
      );
      const data = await readAll(listen);
      await sleep(200); // ssh prints the channel failure after closing the local connection
      return { data, stderr };
    } finally {
      child.kill('SIGTERM'); // our own child, by its handle
    }
  }

  test('local port forwarding (ssh -N -L) is refused', async () => {
    const target = await countingTarget();
    try {
      // The probe that waited for the local end counts as one attempt too: none may arrive.
      const refused = await throughLocalForward(sshd.clientKeyPath, target.port);
      assert.equal(refused.data, '');
      assert.match(refused.stderr, /administratively prohibited/);
      assert.equal(target.accepted(), 0, 'nothing reached the target');

      const allowed = await throughLocalForward(control.privatePath, target.port);
      assert.match(allowed.data, /hello from the target/, 'the control key can forward');
    } finally {
      await target.close();
    }
  });

  test('remote port forwarding (ssh -N -R) is refused', async () => {
    const r = await asScanner(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '127.0.0.1:0:127.0.0.1:9']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /remote port forwarding failed/i);
  });

  test('collect.sh not installed: command-failed, saying where it should be', async () => {
    const result = await collect(target(missing.privatePath));
    assert.equal(result.status, 'command-failed', `${result.status}: ${result.error}`);
    assert.match(result.error ?? '', /nowhere\/collect\.sh is missing: install agents\/collect\.sh there/);
  });
});

// The README's host preparation, run as written on a real Debian 12 host (systemd 252 as PID 1):
// then the collector gets every unit through the forced command, and nothing else runs.
const HOST_PREPARATION = (publicKeyLine: string) => `set -e
cd /root/unitscore-agents
useradd --system --create-home --shell /bin/sh unitscore
install -d -m 755 /usr/local/lib/unitscore
install -m 755 unitscore-collect /usr/local/lib/unitscore/
install -m 644 collect.sh /usr/local/lib/unitscore/
install -d -m 700 -o unitscore -g unitscore ~unitscore/.ssh
echo 'restrict,command="/usr/local/lib/unitscore/unitscore-collect" ${publicKeyLine}' > ~unitscore/.ssh/authorized_keys
chown unitscore: ~unitscore/.ssh/authorized_keys && chmod 600 ~unitscore/.ssh/authorized_keys
`;

describe('host preparation as the README says, on a real systemd host', () => {
  let fleet: Fleet;
  let host: NspawnHost;
  before(async () => {
    fleet = await bootHosts([
      {
        name: 'forced-01',
        files: {
          '/root/unitscore-agents/unitscore-collect': readFileSync(
            path.join(agentsDir, 'unitscore-collect'),
            'utf8',
          ),
          '/root/unitscore-agents/collect.sh': readFileSync(path.join(agentsDir, 'collect.sh'), 'utf8'),
        },
      },
    ]);
    host = fleet.hosts[0] as NspawnHost;
    const publicLine = readFileSync(`${fleet.scannerKeyPath}.pub`, 'utf8').trim();
    const prepared = await host.ssh('root', 'sh -s', HOST_PREPARATION(publicLine));
    assert.equal(prepared.code, 0, prepared.stderr);
  });
  after(async () => {
    await fleet?.stop();
  });

  test('the collector scans every unit through the forced command', async () => {
    const result = await scanHost({
      name: host.name,
      address: host.address,
      port: host.port,
      user: 'unitscore',
      identityFile: fleet.scannerKeyPath,
      knownHosts: fleet.knownHostsPath,
    });
    assert.equal(result.status, 'ok', `${result.status}: ${result.error}`);
    assert.equal(result.meta.user, 'unitscore');
    assert.equal(result.meta.hostname, 'forced-01');
    assert.equal(result.systemdVersion, 252);
    assert.ok(result.units.length >= 20, `${result.units.length} units`);
    assert.ok(result.units.some((u) => u.unit === 'ssh.service' && u.exposure !== null));
  });

  test('the same key runs nothing else there', async () => {
    const target = {
      host: host.address,
      port: host.port,
      user: 'unitscore',
      identityFile: fleet.scannerKeyPath,
      knownHosts: fleet.knownHostsPath,
    };
    for (const command of ['id', 'cat /etc/shadow', 'systemctl status']) {
      const r = await sshExec(target, command);
      assert.equal(r.code, 1, command);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /unitscore-collect: refused command/);
    }
  });
});

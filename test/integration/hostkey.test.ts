import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CollectResult, collect } from '../../server/collect/collect.js';
import { execFile, freePort, generateKeyPair, type Sshd, startSshd, waitFor } from '../support/sshd.js';

// The collector against a real OpenSSH sshd on loopback (TESTING.md §2): host key checking with
// every known_hosts form ssh writes, and proof from the server's side that a refused host key
// means nothing ran there: sshd logs no login and the session marker (a forced command on the
// client key) stays empty.

function target(sshd: Sshd, knownHosts: string, identityFile = sshd.clientKeyPath) {
  return { name: 'loopback', address: sshd.host, port: sshd.port, user: sshd.user, identityFile, knownHosts };
}

function assertReport(result: CollectResult, sshd: Sshd): void {
  assert.equal(result.status, 'ok', `status ${result.status}: ${result.error}`);
  assert.ok(result.report, 'a report');
  const report = result.report.toString('utf8');
  assert.match(report, /^unitscore-report 1 [A-Za-z0-9]+\n/);
  const boundary = report.split('\n', 1)[0]?.split(' ')[2] as string;
  assert.ok(report.includes(`\n@${boundary} section meta\n`), 'meta section');
  assert.match(report, new RegExp(`\nuser=${sshd.user}\n`));
  assert.match(report, /\nagent=collect\.sh 2\n/);
  assert.ok(report.endsWith(`\n@${boundary} end\n`), 'end frame');
  assert.deepEqual(result.hostKey, { type: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint });
  assert.ok(result.finishedAt >= result.startedAt);
}

/** sshd writes its last lines after the client has gone: wait for the connection to end. */
async function connectionEnded(sshd: Sshd): Promise<string> {
  return waitFor(
    `sshd on ${sshd.host}:${sshd.port} to log the end of the connection`,
    async () => {
      const log = await sshd.log();
      return /Connection (closed|reset) by|Disconnected from|Received disconnect|Unable to negotiate/.test(
        log,
      )
        ? log
        : undefined;
    },
    5000,
    50,
  );
}

/** The server's side of a refusal: the connection reached sshd, and no login or session followed. */
async function assertNothingRan(sshd: Sshd): Promise<void> {
  const log = await connectionEnded(sshd);
  assert.match(log, /Connection from 127\.0\.0\.1 port \d+ on /, 'the connection reached sshd');
  assert.doesNotMatch(log, /Accepted publickey/);
  assert.doesNotMatch(log, /Starting session/);
  assert.equal(await sshd.acceptedLogins(), 0);
  assert.equal(await sshd.sessions(), 0, 'the forced command never ran');
}

describe('collect against a real sshd: known host keys', () => {
  let onPort22: Sshd;
  let onOwnPort: Sshd;

  before(async () => {
    // A plain known_hosts entry (`host key`) only matches port 22: that sshd gets 22 on its own
    // 127.0.1.N address.
    [onPort22, onOwnPort] = await Promise.all([startSshd({ port: 22 }), startSshd()]);
  });
  after(async () => {
    await Promise.all([onPort22?.stop(), onOwnPort?.stop()]);
  });

  test('plain entry (host on port 22)', async () => {
    const before = await onPort22.sessions();
    const file = await onPort22.writeKnownHosts('plain', [onPort22.knownHostsLine('plain')]);
    const result = await collect(target(onPort22, file));
    assertReport(result, onPort22);
    assert.equal(await onPort22.sessions(), before + 1, 'exactly one session ran');
  });

  test('[host]:port entry', async () => {
    const before = await onOwnPort.sessions();
    const file = await onOwnPort.writeKnownHosts('bracketed', [onOwnPort.knownHostsLine('bracketed')]);
    const result = await collect(target(onOwnPort, file));
    assertReport(result, onOwnPort);
    assert.equal(await onOwnPort.sessions(), before + 1);
    assert.ok((await onOwnPort.acceptedLogins()) >= 1, 'sshd logged the login');
  });

  test('hashed entry (|1|salt|hmac), port 22 and [host]:port', async () => {
    for (const sshd of [onPort22, onOwnPort]) {
      const file = await sshd.writeKnownHosts('hashed', [sshd.knownHostsLine('hashed')]);
      assertReport(await collect(target(sshd, file)), sshd);
    }
  });

  test('the matching entry among others, in a file with comments and other hosts', async () => {
    const other = await generateKeyPair(path.join(onOwnPort.dir, 'other_host_key'), 'other');
    const file = await onOwnPort.writeKnownHosts('mixed', [
      '# a comment',
      `[${onOwnPort.host}]:${onOwnPort.port + 1} ${other.publicLine}`,
      `192.0.2.7 ${other.publicLine}`,
      '',
      onOwnPort.knownHostsLine('hashed'),
    ]);
    assertReport(await collect(target(onOwnPort, file)), onOwnPort);
  });

  test('a too small maxOutputBytes ends in output-too-large', async () => {
    const file = await onOwnPort.writeKnownHosts('size', [onOwnPort.knownHostsLine('bracketed')]);
    const result = await collect(target(onOwnPort, file), { maxOutputBytes: 200 });
    assert.equal(result.status, 'output-too-large', `status ${result.status}: ${result.error}`);
    assert.equal(result.report, null);
    assert.ok(result.error);
  });
});

describe('collect against a real sshd: refusals', () => {
  // A fresh sshd per case, so its log and session marker belong to that case alone.
  const started: Sshd[] = [];
  const fresh = async () => {
    const sshd = await startSshd();
    started.push(sshd);
    return sshd;
  };
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  test('unknown host key: hostkey-unknown, nothing ran on the host', async () => {
    const sshd = await fresh();
    const other = await generateKeyPair(path.join(sshd.dir, 'other_host_key'), 'other');
    // Known hosts for other names only (the same address on port 22 included), and an empty file.
    for (const lines of [
      [`${sshd.host} ${other.publicLine}`, `[192.0.2.1]:${sshd.port} ${other.publicLine}`],
      [],
    ]) {
      const file = await sshd.writeKnownHosts('unknown', lines);
      const result = await collect(target(sshd, file));
      assert.equal(result.status, 'hostkey-unknown', `status ${result.status}: ${result.error}`);
      assert.equal(result.report, null);
      assert.ok(result.error);
      // The key it refused is reported, so an operator can compare it out of band.
      assert.deepEqual(result.hostKey, { type: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint });
    }
    // A known_hosts file that does not exist is the same as an empty one.
    const missing = await collect(target(sshd, path.join(sshd.dir, 'no-such-known-hosts')));
    assert.equal(missing.status, 'hostkey-unknown', `status ${missing.status}: ${missing.error}`);
    await assertNothingRan(sshd);
  });

  test('changed host key: hostkey-changed, nothing ran on the host', async () => {
    const sshd = await fresh();
    const other = await generateKeyPair(path.join(sshd.dir, 'other_host_key'), 'other');
    const otherFingerprint = await fingerprintOf(`${other.privatePath}.pub`);
    for (const format of ['bracketed', 'hashed'] as const) {
      const file = await sshd.writeKnownHosts(`changed-${format}`, [
        // another host's entry with the real key must not make the changed key acceptable
        `[192.0.2.1]:22 ${sshd.hostKeyPub}`,
        knownHostsLineFor(sshd, other.publicLine, format),
      ]);
      const result = await collect(target(sshd, file));
      assert.equal(result.status, 'hostkey-changed', `${format}: status ${result.status}: ${result.error}`);
      assert.equal(result.report, null);
      assert.deepEqual(result.hostKey, { type: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint });
      assert.ok(result.error?.includes(otherFingerprint), `the error names the known key: ${result.error}`);
    }
    await assertNothingRan(sshd);
  });

  test('known_hosts is read again when it changes: an edit counts for the very next scan', async () => {
    const sshd = await fresh();
    const other = await generateKeyPair(path.join(sshd.dir, 'edited_host_key'), 'other');
    const keyOnly = (publicLine: string) => publicLine.split(' ').slice(0, 2).join(' ');
    const right = knownHostsLineFor(sshd, keyOnly(sshd.hostKeyPub), 'bracketed');
    const wrong = knownHostsLineFor(sshd, keyOnly(other.publicLine), 'bracketed');
    // The same file, rewritten in place with a line of the same length each time.
    assert.equal(right.length, wrong.length);
    const statuses: string[] = [];
    for (const line of [right, wrong, right]) {
      const file = await sshd.writeKnownHosts('edited', [line]);
      statuses.push((await collect(target(sshd, file))).status);
    }
    assert.deepEqual(statuses, ['ok', 'hostkey-changed', 'ok']);
  });

  test('changed host key of another type (known: ssh-rsa, presented: ed25519): hostkey-changed', async () => {
    // What a reinstalled host looks like when the new install only has an ed25519 key. OpenSSH's
    // ssh offers the known types first and the others after, gets the ed25519 key and says
    // "REMOTE HOST IDENTIFICATION HAS CHANGED" (seen with ssh 9.2 against this very sshd); a
    // collector that offers only the known types fails the handshake and calls the host
    // unreachable, which hides a key change.
    const sshd = await fresh();
    const rsa = path.join(sshd.dir, 'old_rsa_host_key');
    await execFile('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'old', '-f', rsa]);
    const rsaLine = (await readFile(`${rsa}.pub`, 'utf8')).trim();
    const file = await sshd.writeKnownHosts('changed-type', [knownHostsLineFor(sshd, rsaLine, 'bracketed')]);
    const result = await collect(target(sshd, file));
    assert.equal(result.status, 'hostkey-changed', `status ${result.status}: ${result.error}`);
    assert.equal(result.report, null);
    await assertNothingRan(sshd);
  });

  test('wrong client key: auth-failed, no session', async () => {
    const sshd = await fresh();
    const stranger = await generateKeyPair(path.join(sshd.dir, 'stranger_ed25519'), 'stranger');
    const file = await sshd.writeKnownHosts('known', [sshd.knownHostsLine('bracketed')]);
    const result = await collect(target(sshd, file, stranger.privatePath));
    assert.equal(result.status, 'auth-failed', `status ${result.status}: ${result.error}`);
    assert.equal(result.report, null);
    // The host key was checked and matched before authentication was tried.
    assert.deepEqual(result.hostKey, { type: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint });
    await assertNothingRan(sshd);
  });

  test('closed port: unreachable, quickly', async () => {
    const sshd = await fresh();
    const port = await freePort(sshd.host); // bound and released: nothing listens there
    const file = await sshd.writeKnownHosts('closed', [sshd.knownHostsLine('bracketed')]);
    const result = await collect(
      { ...target(sshd, file), port },
      { connectTimeoutMs: 5000, timeoutMs: 10_000 },
    );
    assert.equal(result.status, 'unreachable', `status ${result.status}: ${result.error}`);
    assert.equal(result.report, null);
    assert.equal(result.hostKey, null);
    assert.ok(result.finishedAt.getTime() - result.startedAt.getTime() < 5000, 'refused, not timed out');
  });
});

function knownHostsLineFor(sshd: Sshd, publicLine: string, format: 'bracketed' | 'hashed'): string {
  const bracketed = `[${sshd.host}]:${sshd.port}`;
  if (format === 'bracketed') return `${bracketed} ${publicLine}`;
  // Same pattern as the server's real hashed line, with another key behind it.
  const pattern = sshd.knownHostsLine('hashed').split(' ')[0] as string;
  return `${pattern} ${publicLine.split(' ').slice(0, 2).join(' ')}`;
}

/** `SHA256:…` as ssh-keygen -l prints it. */
async function fingerprintOf(publicKeyFile: string): Promise<string> {
  return (await execFile('ssh-keygen', ['-l', '-f', publicKeyFile])).stdout.split(/\s+/)[1] as string;
}

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collect, type Hop } from '../../server/collect/collect.js';
import { generateKeyPair, type Sshd, startSshd } from '../support/sshd.js';

// Jump hosts (OpenSSH's ProxyJump) against two real sshd: the collector reaches the scanned
// host through a bastion's TCP forwarding, and checks the bastion's host key as strictly as
// the host's own.

describe('collect through a bastion', () => {
  let bastion: Sshd;
  let host: Sshd;
  before(async () => {
    [bastion, host] = await Promise.all([
      startSshd({ extraConfig: ['AllowTcpForwarding yes'] }),
      startSshd(),
    ]);
  });
  after(async () => {
    await Promise.all([bastion?.stop(), host?.stop()]);
  });

  const hop = (s: Sshd, knownHosts: string): Hop => ({
    address: s.host,
    port: s.port,
    user: s.user,
    identityFile: s.clientKeyPath,
    knownHosts,
  });

  test('both keys known: the report comes through, and no session ran on the bastion', async () => {
    const file = await host.writeKnownHosts('both', [
      bastion.knownHostsLine('bracketed'),
      host.knownHostsLine('hashed'),
    ]);
    const [bastionSessions, hostSessions] = [await bastion.sessions(), await host.sessions()];
    const result = await collect({ name: 'behind', ...hop(host, file), jump: [hop(bastion, file)] });
    assert.equal(result.status, 'ok', result.error ?? '');
    assert.match(result.report?.toString('utf8') ?? '', /^unitscore-report 1 /);
    assert.equal(
      result.hostKey?.fingerprint,
      host.hostKeyFingerprint,
      'the scanned host key, not the bastion',
    );
    assert.equal(await bastion.sessions(), bastionSessions, 'the bastion only forwarded');
    assert.equal(await host.sessions(), hostSessions + 1);
  });

  test('an unknown bastion key refuses the scan before the host is contacted, naming the bastion', async () => {
    const file = await host.writeKnownHosts('host-only', [host.knownHostsLine('bracketed')]);
    const before = await host.sessions();
    const result = await collect({ name: 'behind', ...hop(host, file), jump: [hop(bastion, file)] });
    assert.equal(result.status, 'hostkey-unknown');
    assert.match(
      result.error ?? '',
      new RegExp(`^bastion ${bastion.host.replaceAll('.', '\\.')}:${bastion.port}: host key SHA256:`),
    );
    assert.equal(await host.sessions(), before);
  });

  test('a changed host key behind a good bastion is a changed key', async () => {
    const other = await generateKeyPair(
      join(mkdtempSync(join(tmpdir(), 'unitscore-jump-')), 'other'),
      'other-host-key',
    );
    const [type, blob] = other.publicLine.split(' ');
    const file = await host.writeKnownHosts('changed', [
      bastion.knownHostsLine('bracketed'),
      `[${host.host}]:${host.port} ${type} ${blob}`,
    ]);
    const result = await collect({ name: 'behind', ...hop(host, file), jump: [hop(bastion, file)] });
    assert.equal(result.status, 'hostkey-changed');
    assert.match(result.error ?? '', /^HOST KEY CHANGED: host presented SHA256:\S+, known_hosts has SHA256:/);
    assert.equal(result.hostKey?.fingerprint, host.hostKeyFingerprint);
  });

  test('a bastion that cannot reach the host says so', async () => {
    const file = await host.writeKnownHosts('both2', [
      bastion.knownHostsLine('bracketed'),
      host.knownHostsLine('bracketed'),
    ]);
    const result = await collect({ name: 'behind', ...hop(host, file), port: 1, jump: [hop(bastion, file)] });
    assert.equal(result.status, 'unreachable');
    assert.match(result.error ?? '', /^bastion .*: cannot reach .*:1 through it/);
  });
});

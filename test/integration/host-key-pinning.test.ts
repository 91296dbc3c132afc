import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { scanHost } from '../../server/collect/scan-host.js';
import type { Config, HostTarget } from '../../server/config/config.js';
import { scanRecorder } from '../../server/main.js';
import { type Db, openDb } from '../../server/store/db.js';
import { HostKeys } from '../../server/store/host-keys.js';
import { type Sshd, startSshd } from '../support/sshd.js';

// Hosts that known_hosts does not list (against a real sshd): refused unless the operator
// turned on trust on first use for that host; then the key is pinned in the database, and a
// different key later is refused as changed, with an event for alerting.

describe('host keys pinned in the database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-pin-'));
  let sshd: Sshd;
  let db: Db;
  before(async () => {
    sshd = await startSshd();
    db = openDb(join(dir, 'pin.db'));
  });
  after(async () => {
    db?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = (name: string, trustOnFirstUse: boolean): HostTarget => ({
    name,
    address: sshd.host,
    port: sshd.port,
    user: sshd.user,
    labels: [],
    identityFile: sshd.clientKeyPath,
    knownHosts: join(dir, 'empty_known_hosts'),
    ...(trustOnFirstUse ? { trustOnFirstUse } : {}),
  });

  async function scan(t: HostTarget) {
    const config = { hosts: [t] } as unknown as Config;
    const recorder = scanRecorder(db, config, pino({ level: 'silent' }));
    const result = await scanHost(t, {}, recorder.hooks(t));
    recorder.record({ done: 1, total: 1, target: t, result });
    return { result, hostId: recorder.ids.get(t.name) as number };
  }

  test('without trust on first use an unlisted host is refused and nothing is pinned', async () => {
    const { result, hostId } = await scan(target('strict', false));
    assert.equal(result.status, 'hostkey-unknown');
    assert.equal(new HostKeys(db).pinned(hostId), null);
  });

  test('trust on first use pins the key; the pin then verifies it; another key is refused as changed', async () => {
    const t = target('tofu', true);
    const first = await scan(t);
    // The key is accepted (this machine has no systemd as PID 1, so the scan itself then fails
    // with command-failed: what matters here is that it got past the key).
    assert.doesNotMatch(first.result.status, /^hostkey-/, first.result.error ?? '');
    assert.equal(first.result.hostKeyVia, 'first-use');
    const keys = new HostKeys(db);
    assert.deepEqual(keys.pinned(first.hostId), {
      keyType: 'ssh-ed25519',
      fingerprint: sshd.hostKeyFingerprint,
    });
    assert.deepEqual(
      keys.events(first.hostId).map((e) => e.kind),
      ['hostkey-pinned'],
    );

    const second = await scan(t);
    assert.doesNotMatch(second.result.status, /^hostkey-/);
    assert.equal(second.result.hostKeyVia, 'pinned');
    assert.equal(keys.events(first.hostId).length, 1, 'pinned once');

    // The host now presents a key other than the pinned one (as if replaced): refused, recorded.
    keys.pin(
      first.hostId,
      { keyType: 'ssh-ed25519', fingerprint: 'SHA256:someOtherKeyEntirely' },
      'operator',
    );
    const sessionsBefore = await sshd.sessions();
    const third = await scan(t);
    assert.equal(third.result.status, 'hostkey-changed');
    assert.match(third.result.error ?? '', /the pinned key is SHA256:someOtherKeyEntirely/);
    assert.equal(await sshd.sessions(), sessionsBefore, 'nothing ran on the host');
    const [changed] = keys.events(first.hostId);
    assert.ok(changed);
    assert.equal(changed.kind, 'hostkey-changed');
    assert.deepEqual((changed.detail as { presented: unknown }).presented, {
      type: 'ssh-ed25519',
      fingerprint: sshd.hostKeyFingerprint,
    });
  });
});

// The inventory API against the whole server (config file, database on disk, scheduler, HTTP)
// and a real OpenSSH sshd: a host added through the API is scanned without a restart, its labels
// drive the label filters, removing it retires it with its history, the config file's hosts are
// read-only, bad input is refused with the config loader's own reasons, only admins may change
// anything (CSRF token included), every change is in the audit log, and a restart keeps it all.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../server/config/load.js';
import { type Running, startUnitscore } from '../../server/main.js';
import { bearer, ensureUser, TEST_PASSWORD } from '../support/auth.js';
import { type Sshd, startSshd, waitFor } from '../support/sshd.js';

/**
 * This machine's sshd runs on a system without systemd as PID 1, where `systemd-analyze
 * security` can only review unit files offline (TESTING.md §1). The scanning key's forced
 * command puts two shims first in PATH: systemctl lists three real installed units, and
 * systemd-analyze runs the real systemd-analyze 252 with --offline=true. Everything else (sshd,
 * collect.sh, the report, parsing, storing) is the real path.
 */
function offlineShims(): string {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-shims-'));
  chmodSync(dir, 0o755);
  const write = (name: string, lines: string[]) =>
    writeFileSync(join(dir, name), `#!/bin/sh\n${lines.join('\n')}\n`, { mode: 0o755 });
  write('systemctl', [
    "printf '%s\\n' 'dbus.service loaded active running D-Bus' 'ssh.service loaded active running OpenSSH' 'fstrim.service loaded inactive dead Discard'",
  ]);
  write('systemd-analyze', [
    'if [ "$1" = security ]; then shift; exec /usr/bin/systemd-analyze security --offline=true "$@"; fi',
    'exec /usr/bin/systemd-analyze "$@"',
  ]);
  return dir;
}

interface Host {
  id: number;
  name: string;
  address: string;
  port: number;
  labels: string[];
  source: 'config' | 'api' | null;
  retiredAt: string | null;
  lastScan: { id: number; status: string; error: string | null } | null;
  unitCount: number | null;
  inventory: { labels?: string[]; port?: number; updatedBy: string } | null;
}

describe('inventory API (real sshd, whole server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-hosts-api-'));
  const configFile = join(dir, 'unitscore.yaml');
  let sshd: Sshd;
  let running: Running;
  let admin: { authorization: string };
  let operator: { authorization: string };
  let viewer: { authorization: string };
  let spec: { name: string; address: string; port: number; user: string; labels: string[] };
  let apiId = 0;

  const writeConfig = (hosts: { name: string; labels: string[] }[]) =>
    writeFileSync(
      configFile,
      [
        `database: ${join(dir, 'unitscore.db')}`,
        'ssh:',
        `  identityFile: ${sshd.clientKeyPath}`,
        `  knownHosts: ${join(sshd.dir, 'known_hosts')}`,
        'scan: { startSpreadSeconds: 0, intervalMinutes: 60 }',
        'hosts:',
        ...hosts.map(
          (h) =>
            `  - { name: ${h.name}, address: ${sshd.host}, port: ${sshd.port}, user: ${sshd.user}, labels: [${h.labels.join(', ')}] }`,
        ),
      ].join('\n'),
    );

  // After a restart the hosts are not due for an hour (their due times are kept): no first round.
  const start = async (firstRound = true) => {
    const config = loadConfig(configFile);
    config.listen = { host: '127.0.0.1', port: 0 };
    running = await startUnitscore(config, { demo: false, logger: false });
    if (firstRound) await running.firstRound;
  };

  const api = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: bodies are read by the assertions, as inject's json() is
  ): Promise<{ status: number; json: any; headers: Headers }> => {
    const res = await fetch(`${running.url}/api/v1${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const hostsWith = async (label: string) =>
    ((await api('GET', `/hosts?label=${encodeURIComponent(label)}`, viewer)).json.hosts as Host[]).map(
      (h) => h.name,
    );
  const scansOf = (id: number) =>
    running.db.prepare('SELECT count(*) FROM scans WHERE host_id = ?').pluck().get(id) as number;

  const shims = offlineShims();

  before(
    async () => {
      sshd = await startSshd({
        authorizedKeys: (pub) => [
          `command="PATH=${shims}:/usr/bin:/bin; export PATH; exec /bin/sh -c \\"$SSH_ORIGINAL_COMMAND\\"" ${pub}`,
        ],
      });
      await sshd.writeKnownHosts('known_hosts', [sshd.knownHostsLine('bracketed')]);
      writeConfig([{ name: 'cfg-1', labels: ['env=prod'] }]);
      await start();
      admin = bearer(running.db, 'admin');
      operator = bearer(running.db, 'operator');
      viewer = bearer(running.db, 'viewer');
      spec = {
        name: 'api-1',
        address: sshd.host,
        port: sshd.port,
        user: sshd.user,
        labels: ['env=test', 'team=a'],
      };
    },
    { timeout: 60_000 },
  );
  after(async () => {
    await running?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(shims, { recursive: true, force: true });
  });

  test('a host added through the API is scanned without a restart', { timeout: 60_000 }, async () => {
    const created = await api('POST', '/hosts', admin, spec);
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const host = created.json as Host;
    apiId = host.id;
    assert.equal(created.headers.get('location'), `/api/v1/hosts/${host.id}`);
    assert.equal(host.source, 'api');
    assert.equal(host.retiredAt, null);
    assert.deepEqual(host.labels, ['env=test', 'team=a']);
    assert.equal(host.inventory?.port, sshd.port);
    assert.match(host.inventory?.updatedBy ?? '', /^test-admin \(#\d+\)$/);

    // Its first scan comes by itself (spread like at start: startSpreadSeconds 0 here) ...
    const scanned = await waitFor(
      'the first scan of the added host',
      async () => {
        const h = (await api('GET', `/hosts/${host.id}`, viewer)).json as Host;
        return h.lastScan ? h : undefined;
      },
      30_000,
    );
    assert.equal(scanned.lastScan?.status, 'ok', JSON.stringify(scanned.lastScan));
    assert.ok((scanned.unitCount ?? 0) > 0, 'units were stored');
    // ... and "scan now" reaches it too.
    const before = scansOf(host.id);
    assert.equal((await api('POST', '/scans', operator, { host: 'api-1' })).status, 202);
    await waitFor('a second scan', () => (scansOf(host.id) > before ? true : undefined), 30_000);
    const units = await api('GET', `/hosts/${host.id}/units`, viewer);
    assert.ok(units.json.units.length > 0);
    assert.ok(
      ((await api('GET', '/hosts', viewer)).json.hosts as Host[]).some((h) => h.name === 'api-1'),
      'listed with the config file hosts',
    );
  });

  test('PATCH changes the labels, and the label filters follow at once', async () => {
    assert.deepEqual(await hostsWith('team=a'), ['api-1']);
    const patched = await api('PATCH', `/hosts/${apiId}`, admin, { labels: ['env=test', 'team=b'] });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.deepEqual(patched.json.labels, ['env=test', 'team=b']);
    assert.deepEqual(patched.json.inventory.labels, ['env=test', 'team=b']);
    assert.deepEqual(await hostsWith('team=a'), []);
    assert.deepEqual(await hostsWith('team=b'), ['api-1']);
    const labels = (await api('GET', '/labels', viewer)).json.labels as { label: string; hosts: number }[];
    assert.ok(labels.some((l) => l.label === 'team=b' && l.hosts === 1));
    assert.ok(!labels.some((l) => l.label === 'team=a'));
    const overview = await api('GET', '/fleet/overview?label=team=b', viewer);
    assert.equal(overview.status, 200);
    assert.equal(overview.json.hosts.total, 1, JSON.stringify(overview.json.hosts));
    // The scheduler scans it with the new definition: a scan now still matches it by its new label.
    assert.equal((await api('POST', '/scans', operator, { label: 'team=b' })).json.matched, 1);
  });

  test('bad input is refused with the key and the reason, as the config loader says them', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...spec, name: 'bad name' }, /^invalid host: name: must match pattern/],
      [{ ...spec, name: 'p', port: 70000 }, /^invalid host: port: must be <= 65535$/],
      [{ ...spec, name: 'p', port: '22' }, /^invalid host: port: must be integer$/],
      [{ ...spec, name: 'p', identityFle: '/x' }, /^invalid host: identityFle: unknown key$/],
      [{ ...spec, name: 'p', labels: ['ok', 'not ok'] }, /^invalid host: labels\[1\]: must match pattern/],
      [{ name: 'p' }, /^invalid host: address: is required$/],
      [
        { name: 'p', address: sshd.host },
        /^invalid host: no user: set user here or User in the ssh_config file$/,
      ],
      [{ ...spec, name: 'p', jump: 'not a hop!' }, /^invalid host: jump: /],
      [{ ...spec, name: 'p', intervalMinutes: 0 }, /^invalid host: intervalMinutes: must be >= 1$/],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/hosts', admin, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.message, message, JSON.stringify(body));
    }
    const patches: [unknown, RegExp][] = [
      [{ name: 'renamed' }, /^invalid host: name: cannot be changed/],
      [{ port: 0 }, /^invalid host: port: must be >= 1$/],
      [{ address: null }, /^invalid host: address: is required$/],
      [{ colour: 'blue' }, /^invalid host: colour: unknown key$/],
    ];
    for (const [body, message] of patches) {
      const res = await api('PATCH', `/hosts/${apiId}`, admin, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.message, message, JSON.stringify(body));
    }
    assert.ok(!((await api('GET', '/hosts', viewer)).json.hosts as Host[]).some((h) => h.name === 'p'));
  });

  test('one name, one host; the config file hosts are read-only', async () => {
    const again = await api('POST', '/hosts', admin, spec);
    assert.equal(again.status, 409);
    assert.match(
      again.json.message,
      /a host named api-1 is already in the inventory .*added through the API/,
    );
    const config = await api('POST', '/hosts', admin, { ...spec, name: 'cfg-1' });
    assert.equal(config.status, 409);
    assert.match(config.json.message, /the config file/);
    const cfg = ((await api('GET', '/hosts', viewer)).json.hosts as Host[]).find((h) => h.name === 'cfg-1');
    assert.equal(cfg?.source, 'config');
    assert.equal(cfg?.inventory?.updatedBy, 'config');
    for (const [method, body] of [
      ['PATCH', { labels: [] }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api(method, `/hosts/${cfg?.id}`, admin, body);
      assert.equal(res.status, 409, method);
      assert.equal(
        res.json.message,
        `host cfg-1 comes from the config file ${configFile}: change it there and restart unitscore; the API changes only the hosts added through it`,
      );
    }
    assert.equal((await api('PATCH', '/hosts/999999', admin, { labels: [] })).status, 404);
    assert.equal((await api('DELETE', '/hosts/999999', admin)).status, 404);
    assert.equal((await api('GET', '/hosts/999999', viewer)).status, 404);
  });

  test('viewers and operators may read but not change; a session needs the CSRF token', async () => {
    for (const headers of [viewer, operator]) {
      assert.equal((await api('POST', '/hosts', headers, { ...spec, name: 'x' })).status, 403);
      assert.equal((await api('PATCH', `/hosts/${apiId}`, headers, { labels: [] })).status, 403);
      assert.equal((await api('DELETE', `/hosts/${apiId}`, headers)).status, 403);
      assert.equal((await api('GET', `/hosts/${apiId}`, headers)).status, 200);
    }
    await ensureUser(running.db, 'alice', 'admin');
    const login = await api('POST', '/auth/login', {}, { name: 'alice', password: TEST_PASSWORD });
    const cookie = /unitscore_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
    const body = { labels: ['env=test', 'team=b', 'owner=alice'] };
    const noToken = await api('PATCH', `/hosts/${apiId}`, { cookie }, body);
    assert.equal(noToken.status, 403);
    assert.match(noToken.json.message, /X-CSRF-Token/);
    const withToken = await api(
      'PATCH',
      `/hosts/${apiId}`,
      { cookie, 'x-csrf-token': login.json.csrfToken },
      body,
    );
    assert.equal(withToken.status, 200);
    assert.equal(withToken.json.inventory.updatedBy, 'alice');
  });

  test('DELETE retires: history kept, no longer listed or scanned; adding the name again revives it', {
    timeout: 60_000,
  }, async () => {
    const scans = scansOf(apiId);
    const removed = await api('DELETE', `/hosts/${apiId}`, admin);
    assert.equal(removed.status, 200);
    assert.equal(removed.json.source, null);
    assert.ok(removed.json.retiredAt);
    assert.ok(!((await api('GET', '/hosts', viewer)).json.hosts as Host[]).some((h) => h.name === 'api-1'));
    assert.deepEqual(await hostsWith('team=b'), []);
    // History stays readable by id.
    const units = await api('GET', `/hosts/${apiId}/units`, viewer);
    assert.equal(units.status, 200);
    assert.ok(units.json.units.length > 0);
    assert.equal((await api('GET', `/hosts/${apiId}`, viewer)).json.lastScan.status, 'ok');
    // The scheduler dropped it: a fleet-wide scan now scans the config host only.
    assert.equal((await api('POST', '/scans', operator, { host: 'api-1' })).status, 404);
    const cfgScans = running.db
      .prepare("SELECT count(*) FROM scans s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'cfg-1'")
      .pluck();
    const cfgBefore = cfgScans.get() as number;
    assert.equal((await api('POST', '/scans', operator, {})).json.matched, 1);
    await waitFor(
      'the config host rescanned',
      () => ((cfgScans.get() as number) > cfgBefore ? true : undefined),
      30_000,
    );
    assert.equal(scansOf(apiId), scans, 'no scan of the retired host');

    const back = await api('POST', '/hosts', admin, spec);
    assert.equal(back.status, 201);
    assert.equal(back.json.id, apiId, 'the same host, history and all');
    assert.equal(back.json.source, 'api');
    assert.equal(back.json.retiredAt, null);
    assert.equal(back.json.lastScan.status, 'ok');
    assert.deepEqual(await hostsWith('team=a'), ['api-1']);
  });

  test('every change is in the audit log: who, what, when, from where', async () => {
    const entries = (await api('GET', '/audit?limit=500', admin)).json.entries as {
      actor: string;
      action: string;
      target: string | null;
      status: number;
      ip: string | null;
      at: string;
      detail: Record<string, unknown> | null;
    }[];
    const of = (action: string, status: number) =>
      entries.filter((e) => e.action === action && e.status === status && e.target === 'host api-1');
    const added = of('POST /api/v1/hosts', 201);
    assert.equal(added.length, 2);
    assert.deepEqual(
      added.map((e) => e.detail?.revived),
      [true, false],
    );
    assert.ok(added.every((e) => /^test-admin/.test(e.actor) && e.ip === '127.0.0.1' && e.at));
    assert.deepEqual((added[1]?.detail?.host as { labels?: string[] } | undefined)?.labels, [
      'env=test',
      'team=a',
    ]);
    const patched = of('PATCH /api/v1/hosts/:id', 200);
    assert.equal(patched.length, 2, 'newest first: alice, then the token');
    assert.equal(patched[0]?.actor, 'alice');
    assert.match(patched[1]?.actor ?? '', /^test-admin \(#\d+\)$/);
    assert.deepEqual(patched.at(-1)?.detail, { changes: { labels: ['env=test', 'team=b'] } });
    assert.equal(of('DELETE /api/v1/hosts/:id', 200).length, 1);
    // Refusals are recorded too, with their status.
    assert.ok(entries.some((e) => e.action === 'POST /api/v1/hosts' && e.status === 400));
    assert.ok(
      entries.some(
        (e) => e.action === 'DELETE /api/v1/hosts/:id' && e.status === 409 && e.target === 'host cfg-1',
      ),
    );
  });

  test('a restart keeps the API hosts; a name the config file gains is taken over by it', {
    timeout: 60_000,
  }, async () => {
    await running.close();
    await start(false);
    let hosts = (await api('GET', '/hosts', viewer)).json.hosts as Host[];
    assert.deepEqual(
      hosts.map((h) => [h.name, h.source]),
      [
        ['api-1', 'api'],
        ['cfg-1', 'config'],
      ],
    );
    assert.equal(hosts[0]?.id, apiId);
    assert.deepEqual(hosts.find((h) => h.name === 'api-1')?.labels, ['env=test', 'team=a']);

    writeConfig([
      { name: 'cfg-1', labels: ['env=prod'] },
      { name: 'api-1', labels: ['from=config'] },
    ]);
    await running.close();
    await start(false);
    hosts = (await api('GET', '/hosts', viewer)).json.hosts as Host[];
    const adopted = hosts.find((h) => h.name === 'api-1');
    assert.equal(adopted?.id, apiId, 'history goes on');
    assert.equal(adopted?.source, 'config');
    assert.deepEqual(adopted?.labels, ['from=config']);
    assert.equal((await api('DELETE', `/hosts/${apiId}`, admin)).status, 409);

    // And a config host that leaves the file is retired, like before.
    writeConfig([{ name: 'cfg-1', labels: ['env=prod'] }]);
    await running.close();
    await start(false);
    hosts = (await api('GET', '/hosts', viewer)).json.hosts as Host[];
    assert.deepEqual(
      hosts.map((h) => h.name),
      ['cfg-1'],
    );
    assert.ok((await api('GET', `/hosts/${apiId}`, viewer)).json.retiredAt);
  });
});

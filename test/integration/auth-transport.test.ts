// HTTPS when a certificate is configured (Secure cookie, HSTS), a reverse proxy believed only
// when trusted (trustProxy), and a database only its owner can read.
import assert from 'node:assert/strict';
import { execFile as execFileCallback } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type App, buildApp } from '../../server/http/app.js';
import { AuditLog } from '../../server/store/audit.js';
import { type Db, openDb } from '../../server/store/db.js';
import { preparePrivateDatabase } from '../../server/store/private-files.js';
import { ensureUser, TEST_PASSWORD } from '../support/auth.js';

const run = promisify(execFileCallback);
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

function httpsPost(
  url: string,
  ca: Buffer,
  body: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('HTTPS with a configured certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-tls-'));
  let db: Db;
  let app: App;
  let url = '';

  before(async () => {
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    db = openDb(join(dir, 'tls.db'));
    await ensureUser(db, 'alice', 'viewer');
    app = await buildApp({
      db,
      version: 't',
      demo: false,
      webDir: null,
      http: { tls: { certFile, keyFile } },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the server speaks TLS; the session cookie is Secure; HSTS and upgrade-insecure-requests are on', async () => {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = readFileSync(join(dir, 'cert.pem'));
    const res = await httpsPost(`${url}/api/v1/auth/login`, ca, { name: 'alice', password: TEST_PASSWORD });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['set-cookie']), /; HttpOnly; SameSite=Strict; Secure$/);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
  });

  test('a missing certificate stops the start with its path', async () => {
    await assert.rejects(
      buildApp({
        db,
        version: 't',
        demo: false,
        webDir: null,
        http: { tls: { certFile: join(dir, 'nope.pem'), keyFile: join(dir, 'key.pem') } },
      }),
      /ENOENT.*nope\.pem/,
    );
  });
});

describe('behind a reverse proxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-proxy-'));
  let db: Db;
  const apps: App[] = [];

  before(async () => {
    db = openDb(join(dir, 'proxy.db'));
    await ensureUser(db, 'alice', 'viewer');
  });
  after(async () => {
    for (const app of apps) await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const loginVia = async (trustProxy: string | undefined, remoteAddress: string) => {
    const app = await buildApp({ db, version: 't', demo: false, webDir: null, http: { trustProxy } });
    apps.push(app);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress,
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
      payload: { name: 'alice', password: TEST_PASSWORD },
    });
    assert.equal(res.statusCode, 200);
    const [last] = new AuditLog(db).list({ limit: 1 }).entries;
    return { cookie: String(res.headers['set-cookie']), ip: last?.ip };
  };

  test('a trusted proxy says the client address and that the browser used HTTPS', async () => {
    const { cookie, ip } = await loginVia('127.0.0.1', '127.0.0.1');
    assert.match(cookie, /; Secure$/);
    assert.equal(ip, '203.0.113.7');
  });

  test('without trustProxy, or from another address, the same headers are ignored', async () => {
    for (const [trust, from] of [
      [undefined, '127.0.0.1'],
      ['127.0.0.1', '192.0.2.10'],
    ] as const) {
      const { cookie, ip } = await loginVia(trust, from);
      assert.doesNotMatch(cookie, /Secure/);
      assert.equal(ip, from, 'the logged address is the socket, not the header');
    }
  });
});

describe('owner-only files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-private-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the database directory is created 0700, the database and its WAL 0600, whatever the umask', () => {
    const previous = process.umask(0o022);
    try {
      const file = join(dir, 'data', 'unitscore.db');
      preparePrivateDatabase(file);
      const db = openDb(file);
      db.prepare('CREATE TABLE IF NOT EXISTS t (x)').run();
      db.prepare('INSERT INTO t VALUES (1)').run();
      assert.equal(mode(join(dir, 'data')), '700');
      assert.equal(mode(file), '600');
      assert.equal(mode(`${file}-wal`), '600');
      assert.equal(mode(`${file}-shm`), '600');
      db.close();

      // A database made readable by others (an old version, a copy) is taken back on open.
      const loose = join(dir, 'loose.db');
      writeFileSync(loose, '');
      assert.equal(mode(loose), '644');
      const other = openDb(loose);
      other.close();
      assert.equal(mode(loose), '600');
    } finally {
      process.umask(previous);
    }
  });
});

// Logging in and out, the first admin from the setup token, passwords, CSRF, the login rate
// limit, API tokens, the audit log, and what never leaves or enters the database in clear.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../server/http/app.js';
import { type Db, openDb } from '../../server/store/db.js';
import { bearer, ensureUser, login, sessionAs, TEST_PASSWORD } from '../support/auth.js';

const HOUR = 3_600_000;

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const value = /unitscore_session=([^;]*)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
  assert.ok(value !== undefined, `a session cookie in ${String(res.headers['set-cookie'])}`);
  return `unitscore_session=${value}`;
}

/** Every text and blob of every table, to look for secrets stored in clear. */
function databaseText(db: Db): string {
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  return tables
    .flatMap((t) => db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[])
    .map((row) =>
      Object.values(row)
        .map((v) => (Buffer.isBuffer(v) ? `${v.toString('latin1')} ${v.toString('base64url')}` : String(v)))
        .join(' '),
    )
    .join('\n');
}

describe('sessions, tokens and the audit log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-auth-'));
  let db: Db;
  let app: App;
  let clock = Date.parse('2026-11-20T12:00:00Z');
  let setupToken = '';
  const secrets: string[] = [];

  before(async () => {
    db = openDb(join(dir, 'auth.db'));
    app = await buildApp({
      db,
      version: 't',
      demo: false,
      webDir: null,
      now: () => clock,
      auth: {
        onSetupToken: (token) => {
          setupToken = token;
        },
        loginRateLimit: { max: 1000, windowMs: 60_000 },
      },
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('first start: a setup token is printed once, and it makes the first admin and nothing more', async () => {
    assert.match(setupToken, /^[A-Za-z0-9_-]{24}$/);
    assert.deepEqual((await app.inject('/api/v1/auth/login')).json(), { setupRequired: true });
    assert.equal(app.auth.setupPending(), true);

    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { token: 'x'.repeat(24), name: 'root-admin', password: TEST_PASSWORD },
    });
    assert.equal(wrong.statusCode, 401);
    const weak = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { token: setupToken, name: 'root-admin', password: 'short' },
    });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.json().message, /at least 10 characters/);

    // Two requests racing with the right token make one admin, not two.
    const [res, racer] = await Promise.all(
      ['root-admin', 'racing-admin'].map((name) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/setup',
          payload: { token: setupToken, name, password: TEST_PASSWORD },
        }),
      ),
    );
    assert.ok(res && racer);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(racer.statusCode, 409, racer.body);
    assert.deepEqual(res.json().user, { id: 1, name: 'root-admin', role: 'admin' });
    // The session cookie: httpOnly, SameSite=Strict, whole site; Secure only over HTTPS (auth-https test).
    const setCookie = String(res.headers['set-cookie']);
    assert.match(
      setCookie,
      /^unitscore_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Strict$/,
    );
    const me = await app.inject({ url: '/api/v1/auth/session', headers: { cookie: cookieOf(res) } });
    assert.equal(me.json().user.name, 'root-admin');
    secrets.push(setupToken, /=([^;]+)/.exec(setCookie)?.[1] as string, TEST_PASSWORD);

    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { token: setupToken, name: 'intruder', password: TEST_PASSWORD },
    });
    assert.equal(again.statusCode, 409);
    assert.deepEqual((await app.inject('/api/v1/auth/login')).json(), { setupRequired: false });
    assert.equal(app.auth.setupPending(), false);
  });

  test('a wrong password or an unknown user gets the same answer', async () => {
    for (const [name, password] of [
      ['root-admin', 'not the password'],
      ['nobody-here', TEST_PASSWORD],
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { name, password },
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().message, 'wrong user name or password');
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  test('logout ends the session on the server, not just in the browser', async () => {
    const session = await login(app, 'root-admin');
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: session.cookie })).statusCode, 200);
    const noCsrf = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.cookie });
    assert.equal(noCsrf.statusCode, 403, 'logging someone out is a change too');
    const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: session.headers });
    assert.equal(out.statusCode, 204);
    assert.match(
      String(out.headers['set-cookie']),
      /^unitscore_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/,
    );
    const after = await app.inject({ url: '/api/v1/hosts', headers: session.cookie });
    assert.equal(after.statusCode, 401, 'the old cookie opens nothing');
  });

  test('a password change ends every session of the user, and the old password', async () => {
    await ensureUser(db, 'olga', 'operator');
    const a = await login(app, 'olga');
    const b = await login(app, 'olga');
    const other = await sessionAs(app, db, 'viewer', 'vera');
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: a.headers,
      payload: { currentPassword: 'not it at all', newPassword: 'a new long password' },
    });
    assert.equal(wrong.statusCode, 403);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: a.headers,
      payload: { currentPassword: TEST_PASSWORD, newPassword: 'a new long password' },
    });
    assert.equal(res.statusCode, 200, res.body);
    const fresh = cookieOf(res);
    for (const old of [a, b]) {
      assert.equal((await app.inject({ url: '/api/v1/hosts', headers: old.cookie })).statusCode, 401);
    }
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: { cookie: fresh } })).statusCode, 200);
    assert.equal(
      (await app.inject({ url: '/api/v1/hosts', headers: other.cookie })).statusCode,
      200,
      "another user's session stays",
    );
    await assert.rejects(login(app, 'olga'), /401/);
    await login(app, 'olga', 'a new long password');
    secrets.push('a new long password');

    // An admin resetting it does the same.
    const admin = await login(app, 'root-admin');
    const olga = await login(app, 'olga', 'a new long password');
    const users = (await app.inject({ url: '/api/v1/users', headers: admin.cookie })).json().users;
    const id = users.find((u: { name: string }) => u.name === 'olga').id;
    const reset = await app.inject({
      method: 'PUT',
      url: `/api/v1/users/${id}/password`,
      headers: admin.headers,
      payload: { password: 'reset by the admin' },
    });
    assert.equal(reset.statusCode, 204);
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: olga.cookie })).statusCode, 401);
    secrets.push('reset by the admin');
  });

  test('sessions end after 12 idle hours, and 7 days after login whatever happens', async () => {
    const start = clock;
    const idle = await login(app, 'root-admin');
    clock += 11 * HOUR;
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: idle.cookie })).statusCode, 200);
    clock += 11 * HOUR; // 11 h after the last use: still on
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: idle.cookie })).statusCode, 200);
    clock += 12 * HOUR + 1;
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: idle.cookie })).statusCode, 401);

    const busy = await login(app, 'root-admin');
    for (let h = 0; h < 7 * 24; h += 6) {
      clock += 6 * HOUR;
      const status = (await app.inject({ url: '/api/v1/hosts', headers: busy.cookie })).statusCode;
      if (h + 6 >= 7 * 24) assert.equal(status, 401, 'past 7 days');
      else assert.equal(status, 200, `${h + 6} h after login`);
    }
    clock = start;
  });

  test("CSRF: a change with the session cookie needs this session's token; a bearer token needs none", async () => {
    const admin = await login(app, 'root-admin');
    const other = await login(app, 'root-admin');
    const body = (name: string) => ({ name, role: 'viewer', password: TEST_PASSWORD });
    const cases = [
      [admin.cookie, 403],
      [{ ...admin.cookie, 'x-csrf-token': other.csrfToken }, 403],
      [{ ...admin.cookie, 'x-csrf-token': '' }, 403],
    ] as const;
    for (const [headers, status] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers,
        payload: body('csrf-victim'),
      });
      assert.equal(res.statusCode, status);
    }
    assert.equal(
      (await app.inject({ url: '/api/v1/users', headers: admin.cookie }))
        .json()
        .users.some((u: { name: string }) => u.name === 'csrf-victim'),
      false,
    );
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.headers,
      payload: body('csrf-ok'),
    });
    assert.equal(ok.statusCode, 201);
    const token = bearer(db, 'admin', 'ci-admin');
    const viaToken = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: token,
      payload: body('by-token'),
    });
    assert.equal(viaToken.statusCode, 201);
    // A browser that says the request comes from another site is refused, logins included.
    const crossSite = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'sec-fetch-site': 'cross-site' },
      payload: { name: 'root-admin', password: TEST_PASSWORD },
    });
    assert.equal(crossSite.statusCode, 403);
    const sameOrigin = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'sec-fetch-site': 'same-origin' },
      payload: { name: 'root-admin', password: TEST_PASSWORD },
    });
    assert.equal(sameOrigin.statusCode, 200);
  });

  test('API tokens: shown once, stored hashed, scoped by role, revocable, with an expiry', async () => {
    const admin = await login(app, 'root-admin');
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: admin.headers,
      payload: { name: 'prometheus', role: 'metrics', expiresInDays: 30 },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { token, id, prefix, expiresAt } = created.json();
    assert.match(token, /^usk_[A-Za-z0-9_-]{43}$/);
    assert.ok(token.startsWith(prefix));
    assert.equal(expiresAt, new Date(clock + 30 * 24 * HOUR).toISOString());
    secrets.push(token);
    const listed = (await app.inject({ url: '/api/v1/tokens', headers: admin.cookie })).body;
    assert.ok(!listed.includes(token), 'the list never shows a token again');

    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await app.inject({ url: '/metrics', headers: auth })).statusCode, 200);
    assert.equal((await app.inject({ url: '/api/v1/hosts', headers: auth })).statusCode, 403, 'metrics only');
    clock += 31 * 24 * HOUR;
    assert.equal((await app.inject({ url: '/metrics', headers: auth })).statusCode, 401, 'expired');
    clock -= 31 * 24 * HOUR;
    assert.equal((await app.inject({ url: '/metrics', headers: auth })).statusCode, 200);

    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${id}`,
      headers: admin.headers,
    });
    assert.equal(revoke.statusCode, 200);
    assert.ok(revoke.json().revokedAt);
    assert.equal((await app.inject({ url: '/metrics', headers: auth })).statusCode, 401, 'revoked');
  });

  test('roles: a demotion ends the sessions; the last admin stays', async () => {
    const admin = await login(app, 'root-admin');
    const users = (await app.inject({ url: '/api/v1/users', headers: admin.cookie })).json().users;
    const csrfOk = users.find((u: { name: string }) => u.name === 'csrf-ok');
    const promoted = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${csrfOk.id}`,
      headers: admin.headers,
      payload: { role: 'admin' },
    });
    assert.equal(promoted.json().role, 'admin');
    const session = await login(app, 'csrf-ok');
    assert.equal((await app.inject({ url: '/api/v1/users', headers: session.cookie })).statusCode, 200);
    await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${csrfOk.id}`,
      headers: admin.headers,
      payload: { role: 'viewer' },
    });
    assert.equal((await app.inject({ url: '/api/v1/users', headers: session.cookie })).statusCode, 401);

    const rootId = users.find((u: { name: string }) => u.name === 'root-admin').id;
    const byToken = bearer(db, 'admin', 'ops-script');
    const lastAdmin = await app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${rootId}`,
      headers: byToken,
    });
    assert.equal(lastAdmin.statusCode, 409);
    assert.match(lastAdmin.json().message, /last admin/);
  });

  test('the audit log says who changed what, when and from where; admins only', async () => {
    const admin = await login(app, 'root-admin');
    const res = await app.inject({ url: '/api/v1/audit?limit=500', headers: admin.cookie });
    assert.equal(res.statusCode, 200);
    const entries = res.json().entries as {
      actor: string;
      actorKind: string;
      action: string;
      target: string | null;
      status: number | null;
      ip: string | null;
      at: string;
    }[];
    const find = (action: string, target?: string) =>
      entries.find((e) => e.action === action && (target === undefined || e.target === target));
    assert.equal(find('setup: first admin created')?.actorKind, 'setup');
    assert.equal(find('login-failed')?.actorKind, 'anonymous');
    assert.equal(find('login')?.actor, 'root-admin');
    assert.equal(find('logout')?.actor, 'root-admin');
    assert.equal(find('password changed')?.actor, 'olga');
    const created = find('POST /api/v1/users', 'user csrf-ok');
    assert.equal(created?.actor, 'root-admin');
    assert.equal(created?.status, 201);
    assert.equal(created?.ip, '127.0.0.1');
    assert.match(created?.at ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(find('POST /api/v1/users', 'user by-token')?.actor, 'ci-admin (#1)');
    assert.equal(find('PATCH /api/v1/users/:id', 'user csrf-ok')?.status, 200);
    assert.equal(find('DELETE /api/v1/users/:id', 'user root-admin')?.status, 409, 'refused changes too');
    assert.ok(find('POST /api/v1/tokens', 'token prometheus (#2)'));
    assert.ok(find('DELETE /api/v1/tokens/:id', 'token prometheus (#2)'));
    // Refused CSRF attempts were made by someone logged in: they are there, with their 403.
    assert.ok(entries.some((e) => e.action === 'POST /api/v1/users' && e.status === 403));

    const viewer = await login(app, 'vera');
    assert.equal((await app.inject({ url: '/api/v1/audit', headers: viewer.cookie })).statusCode, 403);
  });

  test('no password, token, session id or setup token is stored or answered in clear', async () => {
    const text = databaseText(db);
    assert.ok(secrets.length >= 6);
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `the database holds ${secret.slice(0, 6)}…`);
    assert.match(text, /scrypt\$32768\$8\$1\$/);
    const admin = await login(app, 'root-admin');
    for (const url of [
      '/api/v1/users',
      '/api/v1/tokens',
      '/api/v1/audit?limit=500',
      '/api/v1/auth/session',
    ]) {
      const body = (await app.inject({ url, headers: admin.cookie })).body;
      assert.ok(!/scrypt\$|password_?hash|token_?hash/i.test(body), `${url} shows a hash`);
      for (const secret of secrets) assert.ok(!body.includes(secret), `${url} shows a secret`);
    }
  });

  test('secure headers on every answer; API answers are never cached; bodies are limited', async () => {
    const res = await app.inject('/api/v1/health');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');

    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'root-admin', password: 'x'.repeat(100_000) }),
    });
    assert.equal(big.statusCode, 413);
  });
});

describe('login rate limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-auth-limit-'));
  let db: Db;
  let app: App;

  before(async () => {
    db = openDb(join(dir, 'limit.db'));
    app = await buildApp({ db, version: 't', demo: false, webDir: null });
    await ensureUser(db, 'alice', 'viewer');
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ten attempts a minute per address; then 429, even with the right password', async () => {
    const attempt = (password: string, remoteAddress = '127.0.0.1') =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        payload: { name: 'alice', password },
      });
    for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess number ${i}`)).statusCode, 401);
    const blocked = await attempt(TEST_PASSWORD);
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal(
      (await attempt(TEST_PASSWORD, '127.0.0.2')).statusCode,
      200,
      'another address is not blocked',
    );
    // Setup and password change share the limit's rules.
    const setup = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      remoteAddress: '127.0.0.3',
      payload: { token: 'x', name: 'x', password: 'y' },
    });
    assert.equal(Number(setup.headers['x-ratelimit-limit']), 10);
  });
});

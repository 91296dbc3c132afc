// Every route of the real app, walked from Fastify's route table, against the role matrix: no
// credentials → 401 (except the public ones), each role → allowed or 403 exactly as the matrix
// says. A route added without a rule stops the app from starting, so it cannot slip through.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type App, buildApp } from '../../server/http/app.js';
import { allows, type RouteAccess } from '../../server/http/auth/access.js';
import { ROLE_MATRIX } from '../../server/http/auth/role-matrix.js';
import { type Db, openDb } from '../../server/store/db.js';
import type { TokenRole } from '../../server/store/sessions.js';
import { bearer, sessionAs, type TestSession } from '../support/auth.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A concrete URL for a route pattern: ids that exist nowhere, a harmless unit name. */
function concrete(url: string): string {
  return url
    .replace(/:id\b/g, '999999')
    .replace(/:unit\b/g, 'x.service')
    .replace(/:[A-Za-z]+/g, 'x')
    .replace(/\*$/, 'x');
}

describe('role matrix over every route', () => {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-auth-routes-'));
  let db: Db;
  let app: App;
  let routes: RouteAccess[];
  const tokens = new Map<TokenRole, { authorization: string }>();
  const sessions = new Map<string, TestSession>();

  before(async () => {
    // A web app on disk, so the static routes (shell and assets) are in the table too.
    const web = join(dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>unitscore</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'export {};');
    db = openDb(join(dir, 'routes.db'));
    app = await buildApp({
      db,
      version: 't',
      demo: false,
      webDir: web,
      auth: { loginRateLimit: { max: 1000, windowMs: 60_000 } },
    });
    await app.ready();
    routes = app.auth.routes;
    for (const role of ['metrics', 'viewer', 'operator', 'admin'] as const)
      tokens.set(role, bearer(db, role));
    for (const role of ['viewer', 'operator', 'admin'] as const)
      sessions.set(role, await sessionAs(app, db, role));
  });
  after(async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Routes that answer with an endless stream (Server-Sent Events): read up to the headers,
  // then hang up; their refusals are ordinary JSON answers.
  const STREAMS = new Set(['/api/v1/scans/events']);
  const call = async (route: RouteAccess, headers: Record<string, string>) => {
    const request = {
      method: route.method as Method,
      url: concrete(route.url),
      headers,
      ...(UNSAFE.has(route.method) ? { payload: {} } : {}),
    };
    if (!STREAMS.has(route.url)) return app.inject(request);
    const res = await app.inject({ ...request, payloadAsStream: true });
    const stream = res.stream();
    let body = '';
    if (res.statusCode === 200) stream.destroy();
    else for await (const chunk of stream) body += chunk;
    return { statusCode: res.statusCode, body, json: () => JSON.parse(body) };
  };

  test('the table holds every kind of route, each with a rule from the matrix', () => {
    assert.ok(routes.length > 40, `${routes.length} routes`);
    for (const must of [
      'GET /api/v1/health',
      'POST /api/v1/auth/login',
      'GET /api/v1/hosts',
      'GET /api/v1/fleet/overview',
      'GET /metrics',
      'GET /',
      'GET /assets/app.js',
      'POST /api/v1/users',
      'GET /api/v1/audit',
    ]) {
      assert.ok(
        routes.some((r) => `${r.method} ${r.url}` === must),
        `${must} is in the route table`,
      );
    }
    // Every rule is used by a route: a rule left behind by a removed route would hide a gap.
    for (const rule of ROLE_MATRIX) {
      const used = routes.some((r) =>
        rule.path.endsWith('/*')
          ? r.url.startsWith(rule.path.slice(0, -1))
          : r.url === rule.path &&
            (r.method === rule.method || (r.method === 'HEAD' && rule.method === 'GET')),
      );
      assert.ok(used, `rule ${rule.method} ${rule.path} matches no route`);
    }
    // Only the health check, logging in, the first admin and the web app's files are public.
    const publicRoutes = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
    for (const r of publicRoutes) {
      assert.match(
        r,
        /^(GET|HEAD) (\/|\/index\.html|\/assets\/.+|\/api\/v1\/health|\/api\/v1\/auth\/login)$|^POST \/api\/v1\/auth\/(login|setup)$/,
      );
    }
  });

  test('without credentials every route but the public ones answers 401', async () => {
    const answered: string[] = [];
    for (const route of routes) {
      const res = await call(route, {});
      const what = `${route.method} ${route.url} → ${res.statusCode}`;
      answered.push(what);
      if (route.access === 'public') assert.ok(res.statusCode !== 401 && res.statusCode !== 403, what);
      else {
        assert.equal(res.statusCode, 401, what);
        if (route.method !== 'HEAD') assert.match(res.json().message, /authentication required/, what);
      }
    }
    assert.equal(answered.length, routes.length);
  });

  test('a wrong, revoked or malformed bearer token is 401 on every protected route', async () => {
    for (const authorization of ['Bearer usk_nottherealtokenatall', 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
      for (const route of routes.filter((r) => r.access !== 'public')) {
        const res = await call(route, { authorization });
        assert.equal(res.statusCode, 401, `${authorization}: ${route.method} ${route.url}`);
      }
    }
  });

  test('each token role gets exactly what the matrix allows', async () => {
    for (const [role, headers] of tokens) {
      for (const route of routes) {
        const res = await call(route, headers);
        const what = `${role} token: ${route.method} ${route.url} → ${res.statusCode} ${res.body.slice(0, 120)}`;
        if (allows(route.access, role)) assert.ok(res.statusCode !== 401 && res.statusCode !== 403, what);
        else assert.equal(res.statusCode, 403, what);
      }
    }
  });

  test('each session role gets what the matrix allows; changes need the CSRF token', async () => {
    for (const [role, session] of sessions) {
      for (const route of routes) {
        if (route.url === '/api/v1/auth/logout') continue; // ends the session: auth-sessions.test.ts
        const unsafe = UNSAFE.has(route.method);
        const allowed = allows(route.access, role as TokenRole);
        const res = await call(route, unsafe ? session.headers : session.cookie);
        const what = `${role} session: ${route.method} ${route.url} → ${res.statusCode}`;
        if (allowed) assert.ok(res.statusCode !== 401 && res.statusCode !== 403, what);
        else assert.equal(res.statusCode, 403, what);
        if (unsafe && allowed && route.access !== 'public') {
          const noCsrf = await call(route, session.cookie);
          assert.equal(noCsrf.statusCode, 403, `${what} without X-CSRF-Token`);
          assert.match(noCsrf.json().message, /X-CSRF-Token/);
          const wrong = await call(route, { ...session.cookie, 'x-csrf-token': 'x'.repeat(43) });
          assert.equal(wrong.statusCode, 403, `${what} with a wrong X-CSRF-Token`);
        }
      }
    }
  });

  test('a route registered without a rule stops the app from starting', async () => {
    const rogueDb = openDb(join(dir, 'rogue.db'));
    const rogue = await buildApp({ db: rogueDb, version: 't', demo: false, webDir: null });
    rogue.get('/api/v1/rogue', async () => ({ secret: true }));
    rogue.put('/api/v1/hosts', async () => ({})); // GET and POST /api/v1/hosts have rules; PUT has none
    await assert.rejects(async () => {
      await rogue.ready();
    }, /refusing to start: routes without a rule in server\/http\/auth\/role-matrix\.ts: GET \/api\/v1\/rogue, HEAD \/api\/v1\/rogue, PUT \/api\/v1\/hosts/);
    await rogue.close().catch(() => {});
    rogueDb.close();
  });
});

import type { Db } from '../../server/store/db.js';
import { ApiTokens, type TokenRole } from '../../server/store/sessions.js';
import { type Role, Users } from '../../server/store/users.js';

// Credentials for tests: the app has no switch that turns access control off, so tests act as a
// user or a token, made directly in the store (as `unitscore user add` / `token create` would).

export const TEST_PASSWORD = 'correct horse battery staple';

/** `{ authorization: 'Bearer …' }` for a new API token of `role`. */
export function bearer(db: Db, role: TokenRole = 'viewer', name = `test-${role}`): { authorization: string } {
  const { token } = new ApiTokens(db).create({ name, role, createdBy: 'test' });
  return { authorization: `Bearer ${token}` };
}

/** Creates a user, unless one of that name exists. */
export async function ensureUser(db: Db, name: string, role: Role, password = TEST_PASSWORD): Promise<void> {
  const users = new Users(db);
  if (!users.byName(name)) await users.create(name, role, password);
}

interface Injector {
  inject(options: {
    method: 'POST';
    url: string;
    payload: unknown;
  }): Promise<{ statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string }>;
}

export interface TestSession {
  /** `{ cookie }` for reads. */
  cookie: { cookie: string };
  /** `{ cookie, 'x-csrf-token' }` for changes. */
  headers: { cookie: string; 'x-csrf-token': string };
  csrfToken: string;
  sessionToken: string;
}

/** Logs `name` in through POST /api/v1/auth/login, as the web app does. */
export async function login(app: Injector, name: string, password = TEST_PASSWORD): Promise<TestSession> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name, password } });
  if (res.statusCode !== 200) throw new Error(`login of ${name} failed: ${res.statusCode} ${res.body}`);
  const setCookie = String(res.headers['set-cookie'] ?? '');
  const sessionToken = /unitscore_session=([^;]+)/.exec(setCookie)?.[1];
  if (!sessionToken) throw new Error(`login of ${name} set no session cookie: ${setCookie}`);
  const { csrfToken } = res.json() as { csrfToken: string };
  const cookie = `unitscore_session=${sessionToken}`;
  return { cookie: { cookie }, headers: { cookie, 'x-csrf-token': csrfToken }, csrfToken, sessionToken };
}

/** A user of `role` (created if needed) logged in. */
export async function sessionAs(
  app: Injector,
  db: Db,
  role: Role,
  name: string = role,
): Promise<TestSession> {
  await ensureUser(db, name, role);
  return login(app, name);
}

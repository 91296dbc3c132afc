import type { FastifyInstance } from 'fastify';
import { AuditLog } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import { ApiTokens, defaultSessionPolicy, type SessionPolicy, Sessions } from '../../store/sessions.js';
import { Users } from '../../store/users.js';
import { type AccessControl, registerAccessControl } from './access.js';
import { adminRoutes } from './admin-routes.js';
import type { AccessRule } from './role-matrix.js';
import { sessionRoutes } from './session-routes.js';
import { SetupToken } from './setup-token.js';

export type { Principal, RouteAccess } from './access.js';
export type { Access, AccessRule } from './role-matrix.js';
export { setupNotice, setupUrl } from './setup-token.js';

export interface AuthOptions {
  /** How long sessions last (idle and absolute). */
  sessions?: SessionPolicy;
  /**
   * Secure cookies: 'auto' (default) marks the session cookie Secure when the request came over
   * HTTPS, directly or through a trusted proxy (http.trustProxy); 'always' marks it Secure even on
   * plain HTTP (then only browsers that treat the address as secure, like localhost, keep it).
   */
  secureCookies?: 'auto' | 'always';
  /** Login, setup and password-change attempts per client address. Default 10 a minute. */
  loginRateLimit?: { max: number; windowMs: number };
  /**
   * Told the one-time setup token when the app starts without any user. Default: a warning in
   * the app's log. The token only works until the first admin exists.
   */
  onSetupToken?: (token: string) => void;
  /** Another role matrix: only for tests of the refusal to start. */
  matrix?: readonly AccessRule[];
}

export interface AuthState extends AccessControl {
  /** True while no user exists and the setup token printed at start has not been used. */
  setupPending(): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthState;
  }
}

/**
 * Access control for the whole app: register on the root instance before any route (the
 * onRoute hook must see them all), after registerWebSecurity (rate limits).
 */
export async function registerAuth(
  app: FastifyInstance,
  options: AuthOptions & { db: Db; now: () => number },
): Promise<AuthState> {
  const { db, now } = options;
  const policy = options.sessions ?? defaultSessionPolicy;
  const users = new Users(db, now);
  const sessions = new Sessions(db, policy, now);
  const tokens = new ApiTokens(db, now);
  const audit = new AuditLog(db, now);
  const setup = new SetupToken();

  const access = registerAccessControl(app, { sessions, tokens, audit, matrix: options.matrix });
  const state: AuthState = { ...access, setupPending: () => setup.pending && users.count() === 0 };
  app.decorate('auth', state);

  app.addHook('onReady', async () => {
    sessions.purgeExpired();
    if (users.count() > 0) return;
    const token = setup.issue();
    if (options.onSetupToken) options.onSetupToken(token);
    else
      app.log.warn(
        `no user exists yet: create the first admin in the web app (#/setup?token=${token}), ` +
          'or with `unitscore user add NAME --role admin`. The setup token works once.',
      );
  });

  await app.register(
    async (api) => {
      await api.register(sessionRoutes, {
        users,
        sessions,
        audit,
        setup,
        secureCookies: options.secureCookies ?? 'auto',
        sessionMaxAgeMs: policy.absoluteMs,
        loginRateLimit: options.loginRateLimit ?? { max: 10, windowMs: 60_000 },
      });
      await api.register(adminRoutes, { users, sessions, tokens, audit, now });
    },
    { prefix: '/api/v1' },
  );
  return state;
}

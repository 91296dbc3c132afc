import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../store/audit.js';
import type { NewSession, Sessions } from '../../store/sessions.js';
import { type User, UserError, type Users } from '../../store/users.js';
import { ErrorBody } from '../schemas.js';
import { actorOf } from './access.js';
import { clearedSessionCookie, sessionCookie } from './cookies.js';
import { LoginBody, LoginInfo, PasswordChangeBody, SessionBody, SetupBody } from './schemas.js';
import type { SetupToken } from './setup-token.js';

export interface SessionRoutesOptions {
  users: Users;
  sessions: Sessions;
  audit: AuditLog;
  setup: SetupToken;
  /** Secure cookies always, or only for requests that came over HTTPS. */
  secureCookies: 'auto' | 'always';
  sessionMaxAgeMs: number;
  loginRateLimit: { max: number; windowMs: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Logging in and out, the first admin, one's own password and session. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, options) => {
  const { users, sessions, audit, setup } = options;
  const limited = {
    audit: false,
    rateLimit: { max: options.loginRateLimit.max, timeWindow: options.loginRateLimit.windowMs },
  };
  const secure = (request: FastifyRequest) =>
    options.secureCookies === 'always' || request.protocol === 'https';
  const from = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  });

  function startSession(request: FastifyRequest, reply: FastifyReply, user: User) {
    const session: NewSession = sessions.create(user.id, from(request));
    reply.header(
      'set-cookie',
      sessionCookie(session.token, {
        maxAgeSeconds: options.sessionMaxAgeMs / 1000,
        secure: secure(request),
      }),
    );
    return {
      user: { id: user.id, name: user.name, role: user.role },
      via: 'session' as const,
      csrfToken: session.csrfToken,
      expiresAt: iso(session.expiresAt),
    };
  }

  app.get('/auth/login', { schema: { response: { 200: LoginInfo } } }, async () => ({
    setupRequired: users.count() === 0,
  }));

  app.post(
    '/auth/login',
    {
      config: limited,
      schema: { body: LoginBody, response: { 200: SessionBody, 401: ErrorBody } },
    },
    async (request, reply) => {
      const { name, password } = request.body;
      const user = await users.authenticate(name, password);
      if (!user) {
        audit.record({
          actorKind: 'anonymous',
          actor: name,
          action: 'login-failed',
          status: 401,
          ip: request.ip,
        });
        return reply
          .code(401)
          .send({ statusCode: 401, error: 'Unauthorized', message: 'wrong user name or password' });
      }
      // A cookie the browser brought from before is dropped: a fresh id at every login.
      if (request.principal?.kind === 'session') sessions.destroy(request.principal.sessionToken);
      audit.record({ actorKind: 'user', actor: user.name, action: 'login', status: 200, ip: request.ip });
      return startSession(request, reply, user);
    },
  );

  app.post(
    '/auth/setup',
    {
      config: limited,
      schema: {
        body: SetupBody,
        response: { 200: SessionBody, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      if (users.count() > 0) {
        return reply.code(409).send({
          statusCode: 409,
          error: 'Conflict',
          message: 'unitscore is set up already: log in instead',
        });
      }
      if (!setup.matches(request.body.token)) {
        audit.record({
          actorKind: 'anonymous',
          actor: request.body.name,
          action: 'setup-failed',
          status: 401,
          ip: request.ip,
        });
        return reply.code(401).send({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'wrong setup token: use the one the server printed at its start',
        });
      }
      if (!setup.claim()) {
        return reply.code(409).send({
          statusCode: 409,
          error: 'Conflict',
          message: 'the first admin is being created by another request',
        });
      }
      let user: User;
      try {
        user = await users.create(request.body.name, 'admin', request.body.password);
      } catch (err) {
        setup.release();
        if (err instanceof UserError)
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message });
        throw err;
      }
      setup.consume();
      audit.record({
        actorKind: 'setup',
        actor: user.name,
        action: 'setup: first admin created',
        target: `user ${user.name}`,
        status: 200,
        ip: request.ip,
      });
      return startSession(request, reply, user);
    },
  );

  app.get('/auth/session', { schema: { response: { 200: SessionBody } } }, async (request) => {
    const principal = request.principal;
    if (!principal) throw new Error('access control let an anonymous caller through');
    if (principal.kind === 'token') {
      return {
        user: { id: null, name: principal.name, role: principal.role },
        via: 'token' as const,
        csrfToken: null,
        expiresAt: principal.token.expiresAt === null ? null : iso(principal.token.expiresAt),
      };
    }
    const live = sessions.resolve(principal.sessionToken);
    return {
      user: { id: principal.user.id, name: principal.name, role: principal.role },
      via: 'session' as const,
      csrfToken: principal.csrfToken,
      expiresAt: live ? iso(live.expiresAt) : null,
    };
  });

  app.post('/auth/logout', { config: { audit: false } }, async (request, reply) => {
    const principal = request.principal;
    if (principal?.kind === 'session') {
      sessions.destroy(principal.sessionToken);
      audit.record({ ...actorOf(principal), action: 'logout', status: 204, ip: request.ip });
    }
    return reply
      .header('set-cookie', clearedSessionCookie(secure(request)))
      .code(204)
      .send();
  });

  app.post(
    '/auth/password',
    {
      config: limited,
      schema: { body: PasswordChangeBody, response: { 200: SessionBody, 400: ErrorBody, 403: ErrorBody } },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== 'session')
        return reply
          .code(400)
          .send({ statusCode: 400, error: 'Bad Request', message: 'a token has no password to change' });
      const checked = await users.authenticate(principal.name, request.body.currentPassword);
      if (!checked || checked.id !== principal.user.id) {
        audit.record({
          ...actorOf(principal),
          action: 'password-change-failed',
          target: `user ${principal.name}`,
          status: 403,
          ip: request.ip,
        });
        return reply
          .code(403)
          .send({ statusCode: 403, error: 'Forbidden', message: 'the current password is wrong' });
      }
      try {
        // Ends every session of the user, this one too: a fresh one follows.
        await users.setPassword(principal.user.id, request.body.newPassword);
      } catch (err) {
        if (err instanceof UserError)
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message });
        throw err;
      }
      audit.record({
        ...actorOf(principal),
        action: 'password changed',
        target: `user ${principal.name}`,
        status: 200,
        ip: request.ip,
      });
      return startSession(request, reply, checked);
    },
  );
};

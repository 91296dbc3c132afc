import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../store/audit.js';
import type { ApiToken, ApiTokens, Sessions, TokenRole } from '../../store/sessions.js';
import type { User } from '../../store/users.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { type Access, type AccessRule, accessFor, ROLE_MATRIX } from './role-matrix.js';

// Enforcement of the role matrix: an onRoute hook gives every route its rule (and refuses the
// app's start when one has none), an onRequest hook checks the caller against it before the body
// is even read, and an onResponse hook writes every change to the audit log.

export type Principal =
  | { kind: 'session'; user: User; role: User['role']; name: string; csrfToken: string; sessionToken: string }
  | { kind: 'token'; token: ApiToken; role: TokenRole; name: string };

export interface AuditNote {
  target?: string;
  detail?: Record<string, unknown>;
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; null for anonymous callers of public routes. */
    principal: Principal | null;
    /** What a handler wants the audit log to say about this change beyond method and path. */
    auditNote: AuditNote | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** false: the handler writes its own audit entry (logins). */
    audit?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RANK: Record<TokenRole, number> = { metrics: 0, viewer: 1, operator: 2, admin: 3 };
/** Bodies a route takes unless it says otherwise: every body of this API is a small JSON object. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export function allows(access: Access, role: TokenRole): boolean {
  switch (access) {
    case 'public':
    case 'metrics-token':
      return true;
    case 'viewer':
    case 'operator':
    case 'admin':
      return RANK[role] >= RANK[access];
  }
}

export function actorOf(principal: Principal): { actorKind: 'user' | 'token'; actor: string } {
  return principal.kind === 'session'
    ? { actorKind: 'user', actor: principal.name }
    : { actorKind: 'token', actor: `${principal.name} (#${principal.token.id})` };
}

function deny(reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="unitscore"');
  return reply
    .code(status)
    .send({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface AccessControl {
  /** Every route seen, with its rule: the table the route-walk test checks. */
  routes: RouteAccess[];
}

export function registerAccessControl(
  app: FastifyInstance,
  deps: { sessions: Sessions; tokens: ApiTokens; audit: AuditLog; matrix?: readonly AccessRule[] },
): AccessControl {
  const { sessions, tokens, audit } = deps;
  const matrix = deps.matrix ?? ROLE_MATRIX;
  const routes: RouteAccess[] = [];
  const unruled: string[] = [];

  app.decorateRequest('principal', null);
  app.decorateRequest('auditNote', null);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const found = new Set<Access>();
    for (const method of methods) {
      const rule = accessFor(method, route.url, matrix);
      if (!rule) {
        unruled.push(`${method} ${route.url}`);
        continue;
      }
      found.add(rule.access);
      routes.push({ method, url: route.url, access: rule.access });
    }
    // One handler for methods with different rules would get the loosest one: refuse that too.
    if (found.size > 1) unruled.push(`${methods.join('|')} ${route.url} (methods with different rules)`);
    route.config = { ...route.config, access: found.size === 1 ? [...found][0] : undefined };
    route.bodyLimit ??= DEFAULT_BODY_LIMIT;
  });

  app.addHook('onReady', async () => {
    if (unruled.length > 0)
      throw new Error(
        `refusing to start: routes without a rule in server/http/auth/role-matrix.ts: ${unruled.join(', ')}`,
      );
  });

  const identify = (request: FastifyRequest): Principal | 'invalid' | null => {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const bearer = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(authorization);
      const token = bearer?.[1] ? tokens.resolve(bearer[1]) : null;
      return token ? { kind: 'token', token, role: token.role, name: token.name } : 'invalid';
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = cookie ? sessions.resolve(cookie) : null;
    if (!session) return null;
    return {
      kind: 'session',
      user: session.user,
      role: session.user.role,
      name: session.user.name,
      csrfToken: session.csrfToken,
      sessionToken: cookie as string,
    };
  };

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) {
      if (request.is404) return; // the not-found handler has nothing to give away
      request.log.error({ url: request.url }, 'route without an access rule reached');
      return deny(reply, 403, 'this route has no access rule');
    }
    const unsafe = UNSAFE.has(request.method);
    // A browser says where a request comes from: no other site may change anything here, not
    // even log someone in (login CSRF). SameSite cookies and the CSRF token cover the rest.
    const site = request.headers['sec-fetch-site'];
    if (unsafe && site !== undefined && site !== 'same-origin' && site !== 'none')
      return deny(reply, 403, 'cross-site request refused');

    const principal = identify(request);
    if (access === 'public') {
      request.principal = principal === 'invalid' ? null : principal;
      return;
    }
    if (principal === 'invalid') return deny(reply, 401, 'invalid, expired or revoked token');
    if (principal === null) return deny(reply, 401, 'authentication required: log in or send a bearer token');
    request.principal = principal;
    if (!allows(access, principal.role))
      return deny(reply, 403, `this needs the ${access} role; ${principal.name} has ${principal.role}`);
    if (principal.kind === 'session' && unsafe) {
      const given = request.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameSecret(given, principal.csrfToken))
        return deny(reply, 403, 'missing or wrong X-CSRF-Token header');
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!UNSAFE.has(request.method) || request.routeOptions.config.audit === false) return;
    const principal = request.principal;
    if (!principal) return; // refused before anyone was identified: nothing changed
    try {
      audit.record({
        ...actorOf(principal),
        action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        target: request.auditNote?.target ?? request.url.split('?')[0] ?? null,
        status: reply.statusCode,
        ip: request.ip,
        detail: request.auditNote?.detail ?? null,
      });
    } catch (err) {
      request.log.error({ err }, 'audit log write failed');
    }
  });

  return { routes };
}

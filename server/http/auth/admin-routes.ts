import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AuditLog } from '../../store/audit.js';
import { type ApiToken, type ApiTokens, type Sessions, TokenError } from '../../store/sessions.js';
import { type User, UserError, type Users } from '../../store/users.js';
import { ErrorBody } from '../schemas.js';
import { actorOf } from './access.js';
import {
  AuditQuery,
  AuditResponse,
  CreatedToken,
  IdParams,
  NewTokenBody,
  NewUserBody,
  PasswordSetBody,
  TokenBody,
  TokensResponse,
  UserBody,
  UserPatchBody,
  UsersResponse,
} from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function presentToken(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    prefix: token.prefix,
    createdAt: iso(token.createdAt),
    createdBy: token.createdBy,
    expiresAt: isoOrNull(token.expiresAt),
    lastUsedAt: isoOrNull(token.lastUsedAt),
    revokedAt: isoOrNull(token.revokedAt),
  };
}

const STATUS = {
  'bad-name': 400,
  'bad-password': 400,
  'bad-role': 400,
  'bad-expiry': 400,
  exists: 409,
  'last-admin': 409,
  'not-found': 404,
} as const;
const REASON = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' } as const;

function refuse(reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof UserError) && !(err instanceof TokenError)) throw err;
  const status = STATUS[err.code];
  return reply.code(status).send({ statusCode: status, error: REASON[status], message: err.message });
}

/** Users, API tokens and the audit log: admins only (role-matrix.ts). */
export const adminRoutes: FastifyPluginAsyncTypebox<{
  users: Users;
  sessions: Sessions;
  tokens: ApiTokens;
  audit: AuditLog;
  now: () => number;
}> = async (app, { users, sessions, tokens, audit, now }) => {
  const presentUser = (user: User) => ({
    id: user.id,
    name: user.name,
    role: user.role,
    createdAt: iso(user.createdAt),
    passwordChangedAt: iso(user.passwordChangedAt),
    sessions: sessions.countOf(user.id),
  });
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  app.get('/users', { schema: { response: { 200: UsersResponse } } }, async () => ({
    users: users.list().map(presentUser),
  }));

  app.post(
    '/users',
    { schema: { body: NewUserBody, response: { 201: UserBody, ...errors } } },
    async (request, reply) => {
      const { name, role, password } = request.body;
      request.auditNote = { target: `user ${name}`, detail: { role } };
      try {
        const user = await users.create(name, role, password);
        return reply.code(201).send(presentUser(user));
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.patch(
    '/users/:id',
    { schema: { params: IdParams, body: UserPatchBody, response: { 200: UserBody, ...errors } } },
    async (request, reply) => {
      const before = users.get(request.params.id);
      request.auditNote = {
        target: `user ${before?.name ?? `#${request.params.id}`}`,
        detail: { role: request.body.role, was: before?.role ?? null },
      };
      try {
        return presentUser(users.setRole(request.params.id, request.body.role));
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.delete(
    '/users/:id',
    { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      request.auditNote = { target: `user ${users.get(request.params.id)?.name ?? `#${request.params.id}`}` };
      try {
        users.remove(request.params.id);
        return reply.code(204).send(null);
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.put(
    '/users/:id/password',
    { schema: { params: IdParams, body: PasswordSetBody, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      request.auditNote = {
        target: `user ${users.get(request.params.id)?.name ?? `#${request.params.id}`}`,
        detail: { sessionsEnded: true },
      };
      try {
        await users.setPassword(request.params.id, request.body.password);
        return reply.code(204).send(null);
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.get('/tokens', { schema: { response: { 200: TokensResponse } } }, async () => ({
    tokens: tokens.list().map(presentToken),
  }));

  app.post(
    '/tokens',
    { schema: { body: NewTokenBody, response: { 201: CreatedToken, ...errors } } },
    async (request, reply) => {
      const { name, role, expiresInDays } = request.body;
      const principal = request.principal;
      try {
        const created = tokens.create({
          name,
          role,
          createdBy: principal ? actorOf(principal).actor : 'unknown',
          expiresAt: expiresInDays === undefined ? null : now() + expiresInDays * 86_400_000,
        });
        request.auditNote = {
          target: `token ${name} (#${created.id})`,
          detail: { role, expiresAt: isoOrNull(created.expiresAt) },
        };
        return reply.code(201).send({ ...presentToken(created), token: created.token });
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.delete(
    '/tokens/:id',
    { schema: { params: IdParams, response: { 200: TokenBody, ...errors } } },
    async (request, reply) => {
      const token = tokens.get(request.params.id);
      request.auditNote = { target: `token ${token?.name ?? '?'} (#${request.params.id})` };
      try {
        tokens.revoke(request.params.id);
        return presentToken(tokens.get(request.params.id) as ApiToken);
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.get(
    '/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditResponse } } },
    async (request) => {
      const page = audit.list({ limit: request.query.limit ?? 100, before: request.query.before });
      return { entries: page.entries.map((e) => ({ ...e, at: iso(e.at) })), next: page.next };
    },
  );
};

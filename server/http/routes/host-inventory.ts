import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { schemaProblems } from '../../config/host-spec.js';
import { type Inventory, InventoryError } from '../../inventory/inventory.js';
import type { Views } from '../../store/views.js';
import { actorOf } from '../auth/access.js';
import { presentHost } from '../present.js';
import { ErrorBody, HostParams, HostPatchBody, HostSummary, NewHostBody } from '../schemas.js';

// The inventory through the API (issue 7): one host, adding, changing and retiring hosts. Only
// hosts added here can be changed here; the config file's are read-only (409).

const STATUS = { invalid: 400, exists: 409, 'read-only': 409, 'not-found': 404 } as const;
const REASON = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' } as const;

function refuse(reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof InventoryError)) throw err;
  const status = STATUS[err.code];
  return reply.code(status).send({ statusCode: status, error: REASON[status], message: err.message });
}

/**
 * The body checked as the config file is, before Fastify's own validation (which would coerce
 * "22" to 22 and silently drop unknown keys): every problem named by key, as the loader does.
 */
function strictBody(schema: TSchema) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const problems = schemaProblems(schema, request.body);
    if (problems.length === 0) return;
    const message = problems.map((p) => (p.key ? `${p.key}: ${p.reason}` : p.reason)).join('; ');
    return reply
      .code(400)
      .send({ statusCode: 400, error: 'Bad Request', message: `invalid host: ${message}` });
  };
}

export const hostInventoryRoutes: FastifyPluginAsyncTypebox<{ views: Views; inventory: Inventory }> = async (
  app,
  { views, inventory },
) => {
  const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
  const actor = (request: FastifyRequest) =>
    request.principal ? actorOf(request.principal).actor : 'unknown';
  const present = (id: number) => {
    const host = views.hostById(id);
    if (!host) throw new Error(`host ${id} vanished`);
    return presentHost(host);
  };

  app.get(
    '/hosts/:id',
    { schema: { params: HostParams, response: { 200: HostSummary, 404: ErrorBody } } },
    async (request, reply) => {
      const host = views.hostById(request.params.id);
      if (!host)
        return reply
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: `no host with id ${request.params.id}` });
      return presentHost(host);
    },
  );

  app.post(
    '/hosts',
    {
      schema: { body: NewHostBody, response: { 201: HostSummary, ...errors } },
      preValidation: strictBody(NewHostBody),
    },
    async (request, reply) => {
      request.auditNote = { target: `host ${request.body.name}`, detail: { host: request.body } };
      try {
        const { entry, revived } = inventory.add(request.body, actor(request));
        request.auditNote.detail = { host: request.body, id: entry.id, revived };
        return reply.code(201).header('location', `/api/v1/hosts/${entry.id}`).send(present(entry.id));
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.patch(
    '/hosts/:id',
    {
      schema: { params: HostParams, body: HostPatchBody, response: { 200: HostSummary, ...errors } },
      preValidation: strictBody(HostPatchBody),
    },
    async (request, reply) => {
      const { id } = request.params;
      request.auditNote = {
        target: `host ${inventory.get(id)?.name ?? `#${id}`}`,
        detail: { changes: request.body },
      };
      try {
        inventory.update(id, request.body, actor(request));
        return present(id);
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );

  app.delete(
    '/hosts/:id',
    { schema: { params: HostParams, response: { 200: HostSummary, ...errors } } },
    async (request, reply) => {
      const { id } = request.params;
      request.auditNote = {
        target: `host ${inventory.get(id)?.name ?? `#${id}`}`,
        detail: { retired: true },
      };
      try {
        inventory.remove(id);
        return present(id);
      } catch (err) {
        return refuse(reply, err);
      }
    },
  );
};

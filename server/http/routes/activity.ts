import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ScanActivity } from '../../collect/scan-activity.js';
import type { ScanNow } from '../app.js';
import { ErrorBody, ScanActivityBody } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The live scan status: what the scheduler is doing now, polled by the UI. */
export const activityRoutes: FastifyPluginAsyncTypebox<{ activity: ScanActivity; scanNow: ScanNow }> = async (
  app,
  { activity, scanNow },
) => {
  // "Scan now": the matching hosts become due at once; the answer says how many matched.
  app.post(
    '/scans',
    {
      schema: {
        body: Type.Optional(
          Type.Object(
            {
              host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
              label: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 202: Type.Object({ matched: Type.Integer() }), 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const filter = request.body ?? {};
      const matched = scanNow(filter);
      if (matched === 0 && (filter.host !== undefined || filter.label !== undefined)) {
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no host matches' });
      }
      return reply.code(202).send({ matched });
    },
  );

  app.get('/scans/activity', { schema: { response: { 200: ScanActivityBody } } }, async () => {
    const now = activity.snapshot();
    return {
      ...now,
      startedAt: iso(now.startedAt),
      finishedAt: iso(now.finishedAt),
      nextRoundAt: iso(now.nextRoundAt),
    };
  });
};

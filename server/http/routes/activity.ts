import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ActivitySnapshot, ScanActivity } from '../../collect/scan-activity.js';
import type { ScanNow } from '../app.js';
import { ErrorBody, ScanActivityBody } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const present = (s: ActivitySnapshot) => ({
  ...s,
  startedAt: iso(s.startedAt),
  finishedAt: iso(s.finishedAt),
  nextRoundAt: iso(s.nextRoundAt),
});

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

  // The same snapshots as a Server-Sent Events stream, one per change, so a client follows a
  // scan round live without polling. A comment line every 15 s keeps proxies from closing it.
  app.get('/scans/events', async (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (snapshot: ActivitySnapshot) => {
      res.write(`event: activity\ndata: ${JSON.stringify(present(snapshot))}\n\n`);
    };
    send(activity.snapshot());
    activity.on('change', send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    // A stream must never hold the process open on its own (shutdown, tests).
    keepAlive.unref();
    const stop = () => {
      clearInterval(keepAlive);
      activity.off('change', send);
    };
    request.raw.on('close', stop);
    res.on('close', stop);
  });

  app.get('/scans/activity', { schema: { response: { 200: ScanActivityBody } } }, async () =>
    present(activity.snapshot()),
  );
};

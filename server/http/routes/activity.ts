import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ScanActivity } from '../../collect/scan-activity.js';
import { ScanActivityBody } from '../schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The live scan status: what the scheduler is doing now, polled by the UI. */
export const activityRoutes: FastifyPluginAsyncTypebox<{ activity: ScanActivity }> = async (
  app,
  { activity },
) => {
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

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health } from '../schemas.js';

export const healthRoutes: FastifyPluginAsyncTypebox<{ version: string; demo: boolean }> = async (
  app,
  opts,
) => {
  app.get('/health', { schema: { response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
    version: opts.version,
    demo: opts.demo,
  }));
};

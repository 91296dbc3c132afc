import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { ScanActivity } from '../collect/scan-activity.js';
import { webDistDir } from '../paths.js';
import type { Db } from '../store/db.js';
import { Views } from '../store/views.js';
import { registerErrorHandling } from './errors.js';
import { activityRoutes } from './routes/activity.js';
import { healthRoutes } from './routes/health.js';
import { hostRoutes } from './routes/hosts.js';

export interface AppOptions {
  db: Db;
  version: string;
  demo: boolean;
  /** The scheduler's live state; a fresh idle one when nothing scans (tests, tools). */
  activity?: ScanActivity;
  logger?: FastifyServerOptions['logger'];
  /** The built web app; omitted or missing, only the API is served. */
  webDir?: string | null;
}

/** Build the whole HTTP app without listening, so tests can `inject` requests. */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { maxParamLength: 600 },
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandling(app);
  const views = new Views(options.db);
  await app.register(
    async (api) => {
      await api.register(healthRoutes, { version: options.version, demo: options.demo });
      await api.register(hostRoutes, { views });
      await api.register(activityRoutes, { activity: options.activity ?? new ScanActivity() });
    },
    { prefix: '/api/v1' },
  );
  const webDir = options.webDir === undefined ? webDistDir : options.webDir;
  if (webDir && existsSync(webDir)) {
    await app.register(fastifyStatic, { root: webDir, wildcard: false });
  }
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;

import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { ScanActivity } from '../collect/scan-activity.js';
import { defaultHostDefaults } from '../config/host-spec.js';
import { Inventory } from '../inventory/inventory.js';
import { webDistDir } from '../paths.js';
import type { Db } from '../store/db.js';
import { DataGeneration } from '../store/generation.js';
import { HostPages } from '../store/host-pages.js';
import { fleetQueries } from '../store/queries/index.js';
import { UnitAtScanQuery } from '../store/queries/unit-at-scan.js';
import { UnitFilesReader } from '../store/unit-files.js';
import { Views } from '../store/views.js';
import { type AuthOptions, registerAuth } from './auth/index.js';
import { registerErrorHandling } from './errors.js';
import { metricsRoutes } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { activityRoutes } from './routes/activity.js';
import { fleetRoutes } from './routes/fleet.js';
import { healthRoutes } from './routes/health.js';
import { hostHistoryRoutes } from './routes/host-history.js';
import { hostInventoryRoutes } from './routes/host-inventory.js';
import { hostRoutes } from './routes/hosts.js';
import { scoreRoutes } from './routes/score.js';
import { type HttpOptions, httpServerOptions, registerWebSecurity } from './security.js';

export type ScanNow = (filter: { host?: string; label?: string }) => number;

export interface AppOptions {
  db: Db;
  version: string;
  demo: boolean;
  /** The scheduler's live state; a fresh idle one when nothing scans (tests, tools). */
  activity?: ScanActivity;
  logger?: FastifyServerOptions['logger'];
  /** "Scan now" for a host, a label or the fleet; absent where nothing scans. */
  scanNow?: ScanNow;
  /** The built web app; omitted or missing, only the API is served. */
  webDir?: string | null;
  /** The clock: "today" for trends, "the last 24 hours" for metrics. */
  now?: () => number;
  /** Access control (always on): sessions, setup token, login rate limit. */
  auth?: AuthOptions;
  /** TLS, reverse proxy and body limits. */
  http?: HttpOptions;
  /**
   * The live inventory (config file + API hosts), loaded by the caller. Absent (tests, tools):
   * one over the database with a config file's defaults, and no scheduler to tell.
   */
  inventory?: Inventory;
}

/** Build the whole HTTP app without listening, so tests can `inject` requests. */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    routerOptions: { maxParamLength: 600 },
    // Event streams never go idle: close them too when the server stops.
    forceCloseConnections: true,
    ...httpServerOptions(options.http),
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandling(app);
  const views = new Views(options.db);
  const queries = fleetQueries(options.db);
  const now = options.now ?? Date.now;
  // --- Access control and web defences (issue 6). Before every route: the onRoute hook gives
  // each route its rule from auth/role-matrix.ts, and a route without one stops the start.
  await registerWebSecurity(app, options.http);
  await registerAuth(app, { ...options.auth, db: options.db, now });
  // --- end of access control.
  await registerOpenApi(app, { version: options.version });
  await app.register(
    async (api) => {
      await api.register(healthRoutes, { version: options.version, demo: options.demo });
      await api.register(hostRoutes, {
        views,
        pages: new HostPages(options.db),
        generation: new DataGeneration(options.db),
      });
      await api.register(hostInventoryRoutes, {
        views,
        inventory:
          options.inventory ??
          new Inventory(options.db, { defaults: defaultHostDefaults(), configFile: null }),
      });
      await api.register(scoreRoutes, {
        views,
        unitFiles: new UnitFilesReader(options.db),
        unitAtScan: new UnitAtScanQuery(options.db),
      });
      await api.register(activityRoutes, {
        activity: options.activity ?? new ScanActivity(),
        scanNow: options.scanNow ?? (() => 0),
      });
      await api.register(fleetRoutes, { queries, now });
      await api.register(hostHistoryRoutes, { queries, now });
    },
    { prefix: '/api/v1' },
  );
  await app.register(metricsRoutes, { queries, now });
  // Every host's share of the fleet aggregates is read once, when the first fleet request needs
  // it (~1 s at 10,000 hosts): read it as soon as the server listens, not on someone's click.
  app.addHook('onListen', async () => {
    setImmediate(() => {
      const started = performance.now();
      try {
        queries.overview.run([]);
        queries.worstUnits.groups([]);
        queries.gaps.run([]);
      } catch (err) {
        // Closed already (a server stopped at once): the first request would have paid it.
        app.log.debug({ component: 'fleet', err }, 'fleet aggregates not read ahead');
        return;
      }
      const ms = Math.round(performance.now() - started);
      app.log.info({ component: 'fleet', ms }, 'fleet aggregates ready');
    });
  });
  const webDir = options.webDir === undefined ? webDistDir : options.webDir;
  if (webDir && existsSync(webDir)) {
    await app.register(fastifyStatic, { root: webDir, wildcard: false });
  }
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;

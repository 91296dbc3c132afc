import type { FastifyBaseLogger } from 'fastify';
import { ScanActivity } from './collect/scan-activity.js';
import type { RoundProgress } from './collect/scan-round.js';
import { startScheduler } from './collect/scheduler.js';
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { type Db, openDb } from './store/db.js';
import { syncInventory } from './store/hosts.js';
import { housekeep } from './store/housekeeping.js';
import { ScanWriter } from './store/scans.js';
import { version } from './version.js';

// The composition root: config → database → inventory → HTTP app → scheduler, in that order.

const HOUSEKEEPING_INTERVAL_MS = 6 * 3_600_000;

export interface Running {
  url: string;
  db: Db;
  firstRound: Promise<void>;
  close(): Promise<void>;
}

/** Store each scan as it comes in, and say what happened in one structured log line. */
export function scanRecorder(db: Db, config: Config, log: FastifyBaseLogger) {
  const ids = syncInventory(db, config.hosts);
  const writer = new ScanWriter(db);
  return ({ done, total, target, result }: RoundProgress) => {
    const hostId = ids.get(target.name);
    if (hostId === undefined) return;
    const scanId = writer.save(hostId, result);
    const exposures = result.units.map((u) => u.exposure ?? 0);
    log.info(
      {
        host: target.name,
        scanId,
        status: result.status,
        units: result.units.length,
        worst: exposures.length ? Math.max(...exposures) / 10 : null,
        durationMs: result.finishedAt.getTime() - result.startedAt.getTime(),
        progress: `${done}/${total}`,
        ...(result.error ? { error: result.error } : {}),
      },
      'host scanned',
    );
  };
}

export async function startUnitscore(
  config: Config,
  options: { demo: boolean; logger: boolean | object },
): Promise<Running> {
  const db = openDb(config.database);
  const activity = new ScanActivity();
  const app = await buildApp({ db, version, demo: options.demo, logger: options.logger, activity });
  const log = app.log.child({ component: 'scheduler' });
  if (options.demo) {
    log.warn(
      { hosts: config.hosts.length },
      'DEMO FLEET: simulated SSH hosts answering with recorded real reports',
    );
  }
  const scheduler = startScheduler({
    targets: config.hosts,
    intervalMs: config.scan.intervalMs,
    concurrency: config.scan.concurrency,
    connectTimeoutMs: config.scan.connectTimeoutMs,
    timeoutMs: config.scan.timeoutMs,
    maxOutputBytes: config.scan.maxOutputBytes,
    onResult: scanRecorder(db, config, log),
    onRoundDone: (round) => log.info(round, 'scan round finished'),
    activity,
  });
  const housekeeping = () => {
    const started = Date.now();
    const result = housekeep(db, config.retention);
    app.log.info(
      { component: 'housekeeping', ...result, durationMs: Date.now() - started },
      'retention enforced',
    );
  };
  housekeeping();
  const housekeepingTimer = setInterval(housekeeping, HOUSEKEEPING_INTERVAL_MS);
  housekeepingTimer.unref();
  const url = await app.listen({ host: config.listen.host, port: config.listen.port });
  return {
    url,
    db,
    firstRound: scheduler.firstRound,
    close: async () => {
      clearInterval(housekeepingTimer);
      await scheduler.stop();
      await app.close();
      db.close();
    },
  };
}

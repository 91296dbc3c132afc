import type { FastifyBaseLogger } from 'fastify';
import { AnalysePool } from './collect/analyse-pool.js';
import { saveAnalysed } from './collect/save-analysed.js';
import { ScanActivity } from './collect/scan-activity.js';
import type { ScanHooks, ScanResult } from './collect/scan-host.js';
import type { RoundProgress } from './collect/scan-round.js';
import { type DueStore, startScheduler } from './collect/scheduler.js';
import type { Config, HostTarget } from './config/config.js';
import { defaultHostDefaults } from './config/host-spec.js';
import type { ScanNow } from './http/app.js';
import { buildApp } from './http/app.js';
import { setupNotice } from './http/auth/index.js';
import { Inventory } from './inventory/inventory.js';
import { type Db, openDb } from './store/db.js';
import { HostKeys } from './store/host-keys.js';
import { housekeepInTurns } from './store/housekeeping.js';
import { ScanWriter } from './store/scans.js';
import { ScheduleStore } from './store/schedule.js';
import { version } from './version.js';

// The composition root: config → database → inventory → HTTP app → scheduler, in that order.

const HOUSEKEEPING_INTERVAL_MS = 6 * 3_600_000;

/** Due times by host name, kept in the database by host id. */
function scheduleStore(db: Db, ids: Map<string, number>): DueStore {
  const store = new ScheduleStore(db);
  const names = new Map([...ids].map(([name, id]) => [id, name]));
  return {
    load: () =>
      new Map(
        [...store.load()].flatMap(([id, due]) =>
          names.has(id) ? [[names.get(id) as string, due] as const] : [],
        ),
      ),
    save: (name, due) => {
      const id = ids.get(name);
      if (id !== undefined) store.save(id, due);
    },
  };
}

export interface Running {
  url: string;
  db: Db;
  firstRound: Promise<void>;
  close(): Promise<void>;
}

/**
 * Store each scan as it comes in and say what happened in one structured log line; and tell
 * the collector which reports are repeats of the host's last one, so those skip parsing. With
 * a pool, reports are checked, parsed and encoded on its worker threads.
 */
export function scanRecorder(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  inventory: Inventory = openInventory(db, config, log),
  pool?: AnalysePool,
) {
  // Live: hosts added through the API get an id here the moment they are added.
  const ids = inventory.ids;
  const writer = new ScanWriter(db);
  const keys = new HostKeys(db);
  const hooks = (target: HostTarget): ScanHooks => {
    const hostId = ids.get(target.name);
    const pinned = hostId === undefined ? null : keys.pinned(hostId);
    return {
      repeatOf: (report) => (hostId === undefined ? null : writer.repeatOf(hostId, report)),
      ...(pool && hostId !== undefined
        ? { analyse: (report: Buffer) => pool.analyse(report, writer.lastOkReport(hostId)) }
        : {}),
      pin: { fingerprint: pinned?.fingerprint ?? null, trustOnFirstUse: target.trustOnFirstUse === true },
    };
  };
  // A changed key is an event alerting acts on; a key trusted on first use is pinned from now on.
  const keyEvents = (hostId: number, result: ScanResult) => {
    if (result.status === 'hostkey-changed') {
      keys.event(hostId, 'hostkey-changed', { presented: result.hostKey, error: result.error });
    } else if (result.hostKeyVia === 'first-use' && result.hostKey) {
      keys.pin(
        hostId,
        { keyType: result.hostKey.type, fingerprint: result.hostKey.fingerprint },
        'first-use',
      );
      keys.event(hostId, 'hostkey-pinned', { pinned: result.hostKey, by: 'first-use' });
    }
  };
  const record = ({ done, total, target, result }: RoundProgress): number | null => {
    const hostId = ids.get(target.name);
    if (hostId === undefined) return null;
    const scanId = saveAnalysed(writer, hostId, result);
    keyEvents(hostId, result);
    const summary = writer.summary(scanId);
    log.info(
      {
        host: target.name,
        scanId,
        status: result.status,
        units: summary.unitCount,
        worst: summary.worst === null ? null : summary.worst / 10,
        unchanged: result.repeatOf !== undefined,
        durationMs: result.finishedAt.getTime() - result.startedAt.getTime(),
        progress: `${done}/${total}`,
        ...(result.error ? { error: result.error } : {}),
      },
      'host scanned',
    );
    return scanId;
  };
  return { ids, hooks, record, inventory };
}

function newInventory(db: Db, config: Config): Inventory {
  return new Inventory(db, {
    defaults: config.hostDefaults ?? defaultHostDefaults(),
    configFile: config.source,
  });
}

/** The config file's hosts and the API's, in one inventory; what it had to say goes to the log. */
export function openInventory(
  db: Db,
  config: Config,
  log: FastifyBaseLogger,
  inventory = newInventory(db, config),
): Inventory {
  for (const warning of inventory.load(config.hosts)) log.warn({ component: 'inventory' }, warning);
  return inventory;
}

export async function startUnitscore(
  config: Config,
  options: { demo: boolean; logger: boolean | object },
): Promise<Running> {
  const db = openDb(config.database);
  const activity = new ScanActivity();
  // The scheduler starts after the app is built; the API reaches it through this.
  let scanNow: ScanNow = () => 0;
  let setupToken: string | null = null;
  // Loaded once the app's log exists; the API uses it only once the server listens.
  const inventory = newInventory(db, config);
  const app = await buildApp({
    db,
    inventory,
    version,
    demo: options.demo,
    logger: options.logger,
    activity,
    scanNow: (filter) => scanNow(filter),
    http: config.http,
    auth: {
      secureCookies: config.http.secureCookies,
      onSetupToken: (token) => {
        setupToken = token;
      },
    },
  });
  const log = app.log.child({ component: 'scheduler' });
  if (options.demo) {
    log.warn(
      { hosts: config.hosts.length },
      'DEMO FLEET: simulated SSH hosts answering with recorded real reports',
    );
  }
  const pool = new AnalysePool({ maxReportBytes: config.scan.maxOutputBytes });
  const recorder = scanRecorder(db, config, log, openInventory(db, config, log, inventory), pool);
  const scheduler = startScheduler({
    targets: inventory.targets(),
    intervalMs: config.scan.intervalMs,
    concurrency: config.scan.concurrency,
    connectTimeoutMs: config.scan.connectTimeoutMs,
    timeoutMs: config.scan.timeoutMs,
    maxOutputBytes: config.scan.maxOutputBytes,
    startSpreadMs: config.scan.startSpreadMs,
    store: scheduleStore(db, recorder.ids),
    onResult: recorder.record,
    hooks: recorder.hooks,
    activity,
  });
  // Hosts added, changed or removed through the API are scheduled (or not) at once.
  inventory.onChange((targets) => scheduler.setTargets(targets));
  scanNow = (filter) =>
    scheduler.scanNow(
      (t) =>
        (filter.host === undefined || t.name === filter.host) &&
        (filter.label === undefined || t.labels.includes(filter.label)),
    );
  // In turns: scans and requests get the event loop between its batches.
  const housekeeping = async () => {
    const started = Date.now();
    try {
      const result = await housekeepInTurns(db, config.retention);
      app.log.info(
        { component: 'housekeeping', ...result, durationMs: Date.now() - started },
        'retention enforced',
      );
    } catch (err) {
      // Stopped mid-way (the database closed at shutdown): the next run carries on.
      app.log.warn({ component: 'housekeeping', err }, 'retention not fully enforced');
    }
  };
  void housekeeping();
  const housekeepingTimer = setInterval(() => void housekeeping(), HOUSEKEEPING_INTERVAL_MS);
  housekeepingTimer.unref();
  const url = await app.listen({ host: config.listen.host, port: config.listen.port });
  // No user yet: the one-time token that creates the first admin, with the page that takes it.
  if (setupToken) process.stderr.write(`${setupNotice(url, setupToken)}\n`);
  return {
    url,
    db,
    firstRound: scheduler.firstRound,
    close: async () => {
      clearInterval(housekeepingTimer);
      await scheduler.stop();
      await pool.close();
      await app.close();
      db.close();
    },
  };
}

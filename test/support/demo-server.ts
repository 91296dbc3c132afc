import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../server/config/config.js';
import { startDemoFleet } from '../../server/demo/fleet.js';
import { startUnitscore } from '../../server/main.js';
import { defaultRetention } from '../../server/store/housekeeping.js';
import { bearer, ensureUser, TEST_PASSWORD } from './auth.js';

/**
 * The whole server as `npm start` runs it (demo fleet, SQLite file on disk, built web app), on
 * a free port and its own loopback addresses; resolves once the first scan round is stored.
 * It has an admin (`login`, to log in through the web app) and a viewer token (`apiHeaders`,
 * for the test's own API requests), made as `unitscore user add` / `token create` would.
 */
export async function startDemoServer(options: { addressOctet?: number } = {}): Promise<{
  url: string;
  dir: string;
  login: { name: string; password: string };
  apiHeaders: { authorization: string };
  close(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'unitscore-demo-'));
  const fleet = await startDemoFleet(join(dir, 'demo'), options.addressOctet ?? 43);
  const config: Config = {
    source: null,
    listen: { host: '127.0.0.1', port: 0 },
    database: join(dir, 'unitscore.db'),
    scan: {
      intervalMs: 3_600_000,
      startSpreadMs: 0,
      concurrency: 4,
      connectTimeoutMs: 5000,
      timeoutMs: 30_000,
      maxOutputBytes: 32 << 20,
    },
    retention: defaultRetention,
    http: { tls: null, trustProxy: false, secureCookies: 'auto' },
    hosts: fleet.hosts,
  };
  let running: Awaited<ReturnType<typeof startUnitscore>>;
  try {
    running = await startUnitscore(config, { demo: true, logger: false });
    await running.firstRound;
  } catch (err) {
    // A server that failed to start must not leave the fleet's listeners holding the test open.
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const login = { name: 'e2e-admin', password: TEST_PASSWORD };
  await ensureUser(running.db, login.name, 'admin', login.password);
  return {
    url: running.url,
    dir,
    login,
    apiHeaders: bearer(running.db, 'viewer', 'e2e'),
    close: async () => {
      await running.close();
      await fleet.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, buildApp } from '../../server/http/app.js';
import { type Db, openDb } from '../../server/store/db.js';
import { bearer } from './auth.js';
import { buildFleet, type Fleet, NOW } from './fleet-data.js';

export interface FleetApp {
  db: Db;
  fleet: Fleet;
  /** The real app at NOW, not listening: requests go through `inject`. */
  app: App;
  viewer: { authorization: string };
  /** Closes the app and the database, and removes their directory. */
  close(): Promise<void>;
}

/** fleet-data.ts's fleet in a database on disk, served by the real app, with a viewer token. */
export async function startFleetApp(name: string): Promise<FleetApp> {
  const dir = mkdtempSync(join(tmpdir(), `unitscore-${name}-`));
  const db = openDb(join(dir, 'fleet.db'));
  const fleet = buildFleet(db);
  const app = await buildApp({ db, version: '0.0.0-test', demo: false, webDir: null, now: () => NOW });
  const close = async () => {
    await app.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, fleet, app, viewer: bearer(db, 'viewer'), close };
}

import type { Db } from './db.js';
import { dayOf, histogramOf, Rollups } from './rollups.js';

export interface InventoryHost {
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
}

export interface HostRow {
  id: number;
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
}

/**
 * Make the hosts table match the inventory: add new hosts, update changed ones, retire the
 * ones that left (their history stays) and bring back returning ones. Returns name → id.
 */
export function syncInventory(db: Db, inventory: InventoryHost[], now = Date.now()): Map<string, number> {
  const upsert = db.prepare(`
    INSERT INTO hosts (name, address, port, user, labels, created_at) VALUES (@name, @address, @port, @user, @labels, @now)
    ON CONFLICT (name) DO UPDATE SET address = excluded.address, port = excluded.port, user = excluded.user,
      labels = excluded.labels, retired_at = NULL
    RETURNING id`);
  const leaving = db
    .prepare('SELECT id FROM hosts WHERE retired_at IS NULL AND name NOT IN (SELECT value FROM json_each(?))')
    .pluck();
  const retire = db.prepare('UPDATE hosts SET retired_at = ? WHERE id = ?');
  const exposures = db
    .prepare('SELECT exposure FROM unit_intervals WHERE host_id = ? AND to_scan IS NULL')
    .pluck();
  const rollups = new Rollups(db);
  const day = dayOf(now);
  // A host's units count in the rollups under its labels; when those change or it retires,
  // the rollups move with it from today on.
  const recount = (id: number, labels: string[] | null) => {
    const counted = rollups.countedLabels(id);
    if (counted === null || (labels !== null && JSON.stringify(counted) === JSON.stringify(labels))) return;
    const current = histogramOf(exposures.all(id) as (number | null)[]);
    rollups.apply(id, labels ?? [], day, current, labels === null ? null : current);
  };
  const ids = new Map<string, number>();
  db.transaction(() => {
    for (const h of inventory) {
      const row = upsert.get({ ...h, labels: JSON.stringify(h.labels), now }) as { id: number };
      ids.set(h.name, row.id);
      recount(row.id, h.labels);
    }
    for (const id of leaving.all(JSON.stringify(inventory.map((h) => h.name))) as number[]) {
      retire.run(now, id);
      recount(id, null);
    }
  })();
  return ids;
}

export function activeHosts(db: Db): HostRow[] {
  const rows = db
    .prepare('SELECT id, name, address, port, user, labels FROM hosts WHERE retired_at IS NULL ORDER BY name')
    .all() as (Omit<HostRow, 'labels'> & { labels: string })[];
  return rows.map((r) => ({ ...r, labels: JSON.parse(r.labels) as string[] }));
}

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
 * Hosts one at a time: add or change (a retired one comes back), retire (its history stays).
 * A host's units count in the rollups under its labels; when those change or it retires, the
 * rollups move with it from today on. Callers run these inside their own transaction.
 */
export class HostTable {
  private readonly statements;
  private readonly rollups: Rollups;

  constructor(db: Db) {
    this.rollups = new Rollups(db);
    this.statements = {
      upsert: db.prepare(`
        INSERT INTO hosts (name, address, port, user, labels, created_at) VALUES (@name, @address, @port, @user, @labels, @now)
        ON CONFLICT (name) DO UPDATE SET address = excluded.address, port = excluded.port, user = excluded.user,
          labels = excluded.labels, retired_at = NULL
        RETURNING id`),
      retire: db.prepare('UPDATE hosts SET retired_at = ? WHERE id = ?'),
      // A retired host is in no inventory.
      forget: db.prepare('DELETE FROM host_inventory WHERE host_id = ?'),
      exposures: db
        .prepare('SELECT exposure FROM unit_intervals WHERE host_id = ? AND to_scan IS NULL')
        .pluck(),
    };
  }

  private recount(id: number, labels: string[] | null, now: number): void {
    const counted = this.rollups.countedLabels(id);
    if (counted === null || (labels !== null && JSON.stringify(counted) === JSON.stringify(labels))) return;
    const current = histogramOf(this.statements.exposures.all(id) as (number | null)[]);
    this.rollups.apply(id, labels ?? [], dayOf(now), current, labels === null ? null : current);
  }

  /** Adds the host, or updates (and revives) the one of that name; returns its id. */
  upsert(host: InventoryHost, now: number): number {
    const row = this.statements.upsert.get({
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.user,
      labels: JSON.stringify(host.labels),
      now,
    }) as { id: number };
    this.recount(row.id, host.labels, now);
    return row.id;
  }

  retire(id: number, now: number): void {
    this.statements.retire.run(now, id);
    this.statements.forget.run(id);
    this.recount(id, null, now);
  }
}

/**
 * Make the hosts table match the inventory: add new hosts, update changed ones, retire the
 * ones that left (their history stays) and bring back returning ones. Returns name → id.
 */
export function syncInventory(db: Db, inventory: InventoryHost[], now = Date.now()): Map<string, number> {
  const leaving = db
    .prepare('SELECT id FROM hosts WHERE retired_at IS NULL AND name NOT IN (SELECT value FROM json_each(?))')
    .pluck();
  const table = new HostTable(db);
  const ids = new Map<string, number>();
  db.transaction(() => {
    for (const h of inventory) ids.set(h.name, table.upsert(h, now));
    for (const id of leaving.all(JSON.stringify(inventory.map((h) => h.name))) as number[])
      table.retire(id, now);
  })();
  return ids;
}

export function activeHosts(db: Db): HostRow[] {
  const rows = db
    .prepare('SELECT id, name, address, port, user, labels FROM hosts WHERE retired_at IS NULL ORDER BY name')
    .all() as (Omit<HostRow, 'labels'> & { labels: string })[];
  return rows.map((r) => ({ ...r, labels: JSON.parse(r.labels) as string[] }));
}

import type { HostSpec } from '../config/host-spec.js';
import type { Db } from './db.js';

// Where each active host's definition comes from, and the definition itself (migration 0008).
// The hosts table keeps the resolved address, port, user and labels that history and the label
// filters read; this table keeps what was written, so the API can show and change it.

export type InventorySource = 'config' | 'api';

export interface InventoryRecord {
  hostId: number;
  name: string;
  source: InventorySource;
  spec: HostSpec;
  updatedAt: number;
  updatedBy: string;
}

interface Row extends Omit<InventoryRecord, 'spec'> {
  spec: string;
}

export class InventoryStore {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      active: db.prepare(`SELECT i.host_id AS hostId, h.name, i.source, i.spec, i.updated_at AS updatedAt,
          i.updated_by AS updatedBy
        FROM host_inventory i JOIN hosts h ON h.id = i.host_id WHERE h.retired_at IS NULL ORDER BY h.name`),
      put: db.prepare(`INSERT INTO host_inventory (host_id, source, spec, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (host_id) DO UPDATE SET source = excluded.source, spec = excluded.spec,
          updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
    };
  }

  /** Every active host that has a definition, by name. */
  active(): InventoryRecord[] {
    return (this.statements.active.all() as Row[]).map((r) => ({
      ...r,
      spec: JSON.parse(r.spec) as HostSpec,
    }));
  }

  put(hostId: number, source: InventorySource, spec: HostSpec, by: string, now: number): void {
    this.statements.put.run(hostId, source, JSON.stringify(spec), now, by.slice(0, 200));
  }
}

import type { Db } from '../db.js';

/** Ids the API gets from a path, retired hosts included (their history stays readable). */
export class Lookups {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      host: db.prepare('SELECT id, name FROM hosts WHERE id = ?'),
      unitId: db.prepare('SELECT id FROM unit_names WHERE name = ?').pluck(),
      hasUnit: db.prepare('SELECT 1 FROM unit_intervals WHERE host_id = ? AND unit_id = ? LIMIT 1').pluck(),
    };
  }

  host(id: number): { id: number; name: string } | null {
    return (this.statements.host.get(id) as { id: number; name: string } | undefined) ?? null;
  }

  unitId(name: string): number | null {
    return (this.statements.unitId.get(name) as number | undefined) ?? null;
  }

  /** The unit's id when the host ever ran it, else null. */
  unitOnHost(hostId: number, name: string): number | null {
    const id = this.unitId(name);
    return id !== null && this.statements.hasUnit.get(hostId, id) !== undefined ? id : null;
  }
}

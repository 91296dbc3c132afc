import type { Db } from './db.js';

export interface Due {
  dueAt: number;
  failures: number;
}

/** The scheduler's memory: next due time and failure count per host, by host id. */
export class ScheduleStore {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      all: db.prepare('SELECT host_id AS hostId, due_at AS dueAt, failures FROM host_schedule'),
      save: db.prepare(`INSERT INTO host_schedule (host_id, due_at, failures) VALUES (?, ?, ?)
        ON CONFLICT (host_id) DO UPDATE SET due_at = excluded.due_at, failures = excluded.failures`),
    };
  }

  load(): Map<number, Due> {
    const rows = this.statements.all.all() as ({ hostId: number } & Due)[];
    return new Map(rows.map((r) => [r.hostId, { dueAt: r.dueAt, failures: r.failures }]));
  }

  save(hostId: number, due: Due): void {
    this.statements.save.run(hostId, due.dueAt, due.failures);
  }
}

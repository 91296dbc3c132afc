// What "a scan arrives" means for the API bench: a real scan of one host written through
// ScanWriter on the bench's own connection (like the collector of another process, or the CLI),
// seeing the host's current units with one of them changed. Works on any database, a seeded one
// or one given with --db, since it starts from the host's current intervals.

import type { Db } from '../../server/store/db.js';
import { decodeChecks, type ScanWriter } from '../../server/store/scans.js';
import type { AssessmentPool } from './pool.js';
import { okScanOf } from './seed.js';

export class Rescans {
  private readonly current;
  private readonly hosts: { id: number; name: string }[];
  private next = 0;

  constructor(
    db: Db,
    private readonly writer: ScanWriter,
    private readonly pool: AssessmentPool,
    private readonly at: Date,
  ) {
    this.current = db.prepare(`SELECT n.name AS unit, a.checks, i.exposure FROM unit_intervals i
      JOIN unit_names n ON n.id = i.unit_id JOIN assessments a ON a.id = i.assessment_id
      WHERE i.host_id = ? AND i.to_scan IS NULL ORDER BY n.name`);
    this.hosts = db
      .prepare(`SELECT id, name FROM hosts WHERE retired_at IS NULL
        AND EXISTS (SELECT 1 FROM unit_intervals WHERE host_id = hosts.id AND to_scan IS NULL) ORDER BY id`)
      .all() as { id: number; name: string }[];
  }

  /** Stores the next host's scan, one unit changed; returns the host's id. */
  store(): number {
    const host = this.hosts[this.next++ % this.hosts.length] as { id: number; name: string };
    const units = (
      this.current.all(host.id) as { unit: string; checks: string; exposure: number | null }[]
    ).map((u) => ({ unit: u.unit, checks: decodeChecks(u.checks), exposure: u.exposure }));
    const changed = units[this.next % units.length];
    if (changed) Object.assign(changed, this.pool.at(this.pool.draw()));
    this.writer.save(host.id, okScanOf(host.name, this.at, units));
    return host.id;
  }
}

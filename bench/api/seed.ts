// The API bench's fleet: history seeded through the real store, unchanged hosts re-scanned as
// repeats (as the collector stores them), labels two independent ways (env, role).

import type { Check } from '../../server/analyze/model.js';
import type { ScanResult } from '../../server/collect/scan-host.js';
import type { Db } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import type { ScanWriter } from '../../server/store/scans.js';
import type { AssessmentPool } from './pool.js';

export interface SeedOptions {
  hosts: number;
  units: number;
  days: number;
}

export const labelsOf = (i: number) => [
  `env=${i % 4 === 0 ? 'staging' : 'prod'}`,
  // Independent of env, so that env=prod&role=web picks some hosts.
  `role=${['web', 'db', 'worker', 'cache'][Math.floor(i / 4) % 4]}`,
];

/** A successful scan seeing `units` (name, checks, exposure); a repeat of `previous` if given. */
export const okScanOf = (
  hostname: string,
  at: Date,
  units: { unit: string; checks: Check[]; exposure: number | null }[],
  previous: number | null = null,
): ScanResult => ({
  status: 'ok',
  error: null,
  startedAt: at,
  finishedAt: at,
  hostKey: null,
  report: null,
  meta: { systemd: 'systemd 252', hostname },
  systemdVersion: 252,
  units: units.map((u) => ({ ...u, predicate: null, partial: false })),
  errors: [],
  // What the collector does with a report equal to the host's last one: no parse, no new history.
  ...(previous === null ? {} : { repeatOf: previous }),
});

/** Writes `days` daily scans of `hosts` hosts (4% of hosts change a unit each day). */
export function seedFleet(db: Db, writer: ScanWriter, pool: AssessmentPool, o: SeedOptions): void {
  const ids = syncInventory(
    db,
    Array.from({ length: o.hosts }, (_, i) => ({
      name: `host-${i}`,
      address: `10.1.${i >> 8}.${i & 255}`,
      port: 22,
      user: 's',
      labels: labelsOf(i),
    })),
    Date.UTC(2026, 0, 1),
  );
  const state = Array.from({ length: o.hosts }, () => Array.from({ length: o.units }, () => pool.draw()));
  const lastScan: (number | null)[] = Array.from({ length: o.hosts }, () => null);
  for (let day = 0; day < o.days; day++) {
    const at = new Date(Date.UTC(2026, 0, 1 + day, 4));
    state.forEach((entries, i) => {
      let previous = lastScan[i] ?? null;
      if (pool.random() < 0.04) {
        entries[Math.floor(pool.random() * o.units)] = pool.draw();
        previous = null;
      }
      const units = entries.map((entry, u) => ({ unit: `svc-${u}.service`, ...pool.at(entry) }));
      lastScan[i] = writer.save(ids.get(`host-${i}`) as number, okScanOf(`host-${i}`, at, units, previous));
    });
  }
}

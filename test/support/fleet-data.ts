import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import type { Db } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import { ScanWriter } from '../../server/store/scans.js';
import { failedScan, okScan } from './scan-results.js';

// A small fleet with three weeks of history, several labels, a retired host, a host never
// scanned and hostile unit names: the data the fleet screens are tested on.

/** The checks every unit is assessed on, with each one's exposure (tenths) when it fails. */
export const CATALOGUE: [id: string, exposure: number][] = [
  ['PrivateNetwork', 5],
  ['PrivateTmp', 2],
  ['ProtectHome', 3],
  ['ProtectSystem', 4],
  ['NoNewPrivileges', 2],
  ['CapabilityBoundingSet_CAP_SYS_ADMIN', 3],
];
const ALL = CATALOGUE.map(([id]) => id);

export function fleetUnit(name: string, exposure: number, failing: string[]): UnitAssessment {
  const checks: Check[] = CATALOGUE.map(([id, e]) => {
    const bad = failing.includes(id);
    return {
      id,
      name: `${id}=`,
      description: bad ? `${id} is not set` : `${id} is set`,
      set: !bad,
      exposure: bad ? e : null,
      weight: 1000,
      badness: bad ? 1 : 0,
      range: 1,
    };
  });
  return { unit: name, exposure, predicate: null, checks, partial: false };
}

export const HOSTILE = '=HYPERLINK("http://evil","x").service';
export const MINUS = '-2+3.service';

export const at = (day: number, hour = 10) => new Date(Date.UTC(2026, 10, day, hour));
/** "Now" for the fleet tests: 2026-11-20 (a Friday, ISO week 2026-W47), after the last scan. */
export const NOW = Date.UTC(2026, 10, 20, 18);

/** The fleet's hosts as the inventory lists them on Nov 1 (old-1 leaves on Nov 12). */
export const inventory = [
  { name: 'web-1', address: '10.0.0.1', port: 22, user: 's', labels: ['env=prod', 'role=web'] },
  { name: 'web-2', address: '10.0.0.2', port: 22, user: 's', labels: ['env=prod', 'role=web'] },
  { name: 'db-1', address: '10.0.0.3', port: 22, user: 's', labels: ['env=prod', 'role=db'] },
  { name: 'dev-1', address: '10.0.0.4', port: 22, user: 's', labels: ['env=dev', 'role=web'] },
  { name: 'old-1', address: '10.0.0.5', port: 22, user: 's', labels: ['env=prod'] },
  { name: 'new-1', address: '10.0.0.6', port: 22, user: 's', labels: ['env=prod'] },
];

export interface Fleet {
  ids: Record<string, number>;
  /** Scan ids by host name and day of November. */
  scans: Record<string, Record<number, number>>;
}

/**
 * Nov 1: every host but new-1 scanned. Nov 5: web-1 hardens nginx (9.6 → 8.0). Nov 8: web-2
 * unreachable. Nov 10: db-1 drops cron, gains redis. Nov 12: old-1 retired. Nov 15: dev-1's
 * nginx regresses (8.0 → 9.6). Nov 20: web-1 rescanned, unchanged.
 */
export function buildFleet(db: Db): Fleet {
  const ids = Object.fromEntries(syncInventory(db, inventory, at(1, 0).getTime()));
  const writer = new ScanWriter(db);
  const scans: Fleet['scans'] = {};
  const save = (host: string, day: number, units: UnitAssessment[] | string) => {
    const scan =
      typeof units === 'string' ? failedScan('unreachable', units, at(day)) : okScan(units, at(day));
    const hostScans = scans[host] ?? {};
    scans[host] = hostScans;
    hostScans[day] = writer.save(ids[host] as number, scan);
  };
  const cron = fleetUnit('cron.service', 73, ['PrivateNetwork', 'ProtectHome', 'ProtectSystem']);
  const web1 = (nginx: UnitAssessment) => [nginx, cron, fleetUnit('ssh.service', 96, ALL)];
  save('web-1', 1, web1(fleetUnit('nginx.service', 96, ALL)));
  save('web-2', 1, [fleetUnit('nginx.service', 96, ALL), cron, fleetUnit(HOSTILE, 100, ALL)]);
  const postgres = fleetUnit('postgresql.service', 85, [
    'PrivateNetwork',
    'ProtectSystem',
    'CapabilityBoundingSet_CAP_SYS_ADMIN',
  ]);
  save('db-1', 1, [postgres, cron]);
  const dev = (nginx: UnitAssessment) => [nginx, fleetUnit(MINUS, 50, ['PrivateNetwork'])];
  save('dev-1', 1, dev(fleetUnit('nginx.service', 80, ['PrivateNetwork', 'ProtectHome', 'ProtectSystem'])));
  save('old-1', 1, [fleetUnit('nginx.service', 96, ALL)]);
  const hardened = fleetUnit('nginx.service', 80, ['PrivateNetwork', 'ProtectHome', 'ProtectSystem']);
  save('web-1', 5, web1(hardened));
  save('web-2', 8, 'connect ECONNREFUSED');
  save('db-1', 10, [postgres, fleetUnit('redis.service', 62, ['PrivateNetwork', 'PrivateTmp'])]);
  syncInventory(
    db,
    inventory.filter((h) => h.name !== 'old-1'),
    at(12).getTime(),
  );
  save('dev-1', 15, dev(fleetUnit('nginx.service', 96, ALL)));
  save('web-1', 20, web1(hardened));
  return { ids, scans };
}

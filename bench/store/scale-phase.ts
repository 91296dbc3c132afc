import type { ScanResult } from '../../server/collect/scan-host.js';
import type { Db } from '../../server/store/db.js';
import { syncInventory } from '../../server/store/hosts.js';
import type { PreparedUnit } from '../../server/store/prepared-scan.js';
import { ScanWriter } from '../../server/store/scans.js';
import { AssessmentPool, type PooledUnit } from './assessment-pool.js';
import { CHURN, dayAt, inventoryHost, outcome, random } from './churn.js';
import { type HousekeepingTiming, slowest, timedHousekeeping } from './housekeeping-timing.js';
import { reportOf } from './report-bodies.js';
import { sizeOf, usedBytes } from './size.js';

// The whole fleet and year: hosts × units × daily scans with churn, written by the
// store's own code (ScanWriter, housekeeping, inventory sync) from scans already analysed and
// prepared, as the analysing pool hands them over. Days are written in transactions of
// BATCH scans: the rows are the same, and seeding a year takes minutes, not hours.

const BATCH = 2_000;
/**
 * Housekeeping runs every this many days (the server: every 6 hours). A run walks every scan
 * past retention (seconds at this scale, in steps), which daily would add minutes; reports are
 * then kept up to 6 days past their 30, so the size is if anything overstated. It runs once more
 * at the end, before the size is taken.
 */
const HOUSEKEEPING_EVERY = 7;
/** New unit versions a day's deploys bring to the fleet. */
const NEW_ASSESSMENTS_PER_DAY = 10;

interface Host {
  index: number;
  id: number;
  /** Pool entry of each of the host's units, by position. */
  entries: number[];
  version: number;
  lastOk: number | null;
}

export interface ScaleFigures {
  scans: number;
  hostsEver: number;
  seconds: number;
  cpuSeconds: number;
  size: number;
  unchangedBytes: number;
  housekeeping: HousekeepingTiming;
}

export function scalePhase(
  db: Db,
  file: string,
  options: { hosts: number; units: number; days: number },
  onDay?: (day: number) => void,
): ScaleFigures {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const writer = new ScanWriter(db);
  const pool = new AssessmentPool(3_000);
  const names = Array.from({ length: options.units * 3 }, (_, i) => `svc-${i.toString(36)}.service`);
  let nextIndex = 0;
  const join = (): Omit<Host, 'id'> => ({
    index: nextIndex++,
    entries: Array.from({ length: options.units }, () => pool.draw()),
    version: 0,
    lastOk: null,
  });
  let fleet = Array.from({ length: options.hosts }, join).map((h) => ({ ...h, id: 0 }));
  const sync = (day: number) => {
    const ids = syncInventory(
      db,
      fleet.map((h) => inventoryHost(h.index)),
      dayAt(day).getTime(),
    );
    for (const h of fleet) h.id = ids.get(`host-${h.index}`) as number;
  };
  sync(0);

  const unitsOf = (h: Host): PreparedUnit[] =>
    h.entries.map((entry, u) => ({
      unit: names[(h.index * 7 + u) % names.length] as string,
      ...(pool.entries[entry] as PooledUnit),
    }));
  const scanOf = (h: Host, at: Date): Omit<ScanResult, 'status' | 'error' | 'report'> => ({
    startedAt: at,
    finishedAt: new Date(at.getTime() + 800),
    hostKey: { type: 'ssh-ed25519', fingerprint: `SHA256:host${h.index}` },
    meta: {
      hostname: `host-${h.index}`,
      systemd: 'systemd 252 (252.39-1~deb12u2)',
      os_pretty: 'Debian GNU/Linux 12 (bookworm)',
      kernel: `6.1.0-${h.version >> 2}-amd64`,
    },
    systemdVersion: 252,
    units: [],
    errors: [],
  });
  const scanHost = (h: Host, day: number, quiet: boolean) => {
    const at = dayAt(day, h.index);
    const happens = quiet ? { kind: 'same' as const } : outcome();
    if (happens.kind === 'unreachable') {
      writer.save(h.id, { ...scanOf(h, at), status: 'unreachable', error: 'ECONNREFUSED', report: null });
      return;
    }
    if (happens.kind === 'same' && h.lastOk !== null) {
      writer.save(h.id, { ...scanOf(h, at), status: 'ok', error: null, report: null, repeatOf: h.lastOk });
      return;
    }
    if (happens.kind === 'deploy') {
      for (let c = 0; c < happens.units; c++)
        h.entries[Math.floor(random() * h.entries.length)] = pool.draw();
      h.version++;
    }
    h.lastOk = writer.save(h.id, {
      ...scanOf(h, at),
      status: 'ok',
      error: null,
      report: null,
      prepared: { report: reportOf(h.index, h.version), units: unitsOf(h) },
    });
  };

  let scans = 0;
  let housekeeping: HousekeepingTiming = { totalMs: 0, longestStepMs: 0 };
  for (let day = 0; day < options.days; day++) {
    // A few hosts leave the inventory, as many new ones join.
    const leaving = fleet.filter(() => random() < CHURN.turnover);
    if (leaving.length > 0) {
      fleet = [...fleet.filter((h) => !leaving.includes(h)), ...leaving.map(() => ({ ...join(), id: 0 }))];
      sync(day);
    }
    for (let from = 0; from < fleet.length; from += BATCH) {
      db.transaction(() => {
        for (const h of fleet.slice(from, from + BATCH)) scanHost(h, day, false);
      })();
    }
    scans += fleet.length;
    pool.grow(NEW_ASSESSMENTS_PER_DAY);
    if (day % HOUSEKEEPING_EVERY === HOUSEKEEPING_EVERY - 1 || day === options.days - 1) {
      housekeeping = slowest(housekeeping, timedHousekeeping(db, dayAt(day).getTime()));
    }
    onDay?.(day);
  }
  // A day on which nothing changes anywhere, one transaction per scan as the server writes:
  // what an unchanged re-scan costs once a year of history is in.
  const before = usedBytes(db, file);
  for (const h of fleet) scanHost(h, options.days, true);
  const unchangedBytes = (usedBytes(db, file) - before) / fleet.length;
  return {
    scans: scans + fleet.length,
    hostsEver: nextIndex,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (() => {
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / 1e6;
    })(),
    size: sizeOf(file),
    unchangedBytes,
    housekeeping,
  };
}

import { createHash } from 'node:crypto';
import type { Check } from '../analyze/model.js';
import type { ScanResult } from '../collect/scan-host.js';
import { type StoredReport, storedReport } from './stored-report.js';

// The CPU-heavy half of storing a scan, with no database: the raw report normalised, hashed and
// compressed, each unit's checks encoded and hashed (content addresses). ScanWriter writes the
// result; an analysing worker can prepare it on another core (collect/analyse-pool.ts).

/** A unit as the store keeps it: its assessment by content. */
export interface PreparedUnit {
  unit: string;
  exposure: number | null;
  /** Checks not set, a column of the assessment. */
  failing: number;
  /**
   * The checks as stored (canonicalChecks); null when an analysing worker sent them with an
   * earlier scan, so the store has them by `hash` (ScanWriter throws MissingAssessment if not).
   */
  checks: string | null;
  /** SHA-256 of `checks`: the assessment's content address. */
  hash: Buffer;
}

export interface Prepared {
  report: StoredReport | null;
  /** Distinct by name, the first table winning. */
  units: PreparedUnit[];
}

// The columns of a check in a fixed order, so equal lists hash equal whatever produced them.
export function canonicalChecks(checks: Check[]): string {
  return JSON.stringify(
    checks.map((c) => [c.id, c.name, c.description, c.set, c.exposure, c.weight, c.badness, c.range]),
  );
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

// A frozen check list is one the parser shares between reports (analyze/json-values.ts): its
// encoding is kept with it, computed once per thread.
type Encoded = { failing: number; checks: string; hash: Buffer };
const encoded = new WeakMap<readonly Check[], Encoded>();

function encode(list: Check[]): Encoded {
  const known = encoded.get(list);
  if (known) return known;
  const checks = canonicalChecks(list);
  const value = { failing: list.filter((c) => c.set === false).length, checks, hash: sha256(checks) };
  if (Object.isFrozen(list)) encoded.set(list, value);
  return value;
}

export function prepareUnit(unit: ScanResult['units'][number]): PreparedUnit {
  return { unit: unit.unit, exposure: unit.exposure, ...encode(unit.checks) };
}

// A host may list a unit twice (an alias and its name); the first table wins.
export function distinctUnits<T extends { unit: string }>(units: T[]): T[] {
  const seen = new Set<string>();
  return units.filter((u) => !seen.has(u.unit) && seen.add(u.unit));
}

/** Everything of `scan` the writer would otherwise compute; `digest` if already known. */
export function prepareScan(scan: Pick<ScanResult, 'report' | 'units'>, digest?: Buffer): Prepared {
  return {
    report: scan.report === null ? null : storedReport(scan.report, digest),
    units: distinctUnits(scan.units).map(prepareUnit),
  };
}

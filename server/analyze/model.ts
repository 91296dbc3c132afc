// The normalised result of reading a host's `systemd-analyze security` output. Every later step
// (store, alerts, API, web) works on these types only, never on the host's text.

/** The seven words systemd prints after the overall exposure (systemd-analyze.md §1.5). */
export const PREDICATES = ['PERFECT', 'SAFE', 'OK', 'MEDIUM', 'EXPOSED', 'UNSAFE', 'DANGEROUS'] as const;
export type Predicate = (typeof PREDICATES)[number];

/** One row of a unit's table: one assessor. */
export interface Check {
  /** Stable across versions and formats: the JSON `json_field`, or the same id derived from the name. */
  id: string;
  /** As printed, e.g. `CapabilityBoundingSet=~CAP_SYS_ADMIN`. */
  name: string;
  /** Null for partial rows without text (ProtectProc=noaccess). */
  description: string | null;
  /** true = ✓ (good), false = ✗ (bad or partial), null = does not apply. */
  set: boolean | null;
  /** The row's exposure in tenths of a point (0.3 → 3), null when the row shows none. */
  exposure: number | null;
  /** From SYSTEMD_ANALYZE_DEBUG=1 columns/keys when the host printed them; null otherwise. */
  weight: number | null;
  /** null = N/A (printed as 18446744073709551615) or not printed. */
  badness: number | null;
  range: number | null;
}

export interface UnitAssessment {
  unit: string;
  /** Overall exposure in tenths (9.6 → 96), as the host printed it; null when the host printed none. */
  exposure: number | null;
  predicate: Predicate | null;
  checks: Check[];
  /** True when the table was cut off (dropped connection, size cap): never store it as whole. */
  partial: boolean;
}

export interface OverviewRow {
  unit: string;
  exposure: number;
  predicate: Predicate;
}

/** A unit the host could not analyse, or a whole-run failure when unit is null. */
export interface UnitError {
  unit: string | null;
  message: string;
}

/** A piece of output the parser could not read, with where and why. */
export interface ParseProblem {
  line: number;
  reason: string;
  /**
   * Set on the one entry that stands for problems left out of the list (garbage gives one per
   * line): how many it stands for. Its line is the first left out.
   */
  omitted?: number;
}

export interface Analysis {
  systemdVersion: number | null;
  units: UnitAssessment[];
  overview: OverviewRow[];
  errors: UnitError[];
  problems: ParseProblem[];
}

/** Tenths of a point → the decimal systemd prints (96 → 9.6). */
export function tenthsToScore(tenths: number): number {
  return tenths / 10;
}

// What `unitscore parse [FILE|-]` prints: the normalised Analysis as plain JSON, with scores as the
// decimals systemd prints (96 tenths → 9.6, a row's 3 → 0.3) instead of the model's integers.
// Debug numbers (weight, badness, range) stay internal; a unit whose name the output did not
// carry (a cut table, a JSON array without its overview) has "unit": null.

import { type Analysis, type Predicate, tenthsToScore } from './model.js';

export interface ParseJsonCheck {
  id: string;
  name: string;
  description: string | null;
  set: boolean | null;
  exposure: number | null;
}

export interface ParseJsonUnit {
  unit: string | null;
  exposure: number | null;
  predicate: Predicate | null;
  checks: ParseJsonCheck[];
}

export interface ParseJson {
  systemdVersion: number | null;
  units: ParseJsonUnit[];
  overview: { unit: string; exposure: number; predicate: Predicate }[];
  errors: { unit: string | null; message: string }[];
  problems: { line: number; reason: string }[];
}

const score = (tenths: number | null): number | null => (tenths === null ? null : tenthsToScore(tenths));

export function toParseJson(analysis: Analysis): ParseJson {
  return {
    systemdVersion: analysis.systemdVersion,
    units: analysis.units.map((u) => ({
      unit: u.unit === '' ? null : u.unit,
      exposure: score(u.exposure),
      predicate: u.predicate,
      checks: u.checks.map((c) => ({
        id: c.id,
        name: c.name,
        description: c.description,
        set: c.set,
        exposure: score(c.exposure),
      })),
    })),
    overview: analysis.overview.map((r) => ({
      unit: r.unit,
      exposure: tenthsToScore(r.exposure),
      predicate: r.predicate,
    })),
    errors: analysis.errors.map((e) => ({ unit: e.unit, message: e.message })),
    problems: analysis.problems.map((p) => ({ line: p.line, reason: p.reason })),
  };
}

// Point 1 of the score model: recompute a unit's overall exposure and predicate from its checks,
// exactly as systemd does (systemd-analyze.md §1.3, §1.5), and say whether it matches the number
// the host printed. The host's number is the truth; a mismatch flags the assessment (a custom
// --security-policy, a version whose table or wording is unknown, or a misread table).

import type { Predicate, UnitAssessment } from '../model.js';
import { predicateFor } from '../numbers.js';
import {
  ceilDiv,
  expectedRowsDiffer,
  exposureOf,
  POLICY_EXCLUDED,
  type RowNumbers,
  rowNumbers,
} from './badness.js';

export interface RecomputeOptions {
  /** The host's systemd version (report meta), to explain mismatches; null/absent if unknown. */
  systemdVersion?: number | null;
}

export interface Recomputed {
  /** As systemd prints it (9.6); null when it cannot be recomputed. */
  exposure: number | null;
  /** The same in tenths (96), the unit every stored exposure uses. */
  exposureTenths: number | null;
  predicate: Predicate | null;
  /** The recomputed number equals the one the host printed. */
  matchesHost: boolean;
  /** Why not, when matchesHost is false. */
  reason?: string;
  /** Where the weights came from: the host's debug columns, or the built-in table. */
  source: 'debug' | 'built-in';
}

export function recompute(a: UnitAssessment, options: RecomputeOptions = {}): Recomputed {
  const rows: RowNumbers[] = [];
  const unknown: string[] = [];
  let debug = true;
  let policy = false;
  for (const c of a.checks) {
    const n = rowNumbers(c);
    if (typeof n === 'string') {
      unknown.push(n);
      continue;
    }
    if (!n.debug) debug = false;
    if (c.description === POLICY_EXCLUDED || n.weight === 0) policy = true;
    rows.push(n);
  }
  const source = debug ? 'debug' : 'built-in';
  const fail = (reason: string): Recomputed => ({
    exposure: null,
    exposureTenths: null,
    predicate: null,
    matchesHost: false,
    reason,
    source,
  });
  if (a.checks.length === 0) return fail('the assessment has no checks');
  if (a.partial)
    return fail('the table is incomplete (cut off or filtered), so its score cannot be recomputed');
  if (unknown.length > 0) return fail(`cannot recompute: ${unknown.join('; ')}`);
  const tenths = exposureOf(rows);
  if (tenths === null) return fail('no check applies (systemd would abort)');
  // Each row's own exposure is printed too: with the built-in weights it must come out the same,
  // or the host used other weights even where the overall number happens to agree.
  const weightSum = rows.reduce((s, r) => s + (r.badness === null ? 0 : r.weight), 0);
  const offRows = debug
    ? []
    : a.checks.filter((c, i) => {
        const r = rows[i];
        if (!r || r.badness === null || r.badness === 0 || c.exposure === null) return false;
        return ceilDiv(ceilDiv(r.badness * r.weight * 100, r.range), weightSum) !== c.exposure;
      });
  const result: Recomputed = {
    exposure: tenths / 10,
    exposureTenths: tenths,
    predicate: predicateFor(tenths),
    matchesHost: tenths === a.exposure && offRows.length === 0,
    source,
  };
  if (a.exposure === null) {
    result.reason = 'the host printed no overall exposure for this unit';
  } else if (tenths === a.exposure && offRows.length > 0) {
    result.reason =
      `the overall number agrees, but the exposure of ${offRows.map((c) => c.name).join(', ')} does not: ` +
      'the host used other weights (a custom --security-policy)';
  } else if (!result.matchesHost) {
    const host = `host printed ${(a.exposure / 10).toFixed(1)}, recomputed ${(tenths / 10).toFixed(1)}`;
    const version = options.systemdVersion ?? null;
    const oddRows = version === null ? [] : expectedRowsDiffer(version, new Set(a.checks.map((c) => c.id)));
    if (debug) result.reason = `${host} from the printed weights: rows were lost or misread`;
    else if (policy) result.reason = `${host}: a custom --security-policy changed the weights`;
    else
      result.reason =
        `${host} from the built-in weights: a custom --security-policy or a systemd version with other weights` +
        (oddRows.length > 0 ? ` (the table has ${oddRows.join(', ')})` : '');
  }
  return result;
}

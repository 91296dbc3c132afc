// systemd's overall exposure formula (systemd-analyze.md §1.3), in integer tenths. Used to
// cross-check a parsed table against the score the host printed, and later for what-if scores.

import type { Check } from './model.js';

/**
 * ceil(100 · Σ ceil(b·w/r) / Σ w) over the applicable checks; null when a check lacks its debug
 * numbers (the host did not print them) or no check applies (systemd would abort).
 */
export function recomputeExposure(checks: readonly Check[]): number | null {
  let badnessSum = 0;
  let weightSum = 0;
  for (const c of checks) {
    if (c.weight === null || c.range === null) return null;
    if (c.badness === null || c.weight === 0) continue; // N/A or excluded by policy
    if (c.range === 0) return null;
    badnessSum += ceilDiv(c.badness * c.weight, c.range);
    weightSum += c.weight;
  }
  if (weightSum === 0) return null;
  return ceilDiv(100 * badnessSum, weightSum);
}

function ceilDiv(x: number, y: number): number {
  return Math.floor((x + y - 1) / y);
}

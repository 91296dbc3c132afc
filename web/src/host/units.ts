import type { Check, UnitSummary } from '../lib/api/types';

const byName = (a: { unit: string }, b: { unit: string }) => a.unit.localeCompare(b.unit, 'en');

/** Worst first; units without a score last. */
export function sortUnits(units: readonly UnitSummary[]): UnitSummary[] {
  return [...units].sort((a, b) => {
    if (a.exposure === null || b.exposure === null) {
      if (a.exposure !== b.exposure) return a.exposure === null ? 1 : -1;
      return byName(a, b);
    }
    return b.exposure - a.exposure || b.failing - a.failing || byName(a, b);
  });
}

function rank(check: Check): number {
  if (check.set === false) return check.exposure !== null && check.exposure > 0 ? 0 : 1;
  return check.set === true ? 2 : 3;
}

/** What costs exposure first (largest first), then the other ✗, then ✓, then rows that do not apply. */
export function sortChecks(checks: readonly Check[]): Check[] {
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => {
      const r = rank(a.check) - rank(b.check);
      if (r !== 0) return r;
      if (rank(a.check) === 0) return (b.check.exposure ?? 0) - (a.check.exposure ?? 0) || a.index - b.index;
      return a.index - b.index;
    })
    .map(({ check }) => check);
}

export function checkCounts(checks: readonly Check[]): { failing: number; passing: number; na: number } {
  let failing = 0;
  let passing = 0;
  let na = 0;
  for (const check of checks) {
    if (check.set === false) failing++;
    else if (check.set === true) passing++;
    else na++;
  }
  return { failing, passing, na };
}

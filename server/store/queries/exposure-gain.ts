import type { Check } from '../../analyze/model.js';

/**
 * How much exposure (tenths) one unit would lose if check `checkId` were fixed on it.
 *
 * The seam for the what-if score model (server/analyze/score/, in progress): until it can
 * recompute a unit's score with one check fixed, the answer is the check's own exposure as the
 * host printed it (a failing row's share of the score), 0 when the row shows none. Swap this
 * function for the model's; callers pass it to DirectiveGapsQuery, which calls it once per
 * distinct assessment and caches the answer (assessments are immutable).
 */
export function exposureGainIfFixed(checks: Check[], checkId: string): number {
  const check = checks.find((c) => c.id === checkId);
  return check?.set === false ? (check.exposure ?? 0) : 0;
}

export type ExposureGain = typeof exposureGainIfFixed;

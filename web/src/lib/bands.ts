import type { Bands, Predicate } from './api/types';
import { PREDICATES } from './api/types';

export interface BandShare {
  predicate: Predicate;
  units: number;
  /** Share of the scored units, 0…100. */
  percent: number;
}

/** Units per band, worst band first (as the eye reads a risk list). */
export function bandShares(bands: Bands): BandShare[] {
  const total = PREDICATES.reduce((sum, p) => sum + bands[p], 0);
  return [...PREDICATES].reverse().map((predicate) => ({
    predicate,
    units: bands[predicate],
    percent: total === 0 ? 0 : (bands[predicate] / total) * 100,
  }));
}

/** A percentage as a short figure: "88 %", "0.5 %", "<0.1 %". */
export function formatPercent(percent: number): string {
  if (percent === 0) return '0 %';
  if (percent < 0.1) return '<0.1 %';
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)} %`;
}

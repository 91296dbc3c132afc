import { PREDICATES, type Predicate } from '../../analyze/model.js';
import { predicateFor } from '../../analyze/numbers.js';
import type { Histogram } from '../rollups.js';

// Statistics of unit exposures (tenths) from a 101-bucket histogram, the form label_daily keeps
// and the overview counts: exact, whatever the number of units.

export type Bands = Record<Predicate, number>;

export interface Distribution {
  /** Units with an exposure. */
  units: number;
  median: number | null;
  /** Nearest rank: the smallest exposure that at least 90% of units are at or below. */
  p90: number | null;
  worst: number | null;
  bands: Bands;
}

/** The exposure of rank k (0-based) in ascending order. */
function kth(histogram: Histogram, k: number): number {
  let seen = 0;
  for (let e = 0; e < histogram.length; e++) {
    seen += histogram[e] ?? 0;
    if (seen > k) return e;
  }
  return histogram.length - 1;
}

export function distributionOf(histogram: Histogram): Distribution {
  const bands = Object.fromEntries(PREDICATES.map((p) => [p, 0])) as Bands;
  let units = 0;
  let worst: number | null = null;
  histogram.forEach((n, e) => {
    if (n <= 0) return;
    units += n;
    worst = e;
    bands[predicateFor(e)] += n;
  });
  if (units === 0) return { units, median: null, p90: null, worst: null, bands };
  // The same median as a scan's (store/scans.ts): the middle one, or the mean of the two middle
  // ones rounded up to a tenth.
  const mid = units >> 1;
  const median =
    units % 2 === 1 ? kth(histogram, mid) : Math.ceil((kth(histogram, mid - 1) + kth(histogram, mid)) / 2);
  return { units, median, p90: kth(histogram, Math.ceil(0.9 * units) - 1), worst, bands };
}

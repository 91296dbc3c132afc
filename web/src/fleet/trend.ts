import type { FleetTrendResponse } from '../lib/api/types';

/** The trend's lines; days without a scored unit (before the first scan) are gaps, not zeros. */
export function trendLines(trend: FleetTrendResponse): {
  days: string[];
  median: (number | null)[];
  p90: (number | null)[];
  hasData: boolean;
} {
  const points = trend.points;
  return {
    days: points.map((p) => p.day),
    median: points.map((p) => p.exposure.median),
    p90: points.map((p) => p.exposure.p90),
    hasData: points.some((p) => p.exposure.median !== null),
  };
}

/** The first and the last point with scored units: what the range moved from and to. */
export function trendEnds(trend: FleetTrendResponse) {
  const scored = trend.points.filter((p) => p.exposure.median !== null);
  return { first: scored[0] ?? null, last: scored[scored.length - 1] ?? null };
}

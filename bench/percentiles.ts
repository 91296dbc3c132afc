// Latency percentiles from every request's own time, for the figures a goal is stated in
// (issue 5: p95). autocannon's summary has p50, p90, p97.5 and p99 but no p95.

/** Nearest rank: the smallest value that at least p% of the samples are at or below. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface Latencies {
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latencies(samples: readonly number[]): Latencies {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  return {
    requests: list.length,
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list[list.length - 1] ?? Number.NaN,
  };
}

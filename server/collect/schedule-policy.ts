// When a host is next due: pure arithmetic, so it is tested without waiting.

/** Spread of each interval, so hosts scanned together drift apart instead of staying in step. */
export const JITTER = 0.1;
/** First retry of a failing host; doubles per failure, never beyond the host's interval. */
export const BACKOFF_BASE_MS = 60_000;

/** `random` returns [0, 1), like Math.random. */
export function nextDue(now: number, intervalMs: number, failures: number, random: () => number): number {
  const base = failures === 0 ? intervalMs : Math.min(intervalMs, BACKOFF_BASE_MS * 2 ** (failures - 1));
  return Math.round(now + base * (1 + JITTER * (2 * random() - 1)));
}

/** First due time of a host never scanned: spread evenly over `spreadMs` so a new fleet trickles in. */
export function firstDue(now: number, index: number, count: number, spreadMs: number): number {
  return count <= 1 ? now : Math.round(now + (spreadMs * index) / count);
}

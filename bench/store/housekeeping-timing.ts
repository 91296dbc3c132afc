import type { Db } from '../../server/store/db.js';
import { defaultRetention, housekeepingSteps } from '../../server/store/housekeeping.js';

export interface HousekeepingTiming {
  /** The whole run, its steps back to back. */
  totalMs: number;
  /** The longest step: how long the server's event loop and writer wait at most. */
  longestStepMs: number;
}

/** One housekeeping run at `now`, timed step by step. */
export function timedHousekeeping(db: Db, now: number): HousekeepingTiming {
  const steps = housekeepingSteps(db, defaultRetention, now);
  const started = performance.now();
  let longestStepMs = 0;
  for (;;) {
    const t = performance.now();
    const step = steps.next();
    longestStepMs = Math.max(longestStepMs, performance.now() - t);
    if (step.done) return { totalMs: performance.now() - started, longestStepMs };
  }
}

/** The slowest of several runs, and the longest step of any. */
export const slowest = (a: HousekeepingTiming, b: HousekeepingTiming): HousekeepingTiming => ({
  totalMs: Math.max(a.totalMs, b.totalMs),
  longestStepMs: Math.max(a.longestStepMs, b.longestStepMs),
});

import type { HostTarget } from '../config/config.js';
import type { CollectOptions } from './collect.js';
import { ScanActivity } from './scan-activity.js';
import type { ScanHooks } from './scan-host.js';
import { type RoundProgress, scanRound } from './scan-round.js';

export interface SchedulerOptions extends CollectOptions {
  targets: HostTarget[];
  intervalMs: number;
  concurrency: number;
  onResult: (progress: RoundProgress) => void;
  hooks?: (target: HostTarget) => ScanHooks;
  onRoundDone?: (round: { number: number; durationMs: number }) => void;
  activity?: ScanActivity;
}

export interface Scheduler {
  /** Resolves when the first round, started at once, has finished. */
  firstRound: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Scan the fleet now, then again `intervalMs` after each round finishes (never on a fixed
 * clock, so a slow round cannot pile up on the next one).
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const activity = options.activity ?? new ScanActivity();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let number = 0;
  const round = (): Promise<void> => {
    const started = Date.now();
    number++;
    const thisRound = number;
    activity.roundStarted(options.targets.length, started);
    current = scanRound(
      options.targets,
      options,
      (progress) => {
        activity.hostDone(progress);
        options.onResult(progress);
      },
      (target) => activity.hostStarted(target),
      options.hooks,
    ).then(() => {
      activity.roundFinished(stopped ? null : Date.now() + options.intervalMs);
      options.onRoundDone?.({ number: thisRound, durationMs: Date.now() - started });
      if (!stopped) timer = setTimeout(round, options.intervalMs);
    });
    return current;
  };
  const firstRound = round();
  return {
    firstRound,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

import type { HostTarget } from '../config/config.js';
import type { CollectOptions } from './collect.js';
import { ScanActivity } from './scan-activity.js';
import { type ScanHooks, type ScanResult, scanHost } from './scan-host.js';
import type { RoundProgress } from './scan-round.js';
import { firstDue, nextDue } from './schedule-policy.js';

export interface Due {
  dueAt: number;
  failures: number;
}

/** Where due times live between restarts (the database), keyed by host name. */
export interface DueStore {
  load(): Map<string, Due>;
  save(name: string, due: Due): void;
}

export interface SchedulerOptions extends CollectOptions {
  targets: HostTarget[];
  /** For hosts without an interval of their own. */
  intervalMs: number;
  concurrency: number;
  /** Hosts never scanned before start within this window, evenly spread. */
  startSpreadMs: number;
  store: DueStore;
  onResult: (progress: RoundProgress) => void;
  hooks?: (target: HostTarget) => ScanHooks;
  activity?: ScanActivity;
  clock?: () => number;
  random?: () => number;
  /** The scan itself; injectable for tests of the schedule. */
  scan?: (target: HostTarget, options: CollectOptions, hooks?: ScanHooks) => Promise<ScanResult>;
}

export interface Scheduler {
  /** Resolves once every host has been scanned at least once since start. */
  firstRound: Promise<void>;
  /**
   * The inventory changed: new hosts get a first due time (spread like at start), changed ones
   * are scanned with their new settings from their next scan on, removed ones are no longer
   * scanned (a scan under way ends, and its result is dropped).
   */
  setTargets(targets: readonly HostTarget[]): void;
  /** Make hosts due now ("scan now"); returns how many were matched. */
  scanNow(match: (target: HostTarget) => boolean): number;
  stop(): Promise<void>;
}

const MAX_SLEEP_MS = 60_000;

/**
 * Per-host schedule: each host is due again an interval (with jitter) after its last scan
 * ended, sooner with exponential backoff while it fails; at most `concurrency` scans at once,
 * never two of one host; due times persisted so a restart picks up where it left off.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const scan = options.scan ?? scanHost;
  const activity = options.activity ?? new ScanActivity();
  const intervalOf = (t: HostTarget) => t.intervalMs ?? options.intervalMs;
  // Hosts never scanned (or just added) start spread over startSpreadMs, never past an interval.
  const firstDues = (fresh: readonly HostTarget[], now: number) =>
    fresh.map(
      (t, i) =>
        [
          t.name,
          {
            dueAt: firstDue(now, i, fresh.length, Math.min(options.startSpreadMs, intervalOf(t))),
            failures: 0,
          },
        ] as const,
    );
  const stored = options.store.load();
  let targets: readonly HostTarget[] = [...options.targets];
  let current = new Set(targets.map((t) => t.name));
  const due = new Map<string, Due>([
    ...targets.flatMap((t) => {
      const known = stored.get(t.name);
      return known ? [[t.name, known] as const] : [];
    }),
    ...firstDues(
      targets.filter((t) => !stored.has(t.name)),
      clock(),
    ),
  ]);
  const running = new Map<string, Promise<void>>();
  const scannedOnce = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let done = 0;
  let firstRoundDone = false;
  let resolveFirst: () => void = () => {};
  const firstRound = new Promise<void>((resolve) => {
    resolveFirst = () => {
      firstRoundDone = true;
      resolve();
    };
  });
  const checkFirstRound = () => {
    if (!firstRoundDone && targets.every((t) => scannedOnce.has(t.name))) resolveFirst();
  };
  checkFirstRound();

  const nextWake = (): number | null => {
    let next: number | null = null;
    for (const t of targets) {
      if (running.has(t.name)) continue;
      const at = (due.get(t.name) as Due).dueAt;
      if (next === null || at < next) next = at;
    }
    return next;
  };

  const launch = (target: HostTarget) => {
    if (running.size === 0) activity.roundStarted(clock());
    activity.hostStarted(target);
    const job = scan(target, options, options.hooks?.(target))
      .then((result) => {
        done++;
        activity.hostDone({ done, total: targets.length, target, result });
        // Removed from the inventory while it was scanned: nothing to record.
        if (!current.has(target.name)) return;
        options.onResult({ done, total: targets.length, target, result });
        const failures = result.status === 'ok' ? 0 : ((due.get(target.name) as Due).failures ?? 0) + 1;
        const next = { dueAt: nextDue(clock(), intervalOf(target), failures, random), failures };
        due.set(target.name, next);
        options.store.save(target.name, next);
      })
      .catch(() => {
        // scanHost never throws; a store failure must not stop the others. Retry later.
        due.set(target.name, { dueAt: nextDue(clock(), intervalOf(target), 1, random), failures: 1 });
      })
      .finally(() => {
        running.delete(target.name);
        scannedOnce.add(target.name);
        if (!current.has(target.name)) due.delete(target.name);
        checkFirstRound();
        const waiting = targets.some(
          (t) => !running.has(t.name) && (due.get(t.name) as Due).dueAt <= clock(),
        );
        if (running.size === 0 && (stopped || !waiting))
          activity.roundFinished(stopped ? null : nextWake(), clock());
        tick();
      });
    running.set(target.name, job);
  };

  const tick = () => {
    clearTimeout(timer);
    if (stopped) return;
    const now = clock();
    const ready = targets
      .filter((t) => !running.has(t.name) && (due.get(t.name) as Due).dueAt <= now)
      .sort((a, b) => (due.get(a.name) as Due).dueAt - (due.get(b.name) as Due).dueAt);
    for (const target of ready) {
      if (running.size >= options.concurrency) break;
      launch(target);
    }
    const wake = nextWake();
    if (wake !== null && running.size < options.concurrency) {
      timer = setTimeout(tick, Math.min(Math.max(wake - clock(), 10), MAX_SLEEP_MS));
    }
  };
  tick();

  return {
    firstRound,
    setTargets: (next) => {
      const previous = new Map(targets.map((t) => [t.name, t]));
      const now = clock();
      targets = [...next];
      current = new Set(targets.map((t) => t.name));
      for (const [name, first] of firstDues(
        targets.filter((t) => !due.has(t.name)),
        now,
      ))
        due.set(name, first);
      for (const t of targets) {
        // A shorter interval applies now, not after the wait the old one set.
        const before = previous.get(t.name);
        const was = due.get(t.name) as Due;
        if (before && intervalOf(t) < intervalOf(before))
          due.set(t.name, { ...was, dueAt: Math.min(was.dueAt, now + intervalOf(t)) });
      }
      for (const name of [...due.keys()]) if (!current.has(name) && !running.has(name)) due.delete(name);
      checkFirstRound();
      tick();
    },
    scanNow: (match) => {
      let matched = 0;
      for (const t of targets) {
        if (!match(t)) continue;
        matched++;
        const current = due.get(t.name) as Due;
        due.set(t.name, { ...current, dueAt: Math.min(current.dueAt, clock()) });
      }
      tick();
      return matched;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(running.values());
    },
  };
}

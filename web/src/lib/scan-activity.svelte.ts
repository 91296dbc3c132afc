import { errorMessage, getScanActivity } from './api/client';
import type { ScanActivity } from './api/types';

// The live scan status, shared by the top bar and the pages: polled every 2 s while a round
// runs, every 15 s when idle (sooner when the next round is due sooner), never while the tab is
// hidden. Pages subscribe to onRoundFinished() to refresh their data when a round completes.

export const RUNNING_POLL_MS = 2_000;
export const IDLE_POLL_MS = 15_000;

/** The newest round known to be complete: the one before a running round. */
function completedRound(activity: ScanActivity): number {
  return activity.running ? activity.round - 1 : activity.round;
}

class ScanActivityState {
  activity: ScanActivity | null = $state(null);
  /** The last poll failed (the server is unreachable or too old to have the endpoint). */
  error = $state('');
  /** When the last snapshot arrived, so relative times are fresh the moment it shows. */
  receivedAt = $state(0);

  /** Names of the hosts being scanned right now. */
  readonly scanning: ReadonlySet<string> = $derived(
    new Set(this.activity?.running ? this.activity.scanning : []),
  );

  private readonly listeners = new Set<() => void>();
  private lastCompleted: number | null = null;
  private started = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inflight: AbortController | null = null;

  /** Starts polling; the returned function stops it. */
  start(): () => void {
    if (this.started) return () => {};
    this.started = true;
    document.addEventListener('visibilitychange', this.onVisibility);
    if (document.visibilityState !== 'hidden') void this.poll();
    return () => {
      this.started = false;
      document.removeEventListener('visibilitychange', this.onVisibility);
      this.halt();
    };
  }

  /** Calls `listener` after every scan round that finishes while the page is open; returns the unsubscribe. */
  onRoundFinished(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'hidden') this.halt();
    else if (this.started && this.inflight === null) void this.poll();
  };

  private halt(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.abort();
    this.inflight = null;
  }

  private async poll(): Promise<void> {
    clearTimeout(this.timer);
    const controller = new AbortController();
    this.inflight = controller;
    try {
      this.apply(await getScanActivity(controller.signal));
    } catch (err) {
      if (controller.signal.aborted) return;
      this.error = errorMessage(err);
    } finally {
      // A halt (tab hidden, stop) clears inflight: then nothing is scheduled.
      if (this.inflight === controller) {
        this.inflight = null;
        this.schedule();
      }
    }
  }

  private apply(next: ScanActivity): void {
    this.activity = next;
    this.error = '';
    this.receivedAt = Date.now();
    // Any change of the completed round counts, a server restart (rounds counted from 1 again) too;
    // the first snapshot only sets the baseline, the page has just loaded its data.
    const completed = completedRound(next);
    const finished = this.lastCompleted !== null && completed !== this.lastCompleted;
    this.lastCompleted = completed;
    if (finished) {
      for (const listener of [...this.listeners]) listener();
    }
  }

  private schedule(): void {
    if (!this.started || document.visibilityState === 'hidden') return;
    this.timer = setTimeout(() => void this.poll(), this.delay());
  }

  private delay(): number {
    const activity = this.activity;
    if (this.error !== '' || activity === null) return IDLE_POLL_MS;
    if (activity.running) return RUNNING_POLL_MS;
    // Idle: look again just after the next round is due, if that is sooner than the idle interval.
    const due = activity.nextRoundAt === null ? Number.NaN : Date.parse(activity.nextRoundAt) - Date.now();
    if (Number.isNaN(due)) return IDLE_POLL_MS;
    return Math.min(IDLE_POLL_MS, Math.max(RUNNING_POLL_MS, due + 500));
  }
}

export const scanActivity = new ScanActivityState();

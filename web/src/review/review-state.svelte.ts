import { SvelteMap } from 'svelte/reactivity';
import { errorMessage, getEveryHost, getFleetTrend, getHostDiff } from '../lib/api/client';
import type { FleetTrendResponse, HostSummary, ScanDiffResponse } from '../lib/api/types';
import { Resource } from '../lib/resource.svelte';

// The weekly review. There is no fleet-wide diff: the fleet (or label) trend for 7 days, then
// each host's diff since the end of the day 7 days before the trend's last day (the server's
// today). Bounded: the hosts of the label filter that have been scanned, at most MAX_HOSTS of
// them, DIFF_CONCURRENCY requests at a time.

export const MAX_HOSTS = 50;
const DIFF_CONCURRENCY = 4;
export const REVIEW_DAYS = 7;

export type HostDiff =
  | { phase: 'loading' }
  | { phase: 'ready'; data: ScanDiffResponse }
  | { phase: 'error'; error: string };

/** YYYY-MM-DD minus `days` (UTC calendar days). */
export function daysBefore(day: string, days: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) - days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Hosts with something that changed first: most units worse, then better, then the rest. */
export function changeScore(d: ScanDiffResponse): number {
  const s = d.summary;
  return s.worse + s.better + s.appeared + s.removed + s.changed;
}

export class ReviewState {
  readonly trend = new Resource<FleetTrendResponse>();
  hostsPhase: 'loading' | 'ready' | 'error' = $state('loading');
  hostsError = $state('');
  /** The hosts of the filter that have been scanned (all of them, before the cap). */
  candidates: HostSummary[] = $state.raw([]);
  /** From the end of this day to the latest state. */
  fromDate: string | null = $state(null);
  readonly diffs = new SvelteMap<number, HostDiff>();

  private readonly controller = new AbortController();

  constructor(readonly labels: readonly string[]) {}

  /** The hosts whose diffs are asked for. */
  readonly reviewed = $derived(this.candidates.slice(0, MAX_HOSTS));

  async load(): Promise<void> {
    const signal = this.controller.signal;
    // Every host of the filter (paged through): the scanned ones are counted, the first by name reviewed.
    const hosts = getEveryHost(this.labels, { sort: 'name' }, signal).catch((err: unknown) => err);
    await this.trend.load((s) => getFleetTrend(this.labels, { days: REVIEW_DAYS, bucket: 'day' }, s));
    const list = await hosts;
    if (signal.aborted) return;
    if (!Array.isArray(list)) {
      this.hostsError = errorMessage(list);
      this.hostsPhase = 'error';
      return;
    }
    this.candidates = list
      .filter((h) => h.lastScan !== null)
      .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
    this.hostsPhase = 'ready';
    const to = this.trend.data?.to ?? new Date().toISOString().slice(0, 10);
    this.fromDate = daysBefore(to, REVIEW_DAYS);
    await this.loadDiffs(this.fromDate);
  }

  private async loadDiffs(fromDate: string): Promise<void> {
    const queue = [...this.reviewed];
    for (const host of queue) this.diffs.set(host.id, { phase: 'loading' });
    const worker = async () => {
      for (let host = queue.shift(); host; host = queue.shift()) await this.loadDiff(host.id, fromDate);
    };
    await Promise.all(Array.from({ length: DIFF_CONCURRENCY }, worker));
  }

  async loadDiff(hostId: number, fromDate = this.fromDate): Promise<void> {
    if (fromDate === null) return;
    this.diffs.set(hostId, { phase: 'loading' });
    try {
      this.diffs.set(hostId, {
        phase: 'ready',
        data: await getHostDiff(hostId, fromDate, this.controller.signal),
      });
    } catch (err) {
      if (!this.controller.signal.aborted)
        this.diffs.set(hostId, { phase: 'error', error: errorMessage(err) });
    }
  }

  abort(): void {
    this.controller.abort();
    this.trend.abort();
  }
}

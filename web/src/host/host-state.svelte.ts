import { SvelteMap } from 'svelte/reactivity';
import { errorMessage, getHostTrend, getHostUnits, getUnit } from '../lib/api/client';
import type { HostTrendResponse, HostUnitsResponse, TrendDays, UnitDetailResponse } from '../lib/api/types';
import { Resource } from '../lib/resource.svelte';
import { UnitHistoryState, WhatIfState } from './unit-extras.svelte';
import { sortUnits } from './units';

export interface UnitExtras {
  history: UnitHistoryState;
  whatif: WhatIfState;
}

export type UnitDetail =
  | { phase: 'loading' }
  | { phase: 'ready'; data: UnitDetailResponse }
  | { phase: 'error'; error: string };

export class HostState {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  error = $state('');
  errorStatus = $state(0);
  data: HostUnitsResponse | null = $state(null);
  /** Checks of the units opened so far, kept while the page is open so re-opening is instant. */
  readonly details = new SvelteMap<string, UnitDetail>();

  readonly units = $derived(this.data ? sortUnits(this.data.units) : []);
  /** The host's worst and median by day. */
  readonly trend = new Resource<HostTrendResponse>();
  trendDays: TrendDays = $state(30);
  /** History and what-if per unit: plain map, the objects inside are reactive themselves. */
  private readonly extrasByUnit = new Map<string, UnitExtras>();

  constructor(readonly hostId: number) {}

  private loads = 0;
  /** Units whose checks are being fetched (not state: nothing renders from it). */
  private readonly fetching = new Set<string>();

  /**
   * Fetches the host and its units. Checks already fetched stay while they belong to the scan
   * shown (loadUnit fetches them again once a newer scan replaced it). `quiet` (the refresh
   * after a scan round) keeps what is shown when the request fails.
   */
  async load(signal?: AbortSignal, { quiet = false }: { quiet?: boolean } = {}): Promise<void> {
    const seq = ++this.loads;
    if (this.data === null && !quiet) this.phase = 'loading';
    try {
      const data = await getHostUnits(this.hostId, signal);
      if (seq !== this.loads) return; // a newer load is on its way
      this.data = data;
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted || seq !== this.loads) return;
      if (quiet && this.phase === 'ready') return;
      this.error = errorMessage(err);
      this.errorStatus = (err as { status?: number }).status ?? 0;
      this.phase = 'error';
    }
  }

  loadTrend(days: TrendDays = this.trendDays, options: { quiet?: boolean } = {}): Promise<void> {
    this.trendDays = days;
    return this.trend.load((signal) => getHostTrend(this.hostId, { days, bucket: 'day' }, signal), options);
  }

  extras(unit: string): UnitExtras {
    let extras = this.extrasByUnit.get(unit);
    if (!extras) {
      extras = {
        history: new UnitHistoryState(this.hostId, unit),
        whatif: new WhatIfState(this.hostId, unit),
      };
      this.extrasByUnit.set(unit, extras);
    }
    return extras;
  }

  /** Fetches a unit's checks unless those of the scan shown are there or on their way. */
  async loadUnit(unit: string): Promise<void> {
    if (this.fetching.has(unit)) return;
    const current = this.details.get(unit);
    if (current?.phase === 'ready' && current.data.scan.id === this.data?.scan?.id) return;
    this.fetching.add(unit);
    // Checks of an older scan stay on screen until the new ones are in: no flash of "Loading…".
    if (current?.phase !== 'ready') this.details.set(unit, { phase: 'loading' });
    try {
      this.details.set(unit, { phase: 'ready', data: await getUnit(this.hostId, unit) });
    } catch (err) {
      this.details.set(unit, { phase: 'error', error: errorMessage(err) });
    } finally {
      this.fetching.delete(unit);
    }
  }
}

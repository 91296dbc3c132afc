import { SvelteMap } from 'svelte/reactivity';
import { errorMessage, getHostUnits, getUnit } from '../lib/api/client';
import type { HostUnitsResponse, UnitDetailResponse } from '../lib/api/types';
import { sortUnits } from './units';

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

  constructor(readonly hostId: number) {}

  async load(signal?: AbortSignal): Promise<void> {
    if (this.data === null) this.phase = 'loading';
    try {
      this.data = await getHostUnits(this.hostId, signal);
      this.details.clear();
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted) return;
      this.error = errorMessage(err);
      this.errorStatus = (err as { status?: number }).status ?? 0;
      this.phase = 'error';
    }
  }

  async loadUnit(unit: string): Promise<void> {
    const current = this.details.get(unit);
    if (current && current.phase !== 'error') return;
    this.details.set(unit, { phase: 'loading' });
    try {
      this.details.set(unit, { phase: 'ready', data: await getUnit(this.hostId, unit) });
    } catch (err) {
      this.details.set(unit, { phase: 'error', error: errorMessage(err) });
    }
  }
}

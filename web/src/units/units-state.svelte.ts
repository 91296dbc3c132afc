import { SvelteMap } from 'svelte/reactivity';
import { errorMessage, getFleetHostUnits, getFleetUnits } from '../lib/api/client';
import type { FleetHostUnit, FleetUnitGroup } from '../lib/api/types';

export const PAGE_SIZE = 50;
export const HOSTS_PAGE_SIZE = 100;

/** The hosts running one unit, fetched when the unit is opened. */
export type UnitHosts =
  | { phase: 'loading'; hosts: FleetHostUnit[] }
  | { phase: 'ready'; hosts: FleetHostUnit[]; nextCursor: string | null; more: boolean }
  | { phase: 'error'; hosts: FleetHostUnit[]; error: string };

/** Worst units by name, a page at a time (cursor pagination), for one label filter. */
export class UnitsState {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  error = $state('');
  groups: FleetUnitGroup[] = $state.raw([]);
  nextCursor: string | null = $state(null);
  loadingMore = $state(false);
  moreError = $state('');
  readonly hosts = new SvelteMap<string, UnitHosts>();

  private seq = 0;
  private controller = new AbortController();

  constructor(readonly labels: readonly string[]) {}

  async load({ quiet = false } = {}): Promise<void> {
    const seq = ++this.seq;
    if (!quiet) this.phase = 'loading';
    try {
      const page = await getFleetUnits(this.labels, { limit: PAGE_SIZE }, this.controller.signal);
      if (seq !== this.seq) return;
      this.groups = page.units;
      this.nextCursor = page.nextCursor;
      this.phase = 'ready';
      this.hosts.clear();
    } catch (err) {
      if (this.controller.signal.aborted || seq !== this.seq) return;
      if (quiet && this.phase === 'ready') return;
      this.error = errorMessage(err);
      this.phase = 'error';
    }
  }

  async loadMore(): Promise<void> {
    if (this.loadingMore || this.nextCursor === null) return;
    const seq = this.seq;
    this.loadingMore = true;
    this.moreError = '';
    try {
      const page = await getFleetUnits(
        this.labels,
        { cursor: this.nextCursor, limit: PAGE_SIZE },
        this.controller.signal,
      );
      if (seq !== this.seq) return;
      this.groups = [...this.groups, ...page.units];
      this.nextCursor = page.nextCursor;
    } catch (err) {
      if (!this.controller.signal.aborted) this.moreError = errorMessage(err);
    } finally {
      this.loadingMore = false;
    }
  }

  /** Fetches the hosts running `unit` (the first page, or the next one with `more`). */
  async loadHosts(unit: string, { more = false } = {}): Promise<void> {
    const current = this.hosts.get(unit);
    if (current?.phase === 'loading') return;
    if (current?.phase === 'ready' && !more) return;
    if (more && (current?.phase !== 'ready' || current.nextCursor === null)) return;
    const cursor = more && current?.phase === 'ready' ? current.nextCursor : null;
    const kept = more && current ? current.hosts : [];
    if (current?.phase === 'ready' && more) this.hosts.set(unit, { ...current, more: true });
    else this.hosts.set(unit, { phase: 'loading', hosts: kept });
    try {
      const page = await getFleetHostUnits(
        this.labels,
        unit,
        { cursor, limit: HOSTS_PAGE_SIZE },
        this.controller.signal,
      );
      this.hosts.set(unit, {
        phase: 'ready',
        hosts: [...kept, ...page.units],
        nextCursor: page.nextCursor,
        more: false,
      });
    } catch (err) {
      if (!this.controller.signal.aborted)
        this.hosts.set(unit, { phase: 'error', hosts: kept, error: errorMessage(err) });
    }
  }

  abort(): void {
    this.controller.abort();
  }
}

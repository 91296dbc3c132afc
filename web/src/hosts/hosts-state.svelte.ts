import { errorMessage, getHosts } from '../lib/api/client';
import type { HostSummary } from '../lib/api/types';
import { DEFAULT_SORT, fleetFigures, type HostSort, type HostSortKey, sortHosts } from './fleet';

export class HostsState {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  error = $state('');
  hosts: HostSummary[] = $state([]);
  sort: HostSort = $state({ ...DEFAULT_SORT });

  readonly sorted = $derived(sortHosts(this.hosts, this.sort));
  readonly figures = $derived(fleetFigures(this.hosts));

  async load(signal?: AbortSignal): Promise<void> {
    if (this.hosts.length === 0) this.phase = 'loading';
    try {
      const res = await getHosts(signal);
      this.hosts = res.hosts;
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted) return;
      this.error = errorMessage(err);
      this.phase = 'error';
    }
  }

  /** A new column starts in its natural direction: worst first, names A→Z. */
  sortBy(key: HostSortKey): void {
    this.sort =
      this.sort.key === key
        ? { key, descending: !this.sort.descending }
        : { key, descending: key === 'worst' };
  }
}

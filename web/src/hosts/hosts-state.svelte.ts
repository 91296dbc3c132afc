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

  private loads = 0;

  /**
   * Fetches the hosts carrying every label of the filter (the server applies it: a fleet of
   * thousands is not sent whole to show a few); the sort order stays. `quiet` (the refresh after
   * a scan round) keeps what is shown when the request fails instead of replacing the table with
   * the error.
   */
  async load(
    labels: readonly string[],
    signal?: AbortSignal,
    { quiet = false }: { quiet?: boolean } = {},
  ): Promise<void> {
    const seq = ++this.loads;
    if (this.hosts.length === 0 && !quiet) this.phase = 'loading';
    try {
      const res = await getHosts(labels, signal);
      if (seq !== this.loads) return; // a newer load is on its way
      this.hosts = res.hosts;
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted || seq !== this.loads) return;
      if (quiet && this.phase === 'ready') return;
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

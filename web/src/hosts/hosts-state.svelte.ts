import { errorMessage, getFleetOverview, getHosts } from '../lib/api/client';
import type { FleetOverviewResponse, HostSummary } from '../lib/api/types';
import {
  DEFAULT_SORT,
  fleetFigures,
  type HostSort,
  type HostSortKey,
  hostsWithStatus,
  isDefaultSort,
  sortQuery,
} from './fleet';

/** Hosts per page: a screenful or two, so the first page shows fast on any fleet. */
export const PAGE_SIZE = 100;
/** The API's largest page: a refresh in place asks for what is shown, up to this. */
const MAX_PAGE = 1000;

/**
 * The hosts page: the hosts of a label filter a page at a time in the server's order (it sorts
 * and pages: a fleet of thousands is never sent whole), the strip's figures for the whole filter
 * from the fleet overview.
 */
export class HostsState {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  error = $state('');
  /** The pages shown so far, in the server's order. */
  hosts: HostSummary[] = $state.raw([]);
  nextCursor: string | null = $state(null);
  sort: HostSort = $state({ ...DEFAULT_SORT });
  /** Another order on its way: the rows stay until it comes. */
  sorting = $state(false);
  loadingMore = $state(false);
  moreError = $state('');
  overview: FleetOverviewResponse | null = $state.raw(null);
  /** The first host worst first: the strip names it. */
  worst: HostSummary | null = $state.raw(null);
  /** Hosts of the filter whose key changed: scans stop until someone looks (the alarm). */
  keyChanged: HostSummary[] = $state.raw([]);
  readonly figures = $derived(this.overview ? fleetFigures(this.overview, this.worst) : null);

  private labels: readonly string[] = [];
  private signal: AbortSignal | undefined;
  /** Bumped by every request that replaces the list: answers to older ones are dropped. */
  private loads = 0;

  /**
   * Fetches the first page of the hosts carrying every label of the filter, and the figures of
   * the filter; the sort order stays. `quiet` (the refresh after a scan round) refetches as many
   * hosts as are shown and keeps what is shown when the request fails instead of replacing the
   * table with the error.
   */
  async load(
    labels: readonly string[],
    signal?: AbortSignal,
    { quiet = false }: { quiet?: boolean } = {},
  ): Promise<void> {
    this.labels = labels;
    this.signal = signal;
    const seq = ++this.loads;
    if (this.hosts.length === 0 && !quiet) this.phase = 'loading';
    const sort = this.sort;
    const limit = quiet ? Math.min(MAX_PAGE, Math.max(PAGE_SIZE, this.hosts.length)) : PAGE_SIZE;
    try {
      const [page, overview] = await Promise.all([
        getHosts(labels, { ...sortQuery(sort), limit }, signal),
        getFleetOverview(labels, signal),
      ]);
      const [worst, keyChanged] = await Promise.all([
        isDefaultSort(sort)
          ? (page.hosts[0] ?? null)
          : getHosts(labels, { limit: 1 }, signal).then((r) => r.hosts[0] ?? null),
        hostsWithStatus(overview, 'hostkey-changed') === 0
          ? []
          : getHosts(labels, { status: 'hostkey-changed', sort: 'name', limit: MAX_PAGE }, signal).then(
              (r) => r.hosts,
            ),
      ]);
      if (seq !== this.loads) return; // a newer load is on its way
      this.hosts = page.hosts;
      this.nextCursor = page.nextCursor;
      this.overview = overview;
      this.worst = worst;
      this.keyChanged = keyChanged;
      this.moreError = '';
      this.phase = 'ready';
    } catch (err) {
      if (signal?.aborted || seq !== this.loads) return;
      if (quiet && this.phase === 'ready') return;
      this.error = errorMessage(err);
      this.phase = 'error';
    } finally {
      if (seq === this.loads) this.sorting = false;
    }
  }

  /** The next page, after the rows shown. */
  async showMore(): Promise<void> {
    if (this.loadingMore || this.sorting || this.nextCursor === null) return;
    const seq = this.loads;
    this.loadingMore = true;
    try {
      const page = await getHosts(
        this.labels,
        { ...sortQuery(this.sort), cursor: this.nextCursor, limit: PAGE_SIZE },
        this.signal,
      );
      if (seq !== this.loads) return;
      this.hosts = [...this.hosts, ...page.hosts];
      this.nextCursor = page.nextCursor;
      this.moreError = '';
    } catch (err) {
      if (!this.signal?.aborted && seq === this.loads) this.moreError = errorMessage(err);
    } finally {
      this.loadingMore = false;
    }
  }

  /**
   * A new column starts in its natural direction: worst first, names A→Z. The server sorts:
   * the first page in the new order replaces the rows.
   */
  sortBy(key: HostSortKey): void {
    this.sort =
      this.sort.key === key
        ? { key, descending: !this.sort.descending }
        : { key, descending: key === 'worst' };
    this.sorting = true;
    void this.reloadPage();
  }

  private async reloadPage(): Promise<void> {
    const seq = ++this.loads;
    try {
      const page = await getHosts(this.labels, { ...sortQuery(this.sort), limit: PAGE_SIZE }, this.signal);
      if (seq !== this.loads) return;
      this.hosts = page.hosts;
      this.nextCursor = page.nextCursor;
      this.moreError = '';
    } catch (err) {
      if (this.signal?.aborted || seq !== this.loads) return;
      this.error = errorMessage(err);
      this.phase = 'error';
    } finally {
      if (seq === this.loads) this.sorting = false;
    }
  }
}

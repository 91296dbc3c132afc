import { errorMessage, getDirectiveGaps } from '../lib/api/client';
import type { DirectiveGap } from '../lib/api/types';

// systemd's catalogue has about 80 checks: one page of 200 holds them all; "Load more" is there
// for whatever a newer systemd adds.
export const PAGE_SIZE = 200;

/** Directive gaps for one label filter, biggest exposure gain first (the server's order). */
export class GapsState {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  error = $state('');
  gaps: DirectiveGap[] = $state.raw([]);
  units = $state(0);
  hosts = $state(0);
  nextCursor: string | null = $state(null);
  loadingMore = $state(false);

  private seq = 0;
  private readonly controller = new AbortController();

  constructor(readonly labels: readonly string[]) {}

  readonly maxGain = $derived(this.gaps.reduce((max, g) => Math.max(max, g.exposureGain), 0));

  async load({ quiet = false } = {}): Promise<void> {
    const seq = ++this.seq;
    if (!quiet) this.phase = 'loading';
    try {
      const page = await getDirectiveGaps(this.labels, { limit: PAGE_SIZE }, this.controller.signal);
      if (seq !== this.seq) return;
      this.gaps = page.gaps;
      this.units = page.units;
      this.hosts = page.hosts;
      this.nextCursor = page.nextCursor;
      this.phase = 'ready';
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
    try {
      const page = await getDirectiveGaps(
        this.labels,
        { cursor: this.nextCursor, limit: PAGE_SIZE },
        this.controller.signal,
      );
      if (seq !== this.seq) return;
      this.gaps = [...this.gaps, ...page.gaps];
      this.nextCursor = page.nextCursor;
    } catch (err) {
      if (!this.controller.signal.aborted) this.error = errorMessage(err);
    } finally {
      this.loadingMore = false;
    }
  }

  abort(): void {
    this.controller.abort();
  }
}

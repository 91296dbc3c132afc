import { ApiRequestError, errorMessage } from './api/client';

// One request's answer as the pages show it: loading the first time, then the data, kept on
// screen (marked as refreshing) while a newer request for other parameters is on its way; a
// newer request always wins over an older one still in flight.

export class Resource<T> {
  phase: 'loading' | 'ready' | 'error' = $state('loading');
  data: T | null = $state.raw(null);
  /** A newer request is on its way while `data` (an older answer) is shown. */
  refreshing = $state(false);
  error = $state('');
  errorStatus = $state(0);

  private seq = 0;
  private controller: AbortController | null = null;

  /**
   * Runs `fetcher`, aborting any earlier request of this resource. `quiet` (a refresh after a
   * scan round) keeps the data shown when the request fails.
   */
  async load(fetcher: (signal: AbortSignal) => Promise<T>, { quiet = false } = {}): Promise<void> {
    const seq = ++this.seq;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    if (this.data === null) this.phase = 'loading';
    else this.refreshing = true;
    try {
      const data = await fetcher(controller.signal);
      if (seq !== this.seq) return;
      this.data = data;
      this.phase = 'ready';
    } catch (err) {
      if (controller.signal.aborted || seq !== this.seq) return;
      if (quiet && this.data !== null) return;
      this.error = errorMessage(err);
      this.errorStatus = err instanceof ApiRequestError ? err.status : 0;
      this.data = null;
      this.phase = 'error';
    } finally {
      if (seq === this.seq) this.refreshing = false;
    }
  }

  abort(): void {
    this.seq++;
    this.controller?.abort();
    this.controller = null;
    this.refreshing = false;
  }
}

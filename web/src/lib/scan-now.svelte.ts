import { errorMessage, postScanNow } from './api/client';
import type { ScanNowRequest } from './api/types';
import { plural } from './format';

// "Scan now" (operators): the matching hosts become due at once; the top bar's scan status
// shows the round, and the pages refresh when it ends.

export class ScanNowState {
  busy = $state(false);
  /** What the last request did, or why it failed. */
  message = $state('');
  failed = $state(false);

  /** `filters`, or how to find them (the hosts of a filter, fetched first): its failure is shown too. */
  async run(filters: readonly ScanNowRequest[] | (() => Promise<readonly ScanNowRequest[]>)): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.message = '';
    this.failed = false;
    try {
      let matched = 0;
      // Several filters (hosts of more than one label) go one by one: a handful at most.
      const list = typeof filters === 'function' ? await filters() : filters;
      for (const filter of list) matched += (await postScanNow(filter)).matched;
      this.message = `${plural(matched, 'host')} queued`;
    } catch (err) {
      this.failed = true;
      this.message = errorMessage(err);
    } finally {
      this.busy = false;
    }
  }
}

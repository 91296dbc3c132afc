import { ApiRequestError, errorMessage, getSuggestion, getUnitHistory, postWhatIf } from '../lib/api/client';
import type { SuggestionResponse, UnitInterval, WhatIfResponse } from '../lib/api/types';
import { Resource } from '../lib/resource.svelte';

// What an opened unit offers besides its checks: its history on the host, and "What if?" (a
// drop-in's predicted score). Each is fetched when its tab is first shown, then kept.

export const HISTORY_PAGE = 50;

export class UnitHistoryState {
  phase: 'idle' | 'loading' | 'ready' | 'error' = $state('idle');
  error = $state('');
  intervals: UnitInterval[] = $state.raw([]);
  nextCursor: string | null = $state(null);
  loadingMore = $state(false);

  constructor(
    readonly hostId: number,
    readonly unit: string,
  ) {}

  async load(): Promise<void> {
    if (this.phase === 'loading' || this.phase === 'ready') return;
    this.phase = 'loading';
    try {
      const page = await getUnitHistory(this.hostId, this.unit, { limit: HISTORY_PAGE });
      this.intervals = page.intervals;
      this.nextCursor = page.nextCursor;
      this.phase = 'ready';
    } catch (err) {
      this.error = errorMessage(err);
      this.phase = 'error';
    }
  }

  async loadMore(): Promise<void> {
    if (this.loadingMore || this.nextCursor === null) return;
    this.loadingMore = true;
    try {
      const page = await getUnitHistory(this.hostId, this.unit, {
        cursor: this.nextCursor,
        limit: HISTORY_PAGE,
      });
      this.intervals = [...this.intervals, ...page.intervals];
      this.nextCursor = page.nextCursor;
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.loadingMore = false;
    }
  }
}

/** A problem the server found in a drop-in: `line` is 1-based, null when the message names none. */
export interface DropInProblem {
  line: number | null;
  message: string;
}

/** "invalid drop-in: line 3: PrivateTmp=maybe: not a boolean; line 5: …" → one problem per line. */
export function dropInProblems(message: string): DropInProblem[] {
  const body = message.replace(/^invalid drop-in:\s*/i, '');
  const problems: DropInProblem[] = [];
  const re = /line (\d+): (.*?)(?=; line \d+: |$)/gs;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    problems.push({ line: Number(m[1]), message: m[2] ?? '' });
  }
  return problems.length > 0 ? problems : [{ line: null, message }];
}

export class WhatIfState {
  readonly suggestion = new Resource<SuggestionResponse>();
  /** The drop-in being edited; the suggestion fills it once, edits are kept. */
  text = $state('');
  predicting = $state(false);
  result: WhatIfResponse | null = $state.raw(null);
  /** The drop-in the result is for (edits after it mark the result as stale). */
  resultFor = $state('');
  problems: DropInProblem[] = $state.raw([]);
  error = $state('');
  copied: 'idle' | 'done' | 'failed' = $state('idle');

  private started = false;

  constructor(
    readonly hostId: number,
    readonly unit: string,
  ) {}

  readonly stale = $derived(this.result !== null && this.resultFor !== this.text);

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.suggestion.load((signal) => getSuggestion(this.hostId, this.unit, signal));
    if (this.suggestion.data && this.text === '') this.text = this.suggestion.data.text;
  }

  resetToSuggestion(): void {
    if (this.suggestion.data) this.text = this.suggestion.data.text;
    this.problems = [];
    this.error = '';
  }

  async predict(): Promise<void> {
    if (this.predicting) return;
    this.predicting = true;
    const dropin = this.text;
    try {
      this.result = await postWhatIf({ hostId: this.hostId, unit: this.unit, dropin });
      this.resultFor = dropin;
      this.problems = [];
      this.error = '';
    } catch (err) {
      this.result = null;
      if (err instanceof ApiRequestError && err.status === 400) {
        this.problems = dropInProblems(err.message);
        this.error = '';
      } else {
        this.problems = [];
        this.error = errorMessage(err);
      }
    } finally {
      this.predicting = false;
    }
  }

  async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.text);
      this.copied = 'done';
    } catch {
      this.copied = 'failed';
    }
    setTimeout(() => {
      this.copied = 'idle';
    }, 2500);
  }
}

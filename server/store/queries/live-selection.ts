import { type HostState, isSelected, type LiveHosts } from './live-hosts.js';

/** A running total over hosts: a host's share is added with sign 1 and taken back with -1. */
export interface Tally {
  add(host: HostState, sign: 1 | -1): void;
}

/**
 * One label filter's running total, kept in step with LiveHosts: when a host's state object is
 * replaced (its data changed) its old share is taken back and the new one added if the host is
 * still selected, so a write costs the hosts it touched, not the fleet. Totals are integer
 * counts, exact however long they run.
 */
export class LiveSelection<T extends Tally> {
  /** Every host as last looked at, selected or not: an unchanged host is skipped by identity. */
  private readonly seen = new Map<number, HostState>();
  private readonly selected = new Map<number, HostState>();
  private version = -1;

  constructor(
    private readonly live: LiveHosts,
    private readonly labels: readonly string[],
    readonly tally: T,
  ) {}

  /** The selected hosts, with the tally brought up to date. */
  sync(): ReadonlyMap<number, HostState> {
    this.live.refresh();
    if (this.version === this.live.version) return this.selected;
    for (const host of this.live.states()) {
      const before = this.seen.get(host.id);
      if (before === host) continue;
      this.seen.set(host.id, host);
      this.move(before, host);
    }
    if (this.seen.size > this.live.size) {
      for (const [id, before] of this.seen) {
        if (this.live.has(id)) continue;
        this.seen.delete(id);
        this.move(before, undefined);
      }
    }
    this.version = this.live.version;
    return this.selected;
  }

  private move(before: HostState | undefined, after: HostState | undefined): void {
    if (before && this.selected.delete(before.id)) this.tally.add(before, -1);
    if (after && isSelected(after, this.labels)) {
      this.tally.add(after, 1);
      this.selected.set(after.id, after);
    }
  }
}

/** A LiveSelection per label filter in use, made on first use. */
export class LiveSelections<T extends Tally> {
  private readonly selections = new Map<string, LiveSelection<T>>();

  constructor(
    private readonly live: LiveHosts,
    private readonly make: () => T,
    // As GenerationMemo: filters people pick are few; the cap bounds a client walking them all.
    private readonly limit = 64,
  ) {}

  get(key: string, labels: readonly string[]): LiveSelection<T> {
    let s = this.selections.get(key);
    if (!s) {
      if (this.selections.size >= this.limit) this.selections.clear();
      s = new LiveSelection(this.live, labels, this.make());
      this.selections.set(key, s);
    }
    return s;
  }
}

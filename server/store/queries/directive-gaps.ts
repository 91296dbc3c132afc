import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';
import { decodeChecks } from '../scans.js';
import { type ExposureGain, exposureGainIfFixed } from './exposure-gain.js';
import { type HostState, LiveHosts } from './live-hosts.js';
import { type LiveSelection, LiveSelections, type Tally } from './live-selection.js';

export interface DirectiveGap {
  /** The check's stable id (e.g. PrivateNetwork, CapabilityBoundingSet_CAP_SYS_ADMIN). */
  check: string;
  name: string;
  description: string | null;
  /** Current units failing it (✗). */
  units: number;
  /** Hosts with at least one such unit. */
  hosts: number;
  /** Exposure (tenths, summed over those units) the fleet would lose if it were fixed everywhere. */
  exposureGain: number;
}

export interface DirectiveGaps {
  gaps: DirectiveGap[];
  /** What the counts are out of: current units and hosts with units on the selected hosts. */
  units: number;
  hosts: number;
}

interface AssessmentSummary {
  /** Indexes (into the query's check dictionary) of the failing checks. */
  failing: number[];
  /** exposureGainIfFixed for each, in the same order. */
  gains: number[];
  /** The same indexes as a bit set (bit c of word c >>> 5), to OR a host's units together. */
  mask: Uint32Array;
}

// Assessments are content-addressed and never change, so their summaries can be kept; the cap
// only bounds memory on a fleet with very many distinct ones.
const CACHE_LIMIT = 200_000;

export const compareGaps = (a: DirectiveGap, b: DirectiveGap): number =>
  b.exposureGain - a.exposureGain ||
  b.units - a.units ||
  (a.check < b.check ? -1 : a.check > b.check ? 1 : 0);

/**
 * Directive gaps: per check, the units and hosts failing it and what fixing it would gain.
 * Decoding a check list is the expensive part, so it is done once per distinct assessment (the
 * fleet shares them), and counts are multiplied by how many current units use each. Those
 * counts are kept per label filter as hosts change (LiveHosts), so a request after a scan costs
 * that host's units, not the fleet's.
 */
export class DirectiveGapsQuery {
  readonly sql;
  private readonly statements;
  private readonly memo: GenerationMemo<DirectiveGaps>;
  private readonly summaries = new Map<number, AssessmentSummary>();
  private readonly checkIndex = new Map<string, number>();
  private readonly checkInfo: { check: string; name: string; description: string | null }[] = [];
  private readonly selections: LiveSelections<GapTally>;
  private readonly hostChecks = new WeakMap<Uint32Array, Uint32Array>();

  constructor(
    db: Db,
    private readonly gainIfFixed: ExposureGain = exposureGainIfFixed,
    live = new LiveHosts(db),
  ) {
    this.memo = new GenerationMemo(new DataGeneration(db));
    this.selections = new LiveSelections(live, () => new GapTally((host) => this.failingChecksOf(host)));
    this.sql = { checks: 'SELECT checks FROM assessments WHERE id = ?' };
    this.statements = { checks: db.prepare(this.sql.checks).pluck() };
  }

  private summary(assessmentId: number): AssessmentSummary {
    let s = this.summaries.get(assessmentId);
    if (s) return s;
    const checks = decodeChecks(this.statements.checks.get(assessmentId) as string);
    const failing: number[] = [];
    const gains: number[] = [];
    for (const c of checks) {
      if (c.set !== false) continue;
      let index = this.checkIndex.get(c.id);
      if (index === undefined) {
        index = this.checkInfo.length;
        this.checkIndex.set(c.id, index);
        this.checkInfo.push({ check: c.id, name: c.name, description: c.description });
      }
      failing.push(index);
      gains.push(this.gainIfFixed(checks, c.id));
    }
    const mask = new Uint32Array(Math.ceil(this.checkInfo.length / 32));
    for (const c of failing) mask[c >>> 5] = (mask[c >>> 5] as number) | (1 << (c & 31));
    s = { failing, gains, mask };
    if (this.summaries.size >= CACHE_LIMIT) this.summaries.clear();
    this.summaries.set(assessmentId, s);
    return s;
  }

  /**
   * The checks any of a host's current units fails, as dictionary indexes, each once. Kept by
   * the host's units array: a host whose labels or scans change but not its units reuses it.
   */
  private failingChecksOf(host: HostState): Uint32Array {
    let checks = this.hostChecks.get(host.assessments);
    if (checks) return checks;
    // Summaries first: a new one may grow the dictionary, and with it the bit set.
    const summaries = Array.from(host.assessments, (a) => this.summary(a));
    const acc = new Uint32Array(Math.ceil(this.checkInfo.length / 32));
    for (const { mask } of summaries) {
      for (let w = 0; w < mask.length; w++) acc[w] = (acc[w] as number) | (mask[w] as number);
    }
    const found: number[] = [];
    acc.forEach((word, w) => {
      for (let bits = word; bits !== 0; bits &= bits - 1)
        found.push(w * 32 + (31 - Math.clz32(bits & -bits)));
    });
    checks = Uint32Array.from(found);
    this.hostChecks.set(host.assessments, checks);
    return checks;
  }

  /** The gaps of the hosts carrying every label; the same object until the data changes. */
  run(labels: readonly string[]): DirectiveGaps {
    const key = labelsKey(labels);
    return this.memo.get(key, () => this.read(this.selections.get(key, labels)));
  }

  private read(selection: LiveSelection<GapTally>): DirectiveGaps {
    selection.sync();
    const tally = selection.tally;
    const checks = this.checkInfo.length;
    const units = new Float64Array(checks);
    const gains = new Float64Array(checks);
    // Per distinct assessment, not per unit: the fleet shares them.
    for (const [id, n] of tally.perAssessment) {
      const s = this.summary(id);
      s.failing.forEach((c, k) => {
        units[c] = (units[c] ?? 0) + n;
        gains[c] = (gains[c] ?? 0) + n * (s.gains[k] ?? 0);
      });
    }
    const gaps: DirectiveGap[] = [];
    for (let c = 0; c < checks; c++) {
      if ((units[c] ?? 0) === 0) continue;
      const info = this.checkInfo[c] as (typeof this.checkInfo)[number];
      const hosts = tally.hostsPerCheck[c] ?? 0;
      gaps.push({ ...info, units: units[c] ?? 0, hosts, exposureGain: gains[c] ?? 0 });
    }
    return { gaps: gaps.sort(compareGaps), units: tally.units, hosts: tally.hosts };
  }
}

/**
 * What the gaps are counted from, per label filter: current units by assessment (their failing
 * checks and gains are the assessment's), hosts by failing check (a host counts once per check
 * however many of its units fail it), and the totals.
 */
class GapTally implements Tally {
  readonly perAssessment = new Map<number, number>();
  hostsPerCheck = new Int32Array(64);
  units = 0;
  hosts = 0;

  constructor(private readonly failingChecksOf: (host: HostState) => Uint32Array) {}

  add(host: HostState, sign: 1 | -1): void {
    for (const a of host.assessments) {
      const n = (this.perAssessment.get(a) ?? 0) + sign;
      if (n === 0) this.perAssessment.delete(a);
      else this.perAssessment.set(a, n);
    }
    this.units += sign * host.assessments.length;
    if (host.assessments.length > 0) this.hosts += sign;
    for (const c of this.failingChecksOf(host)) {
      if (c >= this.hostsPerCheck.length) {
        const grown = new Int32Array(Math.max(c + 1, this.hostsPerCheck.length * 2));
        grown.set(this.hostsPerCheck);
        this.hostsPerCheck = grown;
      }
      this.hostsPerCheck[c] = (this.hostsPerCheck[c] as number) + sign;
    }
  }
}

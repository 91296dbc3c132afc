import type { Db } from '../db.js';
import { DataGeneration, GenerationMemo, labelsKey } from '../generation.js';
import { decodeChecks } from '../scans.js';
import { type ExposureGain, exposureGainIfFixed } from './exposure-gain.js';
import { HostFilter } from './host-filter.js';

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
 * fleet shares them), and counts are multiplied by how many current intervals use each.
 */
export class DirectiveGapsQuery {
  readonly sql;
  private readonly statements;
  private readonly memo: GenerationMemo<DirectiveGaps>;
  private readonly summaries = new Map<number, AssessmentSummary>();
  private readonly checkIndex = new Map<string, number>();
  private readonly checkInfo: { check: string; name: string; description: string | null }[] = [];

  constructor(
    db: Db,
    private readonly gainIfFixed: ExposureGain = exposureGainIfFixed,
    private readonly filter = new HostFilter(db),
  ) {
    this.memo = new GenerationMemo(new DataGeneration(db));
    this.sql = {
      // One number per current unit, host and assessment packed (host_id * 2^32 + assessment_id):
      // a plain number per row costs a fraction of a row object, at millions of rows.
      pairs: `SELECT host_id * 4294967296 + assessment_id FROM unit_intervals INDEXED BY unit_intervals_current_by_host
        WHERE to_scan IS NULL AND host_id IN (SELECT value FROM json_each(?))`,
      checks: 'SELECT checks FROM assessments WHERE id = ?',
    };
    this.statements = {
      pairs: db.prepare(this.sql.pairs).pluck(),
      checks: db.prepare(this.sql.checks).pluck(),
    };
  }

  private summary(assessmentId: number): AssessmentSummary {
    let s = this.summaries.get(assessmentId);
    if (s) return s;
    const checks = decodeChecks(this.statements.checks.get(assessmentId) as string);
    s = { failing: [], gains: [] };
    for (const c of checks) {
      if (c.set !== false) continue;
      let index = this.checkIndex.get(c.id);
      if (index === undefined) {
        index = this.checkInfo.length;
        this.checkIndex.set(c.id, index);
        this.checkInfo.push({ check: c.id, name: c.name, description: c.description });
      }
      s.failing.push(index);
      s.gains.push(this.gainIfFixed(checks, c.id));
    }
    if (this.summaries.size >= CACHE_LIMIT) this.summaries.clear();
    this.summaries.set(assessmentId, s);
    return s;
  }

  /** The gaps of the hosts carrying every label; the same object until the data changes. */
  run(labels: readonly string[]): DirectiveGaps {
    return this.memo.get(labelsKey(labels), () => this.read(labels));
  }

  private read(labels: readonly string[]): DirectiveGaps {
    const pairs = this.statements.pairs.all(this.filter.ids(labels)) as number[];
    const perAssessment = new Map<number, number>();
    for (const key of pairs) {
      const assessmentId = key % 4294967296;
      perAssessment.set(assessmentId, (perAssessment.get(assessmentId) ?? 0) + 1);
    }
    const summaries = new Map<number, AssessmentSummary>();
    for (const id of perAssessment.keys()) summaries.set(id, this.summary(id));

    const checks = this.checkInfo.length;
    const units = new Float64Array(checks);
    const gains = new Float64Array(checks);
    for (const [id, n] of perAssessment) {
      const s = summaries.get(id) as AssessmentSummary;
      s.failing.forEach((c, k) => {
        units[c] = (units[c] ?? 0) + n;
        gains[c] = (gains[c] ?? 0) + n * (s.gains[k] ?? 0);
      });
    }

    // Hosts per check: each host's failing checks as a bit set (OR of its assessments' sets),
    // so the work is one OR per (host, assessment) pair and one bit count per host.
    const words = Math.ceil(checks / 32);
    const masks = new Map<number, Uint32Array>();
    for (const [id, s] of summaries) {
      const mask = new Uint32Array(words);
      for (const c of s.failing) mask[c >>> 5] = (mask[c >>> 5] ?? 0) | (1 << (c & 31));
      masks.set(id, mask);
    }
    const byHost = new Map<number, Uint32Array>();
    let lastHost = -1;
    let acc: Uint32Array = new Uint32Array(words);
    for (const key of pairs) {
      const hostId = Math.floor(key / 4294967296);
      // Rows come host by host (one index probe each); the map only backs up that order.
      if (hostId !== lastHost) {
        const seen = byHost.get(hostId);
        if (seen) acc = seen;
        else {
          acc = new Uint32Array(words);
          byHost.set(hostId, acc);
        }
        lastHost = hostId;
      }
      const mask = masks.get(key % 4294967296) as Uint32Array;
      for (let w = 0; w < words; w++) acc[w] = (acc[w] ?? 0) | (mask[w] ?? 0);
    }
    const hosts = new Float64Array(checks);
    for (const acc of byHost.values()) {
      for (let w = 0; w < words; w++) {
        let bits = acc[w] ?? 0;
        while (bits !== 0) {
          const low = bits & -bits;
          const c = w * 32 + (31 - Math.clz32(low));
          hosts[c] = (hosts[c] ?? 0) + 1;
          bits ^= low;
        }
      }
    }

    const gaps: DirectiveGap[] = [];
    for (let c = 0; c < checks; c++) {
      if ((units[c] ?? 0) === 0) continue;
      const info = this.checkInfo[c] as (typeof this.checkInfo)[number];
      gaps.push({ ...info, units: units[c] ?? 0, hosts: hosts[c] ?? 0, exposureGain: gains[c] ?? 0 });
    }
    return { gaps: gaps.sort(compareGaps), units: pairs.length, hosts: byHost.size };
  }
}

// Real check lists (the recorded demo reports), and variants with a few checks flipped,
// re-scored with systemd's formula: the assessments the API bench's units draw from.

import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { Check } from '../../server/analyze/model.js';
import { interpretReport } from '../../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../../server/demo/fleet.js';

export class AssessmentPool {
  private seed = 0x9e3779b9;
  private readonly entries: { checks: Check[]; exposure: number }[];

  constructor(size = 1500) {
    const base = loadDemoReports().flatMap(
      (r) => interpretReport(personalise(r.text, 'b', 'x', new Date())).units,
    );
    this.entries = base.map((u) => ({ checks: u.checks, exposure: recomputeExposure(u.checks) ?? 0 }));
    while (this.entries.length < size) {
      const from = base[Math.floor(this.random() * base.length)]?.checks ?? [];
      const checks = from.map((c) => ({ ...c }));
      for (let i = 0; i < 3; i++) {
        const c = checks[Math.floor(this.random() * checks.length)];
        if (c && c.badness !== null && c.range !== null) {
          c.badness = c.badness === 0 ? c.range : 0;
          c.set = c.badness === 0;
        }
      }
      this.entries.push({ checks, exposure: recomputeExposure(checks) ?? 0 });
    }
  }

  /** xorshift32: the same fleet on every run. */
  random(): number {
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    return (this.seed >>> 0) / 4294967296;
  }

  draw(): number {
    return Math.floor(this.random() * this.entries.length);
  }

  at(entry: number): { checks: Check[]; exposure: number } {
    return this.entries[entry] as { checks: Check[]; exposure: number };
  }
}

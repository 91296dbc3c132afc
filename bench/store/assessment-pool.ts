import { recomputeExposure } from '../../server/analyze/exposure.js';
import type { Check, UnitAssessment } from '../../server/analyze/model.js';
import { interpretReport } from '../../server/collect/scan-host.js';
import { loadDemoReports, personalise } from '../../server/demo/fleet.js';
import { type PreparedUnit, prepareUnit } from '../../server/store/prepared-scan.js';
import { pick, random } from './churn.js';

// Unit assessments for the scale phase, prepared for the store once: the real ones of the
// recorded reports, and variants of them with a few checks flipped (re-scored with systemd's
// formula), as deploys and drop-ins make. Deploys keep adding new variants.

export type PooledUnit = Omit<PreparedUnit, 'unit'>;

const base: UnitAssessment[] = loadDemoReports().flatMap(
  (r) => interpretReport(personalise(r.text, 'b', 'x', new Date())).units,
);

function variant(of: UnitAssessment): UnitAssessment {
  const checks: Check[] = of.checks.map((c) => ({ ...c }));
  for (let i = 0; i < 3; i++) {
    const c = pick(checks);
    if (c.badness !== null && c.range !== null && c.weight !== null) {
      c.badness = c.badness === 0 ? c.range : 0;
      c.set = c.badness === 0;
    }
  }
  return { ...of, checks, exposure: recomputeExposure(checks) ?? 0 };
}

export class AssessmentPool {
  readonly entries: PooledUnit[] = [];

  constructor(size: number) {
    for (let i = 0; i < size; i++)
      this.add(i < base.length ? (base[i] as UnitAssessment) : variant(pick(base)));
  }

  private add(unit: UnitAssessment): void {
    const { unit: _name, ...pooled } = prepareUnit(unit);
    this.entries.push(pooled);
  }

  /** New unit versions a day's deploys bring. */
  grow(count: number): void {
    for (let i = 0; i < count; i++) this.add(variant(pick(base)));
  }

  /** An entry, recent versions more likely (deploys ship what is new). */
  draw(): number {
    const n = this.entries.length;
    return random() < 0.5 ? n - 1 - Math.floor(random() * Math.min(n, 200)) : Math.floor(random() * n);
  }
}

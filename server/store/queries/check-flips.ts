import type { Check } from '../../analyze/model.js';
import type { Db } from '../db.js';
import { decodeChecks } from '../scans.js';

/** A check whose state differs between two assessments of a unit (null: does not apply, or absent). */
export interface CheckFlip {
  check: string;
  name: string;
  from: boolean | null;
  to: boolean | null;
}

/** Checks whose ✓/✗ changed from `before` to `after`, in `after`'s order, then the ones that left. */
export function checkFlips(before: Check[], after: Check[]): CheckFlip[] {
  const old = new Map(before.map((c) => [c.id, c]));
  const flips: CheckFlip[] = [];
  for (const c of after) {
    const was = old.get(c.id);
    old.delete(c.id);
    if ((was?.set ?? null) !== c.set)
      flips.push({ check: c.id, name: c.name, from: was?.set ?? null, to: c.set });
  }
  for (const c of old.values())
    if (c.set !== null) flips.push({ check: c.id, name: c.name, from: c.set, to: null });
  return flips;
}

const CACHE_LIMIT = 2_000;

/** Decoded check lists by assessment id; assessments never change, so they can be kept. */
export class AssessmentChecks {
  private readonly select;
  private readonly cache = new Map<number, Check[]>();

  constructor(db: Db) {
    this.select = db.prepare('SELECT checks FROM assessments WHERE id = ?').pluck();
  }

  get(id: number): Check[] {
    let checks = this.cache.get(id);
    if (!checks) {
      checks = decodeChecks(this.select.get(id) as string);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(id, checks);
    }
    return checks;
  }

  flips(before: number, after: number): CheckFlip[] {
    return before === after ? [] : checkFlips(this.get(before), this.get(after));
  }
}

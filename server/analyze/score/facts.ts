// What the model knows about one setting of a unit, read back from the checks a host printed.
// Most settings are known exactly from their own row. Some are hidden (a row that does not apply,
// a setting masked by an implication) or only partly shown (a row that merges several settings):
// then the fact carries every value that fits the checks, and a prediction that depends on which
// one it is cannot be exact.

export interface Fact<T> {
  /** The value, or the most likely one when alts is set. */
  readonly value: T;
  /** Every value that fits the checks (value included); absent when the value is known. */
  readonly alts?: readonly T[];
  /** Why the value is not known (shown as the reason of an inexact prediction). */
  readonly why?: string;
  /**
   * The value is hidden, but taken as the default because, in the configuration the checks show,
   * the setting has no effect and units practically never set it. Kept exact; listed as an assumption.
   */
  readonly assumed?: string;
}

export const known = <T>(value: T): Fact<T> => ({ value });

export function unknown<T>(value: T, alts: readonly T[], why: string): Fact<T> {
  const all = alts.includes(value) ? alts : [value, ...alts];
  return all.length > 1 ? { value, alts: all, why } : { value };
}

export const assumed = <T>(value: T, note: string): Fact<T> => ({ value, assumed: note });

/** The outcome of one row: its badness (null = not applicable) and how sure it is. */
export interface Outcome {
  badness: number | null;
  /** Every badness the row can have given what is not known ('any': too many to list); absent when certain. */
  possible?: (number | null)[] | 'any';
  why: readonly string[];
  assumed: readonly string[];
  /** The facts and models the row was computed from: identical inputs mean an unchanged row. */
  deps: readonly object[];
}

const NONE: readonly string[] = Object.freeze([]);

export const certain = (badness: number | null, deps: readonly object[] = []): Outcome => ({
  badness,
  why: NONE,
  assumed: NONE,
  deps,
});

const MAX_COMBINATIONS = 4096;

export type Values<F extends readonly Fact<unknown>[]> = {
  [K in keyof F]: F[K] extends Fact<infer T> ? T : never;
};

/**
 * Computes a row from facts: with the most likely values, and again for every combination of the
 * values the unknown facts may have. The row is certain when every combination agrees.
 */
export function decide<const F extends readonly Fact<unknown>[]>(
  facts: F,
  fn: (...values: Values<F>) => number | null,
): Outcome {
  const values = facts.map((f) => f.value) as unknown as Values<F>;
  const badness = fn(...values);
  let plain = true;
  for (const f of facts) if (f.alts !== undefined || f.assumed !== undefined) plain = false;
  // The common case, every input known: no bookkeeping.
  if (plain) return { badness, why: NONE, assumed: NONE, deps: facts };
  const assumedNotes: string[] = [];
  for (const f of facts) if (f.assumed) assumedNotes.push(f.assumed);
  const open = facts.map((f, i) => [f, i] as const).filter(([f]) => f.alts !== undefined);
  if (open.length === 0) return { badness, why: NONE, assumed: assumedNotes, deps: facts };
  let combos = 1;
  for (const [f] of open) combos *= (f.alts as readonly unknown[]).length;
  if (combos > MAX_COMBINATIONS) {
    const why = open.map(([f]) => f.why ?? '').filter((w) => w !== '');
    return { badness, possible: 'any', why, assumed: assumedNotes, deps: facts };
  }
  const possible = new Set<number | null>([badness]);
  const mattering = new Set<number>();
  const current = [...(values as unknown as unknown[])];
  // Odometer over the alternatives of the open facts.
  const idx = new Array<number>(open.length).fill(0);
  const sizes = open.map(([f]) => (f.alts as readonly unknown[]).length);
  for (let n = 0; n < combos; n++) {
    open.forEach(([f, i], k) => {
      current[i] = (f.alts as readonly unknown[])[idx[k] as number];
    });
    const b = fn(...(current as unknown as Values<F>));
    if (b !== badness) {
      possible.add(b);
      // Which unknown facts differ from their most likely value in this combination.
      open.forEach(([f, i]) => {
        if (current[i] !== f.value) mattering.add(i);
      });
    }
    for (let k = 0; k < idx.length; k++) {
      idx[k] = ((idx[k] as number) + 1) % (sizes[k] as number);
      if (idx[k] !== 0) break;
    }
  }
  if (possible.size === 1) return { badness, why: NONE, assumed: assumedNotes, deps: facts };
  const why = [...mattering].map((i) => facts[i]?.why ?? '').filter((w) => w !== '');
  return { badness, possible: [...possible], why, assumed: assumedNotes, deps: facts };
}

/** The fact after a change that depends on its old value (alternatives mapped one by one). */
export function mapFact<T, U>(f: Fact<T>, fn: (v: T) => U): Fact<U> {
  const value = fn(f.value);
  const base = f.assumed ? { assumed: f.assumed } : {};
  if (!f.alts) return { value, ...base };
  const alts = [...new Set(f.alts.map(fn))];
  return alts.length > 1 ? { value, alts, why: f.why ?? '', ...base } : { value, ...base };
}

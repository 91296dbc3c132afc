// Point 2 of the score model: what a drop-in would do to a unit's checks and score, predicted from
// the assessment a host printed and, when the host reported them, the unit's own files (which show
// what the checks hide; configured-unit.ts). A prediction is exact when every row it changes is
// determined by what is known; otherwise it is the most likely outcome, with `exact: false` and
// the reason.

import type { Predicate, UnitAssessment } from '../model.js';
import { predicateFor } from '../numbers.js';
import { ceilDiv, exposureOf } from './badness.js';
import { configurationMismatch, modelFromConfiguration } from './configured-unit.js';
import { type DropIn, type DropInParseOptions, parseDropIn, parseUnitConfiguration } from './dropin.js';
import type { Outcome } from './facts.js';
import { recompute } from './recompute.js';
import { syscallTablesFor } from './syscall-filter.js';
import {
  applyDropIn,
  type Mode,
  type ModelContext,
  type ObservedRow,
  ROWS,
  readUnit,
  ScoreModelError,
  type UnitModel,
} from './unit-model.js';

export interface WhatIfOptions {
  /**
   * How the host made the assessment: over D-Bus ('online', what collect.sh does) or from unit
   * files ('offline'). They differ (PrivateMounts inference, IPAddressAllow localhost). Default online.
   */
  mode?: Mode;
  /** The host's systemd version (report meta). System-call groups are only known for 252. */
  systemdVersion?: number | null;
  /** The host's architecture when known (default: x86-64 for version 252). */
  arch?: string | null;
  /**
   * The unit's own files as `systemctl cat` prints them (reports carry them, scored keys only).
   * When every row they give equals the host's, they are the basis of the prediction.
   */
  configuration?: string | null;
}

/** What the unit's settings were read from. */
export type Basis = 'configuration' | 'checks';

/** One row the drop-in changes. Badness on the row's own range: 0 = good … range = worst; null = N/A. */
export interface WhatIfChange {
  id: string;
  name: string;
  from: number | null;
  to: number | null;
  range: number;
  /** The new value is determined by the checks. */
  exact: boolean;
}

export interface WhatIfResult {
  unit: string;
  /** The overall exposure the host printed (9.6), or the recomputed one when it printed none. */
  before: number;
  after: number;
  predicateBefore: Predicate;
  predicateAfter: Predicate;
  exact: boolean;
  /** Why the prediction may be off (null when exact). */
  reason: string | null;
  changes: WhatIfChange[];
  /** Read from the unit's files (every row they give matched the host's) or back from the checks. */
  basis: Basis;
  /** Why the files the host reported were not used (null when used or when there were none). */
  basisNote: string | null;
  /** Hidden settings taken as their defaults to make the prediction (listed even when exact). */
  assumptions: string[];
  /** Drop-in lines that do not change the score, e.g. "ExecStart= (line 3)". */
  ignored: string[];
}

/** The prediction with the unrounded exposure (0 … 100, before systemd rounds it up to tenths). */
export interface RawPrediction extends WhatIfResult {
  raw: number;
}

/** A unit read once, to predict many drop-ins (the suggestion tries dozens). */
export interface PreparedUnit {
  assessment: UnitAssessment;
  ctx: ModelContext;
  model: UnitModel;
  rows: Map<string, ObservedRow>;
  /** In tenths: the host's number, or the recomputed one. */
  beforeTenths: number;
  /** Set when the host's own number cannot be recomputed (a policy, an unknown version). */
  baseProblem: string | null;
  basis: Basis;
  basisNote: string | null;
}

/** Every row computed back from the settings read from the checks (equal to the checks when consistent). */
export function readBackRows(unit: PreparedUnit): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const [id, r] of unit.rows) {
    const def = ROWS.get(id);
    if (def && !r.excluded) out.set(id, def.compute(unit.model, unit.ctx));
  }
  return out;
}

/** System-call names are checked against the host's tables where they are known. */
const parseOptions = (ctx: ModelContext): DropInParseOptions =>
  ctx.tables.exact ? { syscallNames: ctx.tables.isKnown } : {};

export function prepareUnit(a: UnitAssessment, options: WhatIfOptions = {}): PreparedUnit {
  const version = options.systemdVersion ?? null;
  const ctx: ModelContext = {
    unit: a.unit,
    mode: options.mode ?? 'online',
    tables: syscallTablesFor(version, options.arch ?? null),
  };
  const read = readUnit(a, ctx);
  const { rows } = read;
  let model = read.model;
  let basis: Basis = 'checks';
  let basisNote: string | null = null;
  if (options.configuration) {
    const config = parseUnitConfiguration(options.configuration, parseOptions(ctx));
    const configured = modelFromConfiguration(config, ctx);
    const mismatch = configurationMismatch(configured, rows, ctx);
    if (mismatch === null) {
      model = configured;
      basis = 'configuration';
    } else
      basisNote = `the unit's files do not explain its checks (${mismatch}), so the checks are the basis`;
  }
  const recomputed = recompute(a, { systemdVersion: version });
  let baseProblem: string | null = null;
  if (recomputed.exposureTenths === null) baseProblem = recomputed.reason ?? 'the score cannot be recomputed';
  else if (a.exposure !== null && !recomputed.matchesHost)
    baseProblem = `${recomputed.reason}, so the prediction may be off by as much`;
  const beforeTenths = a.exposure ?? recomputed.exposureTenths ?? 0;
  return { assessment: a, ctx, model, rows, beforeTenths, baseProblem, basis, basisNote };
}

export function whatIf(
  a: UnitAssessment,
  dropIn: string | DropIn,
  options: WhatIfOptions = {},
): WhatIfResult {
  const unit = prepareUnit(a, options);
  const parsed = typeof dropIn === 'string' ? parseDropIn(dropIn, parseOptions(unit.ctx)) : dropIn;
  return predict(unit, parsed);
}

const MAX_COMBINATIONS = 4096;

export function predict(unit: PreparedUnit, dropIn: DropIn): WhatIfResult {
  const { raw: _raw, ...result } = predictRaw(unit, dropIn);
  return result;
}

export function predictRaw(unit: PreparedUnit, dropIn: DropIn): RawPrediction {
  const { assessment: a, ctx, model, rows } = unit;
  const after = applyDropIn(model, dropIn, ctx);
  const ignoredKeys = new Set(dropIn.ignored.map((i) => i.key));
  const changes: WhatIfChange[] = [];
  const predicted: { weight: number; range: number; badness: number | null; possible?: (number | null)[] }[] =
    [];
  const whys = new Map<number, readonly string[]>();
  const assumptions = new Set<string>();
  let unmodelled: string | null = null;

  for (const r of rows.values()) {
    const c = r.check;
    const def = ROWS.get(c.id);
    let badness = r.badness;
    let possible: (number | null)[] | 'any' | undefined;
    let why: readonly string[] = [];
    if (!r.excluded && def) {
      // A row whose inputs the drop-in left alone keeps what the host printed.
      const was = def.inputs(model, ctx);
      const inputs = def.inputs(after, ctx);
      const same = was.length === inputs.length && was.every((d, i) => d === inputs[i]);
      if (!same) {
        const now = def.compute(after, ctx);
        badness = now.badness;
        possible = now.possible;
        why = now.why;
        for (const n of now.assumed) assumptions.add(n);
      }
    } else if (!r.excluded && ignoredKeys.has(c.name.replace(/=.*$/, ''))) {
      unmodelled = `${c.name} is not modelled (a newer systemd's assessor), and the drop-in sets it`;
    }
    const exact = possible === undefined;
    if (badness !== r.badness || !exact)
      changes.push({ id: c.id, name: c.name, from: r.badness, to: badness, range: r.range, exact });
    const entry: (typeof predicted)[number] = { weight: r.weight, range: r.range, badness };
    if (possible === 'any') entry.possible = [null, ...Array.from({ length: r.range + 1 }, (_, i) => i)];
    else if (possible) entry.possible = possible;
    if (!exact) whys.set(predicted.length, why.length > 0 ? why : [`${c.name} cannot be predicted exactly`]);
    if (r.excluded) entry.badness = null;
    predicted.push(entry);
  }

  const afterTenths = exposureOf(predicted);
  if (afterTenths === null)
    throw new ScoreModelError('unscorable', 'no check applies after the drop-in (systemd would abort)');
  let badSum = 0;
  let weightSum = 0;
  for (const r of predicted) {
    if (r.badness === null || r.weight === 0) continue;
    badSum += (r.badness * r.weight) / r.range;
    weightSum += r.weight;
  }
  const reasons: string[] = [];
  const spread = exposureSpread(predicted);
  if (spread === 'unbounded' || spread.min !== spread.max) {
    for (const w of whys.values()) for (const x of w) if (!reasons.includes(x)) reasons.push(x);
  }
  if (unit.baseProblem) reasons.push(unit.baseProblem);
  if (unmodelled) reasons.push(unmodelled);
  const range =
    spread !== 'unbounded' && spread.min !== spread.max
      ? ` (between ${fmt(spread.min)} and ${fmt(spread.max)})`
      : '';
  return {
    unit: a.unit,
    before: unit.beforeTenths / 10,
    after: afterTenths / 10,
    predicateBefore: predicateFor(unit.beforeTenths),
    predicateAfter: predicateFor(afterTenths),
    exact: reasons.length === 0,
    reason: reasons.length === 0 ? null : `${reasons.join('; ')}${range}`,
    changes,
    basis: unit.basis,
    basisNote: unit.basisNote,
    assumptions: [...assumptions],
    ignored: dropIn.ignored.map((i) => `${i.key}= (line ${i.line})`),
    raw: (100 * badSum) / weightSum,
  };
}

/** The lowest and highest exposure the unknown rows allow, or 'unbounded' when too many to try. */
function exposureSpread(
  rows: readonly { weight: number; range: number; badness: number | null; possible?: (number | null)[] }[],
): { min: number; max: number } | 'unbounded' {
  const open = rows.map((r, i) => [r, i] as const).filter(([r]) => r.possible && r.possible.length > 1);
  if (open.length === 0) {
    const e = exposureOf(rows) ?? 0;
    return { min: e, max: e };
  }
  let combos = 1;
  for (const [r] of open) combos *= (r.possible as (number | null)[]).length;
  if (combos > MAX_COMBINATIONS) return 'unbounded';
  // Sums over the certain rows once, then each combination of the open ones.
  let fixedBad = 0;
  let fixedWeight = 0;
  const openIdx = new Set(open.map(([, i]) => i));
  rows.forEach((r, i) => {
    if (openIdx.has(i) || r.badness === null || r.weight === 0) return;
    fixedBad += ceilDiv(r.badness * r.weight, r.range);
    fixedWeight += r.weight;
  });
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const idx = new Array<number>(open.length).fill(0);
  const sizes = open.map(([r]) => (r.possible as (number | null)[]).length);
  for (let n = 0; n < combos; n++) {
    let bad = fixedBad;
    let weight = fixedWeight;
    open.forEach(([r], k) => {
      const b = (r.possible as (number | null)[])[idx[k] as number] as number | null;
      if (b === null || r.weight === 0) return;
      bad += ceilDiv(b * r.weight, r.range);
      weight += r.weight;
    });
    if (weight > 0) {
      const e = ceilDiv(100 * bad, weight);
      min = Math.min(min, e);
      max = Math.max(max, e);
    }
    for (let k = 0; k < idx.length; k++) {
      idx[k] = ((idx[k] as number) + 1) % (sizes[k] as number);
      if (idx[k] !== 0) break;
    }
  }
  return { min, max };
}

function fmt(tenths: number): string {
  return (tenths / 10).toFixed(1);
}

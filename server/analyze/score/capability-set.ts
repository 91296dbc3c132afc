// CapabilityBoundingSet=: the bounding set as systemd 252 builds it (config_parse_capability_set:
// an assignment replaces the set while it still is the initial "all capabilities" value or when
// the list is empty, and merges into it otherwise: `~` removes, a plain list adds), then unit
// loading drops the capabilities implied by PrivateDevices=, ProtectKernelModules=,
// ProtectKernelLogs= and ProtectClock= (systemd-analyze.md §2.3 b).
//
// The checks show the set after those drops, one row per group of capabilities. Where they cannot
// tell two configurations apart that a drop-in would treat differently, the set is kept as
// several hypotheses, most likely first; a row is exact only when all of them agree.

import { CAPABILITIES, CAPABILITY_ROWS, capabilityName } from './capabilities.js';

/** 0: not in the set, 1: in it, 2: not known. */
type Tri = 0 | 1 | 2;

interface Hypothesis {
  caps: Tri[];
  /** The bits above the named capabilities (set by `~` lists, the initial value). */
  high: Tri;
  /** The set still is the initial all-bits value, which the next assignment replaces. */
  initial: Tri;
  /** Rows with at least one capability in the set, not known which. */
  some: Set<string>;
  /** For capabilities not known: whether the set most likely holds them. */
  guess: boolean[];
  /** Why this hypothesis lost track of the set. */
  lost?: string;
}

export interface BoundingSet {
  hyps: Hypothesis[];
  /** What tells the hypotheses apart. */
  why?: string;
  /** Assumption made when only one hypothesis is kept although another is conceivable. */
  assumed?: string;
  changed: boolean;
}

const N = CAPABILITIES.length;

/**
 * Explicit bounding sets list what a daemon needs. Of the capabilities that share a row, these are
 * the ones such lists usually hold (dropping privileges, binding low ports, reading files).
 */
const USUALLY_LISTED = new Set(
  [
    'SETUID',
    'SETGID',
    'CHOWN',
    'FSETID',
    'DAC_OVERRIDE',
    'DAC_READ_SEARCH',
    'FOWNER',
    'NET_BIND_SERVICE',
    'NET_RAW',
    'AUDIT_WRITE',
    'AUDIT_CONTROL',
    'SYS_NICE',
    'SYS_RESOURCE',
    'MAC_ADMIN',
  ].map((c) => CAPABILITIES.indexOf(c)),
);

/**
 * The set as far as the rows show it. `observed`: row id → badness (1 bad, 0 good) for the rows
 * the host printed; `dropped`: the capabilities unit loading removed (from the implying settings).
 */
export function readBoundingSet(
  observed: ReadonlyMap<string, number>,
  dropped: ReadonlySet<number>,
): BoundingSet {
  let allLooksInitial = true;
  let explainedGood = false;
  for (const [id, mask] of CAPABILITY_ROWS) {
    const b = observed.get(id);
    if (b === undefined) continue;
    const outside = mask.filter((c) => !dropped.has(c));
    if (b === 0 && outside.length > 0) allLooksInitial = false;
    if (b === 0 && outside.length === 0) explainedGood = true;
  }
  if (allLooksInitial) {
    const initial: Hypothesis = {
      caps: new Array<Tri>(N).fill(1),
      high: 1,
      initial: 1,
      some: new Set(),
      guess: new Array<boolean>(N).fill(true),
    };
    if (!explainedGood) {
      return {
        hyps: [initial],
        assumed:
          'CapabilityBoundingSet= is taken as unset: every capability row is bad, and a list that keeps ' +
          'at least one capability of every row would look the same',
        changed: false,
      };
    }
    // The capabilities that are missing are all explained by PrivateDevices=/ProtectKernel*=/
    // ProtectClock=, but an explicit `~` list of the same ones looks the same.
    const restricted: Hypothesis = {
      caps: Array.from({ length: N }, (_, c) => (dropped.has(c) ? 2 : 1)),
      high: 1,
      initial: 0,
      some: new Set(),
      guess: new Array<boolean>(N).fill(false),
    };
    return {
      hyps: [initial, restricted],
      why:
        `the capabilities missing from the bounding set (${[...dropped].map(capabilityName).join(', ')}) are ` +
        'explained by PrivateDevices=/ProtectKernelModules=/ProtectKernelLogs=/ProtectClock=, but an explicit ' +
        'CapabilityBoundingSet= dropping them would look the same and change how the drop-in merges',
      changed: false,
    };
  }
  const caps = new Array<Tri>(N).fill(2);
  const some = new Set<string>();
  // Capabilities the implying settings drop are most likely missing from an explicit list too.
  const guess = Array.from({ length: N }, (_, c) => !dropped.has(c) && USUALLY_LISTED.has(c));
  for (const [id, mask] of CAPABILITY_ROWS) {
    const b = observed.get(id);
    if (b === undefined) continue;
    const outside = mask.filter((c) => !dropped.has(c));
    if (b === 0) {
      for (const c of outside) caps[c] = 0;
    } else if (outside.length === 1) {
      caps[outside[0] as number] = 1;
    } else {
      some.add(id);
    }
  }
  return {
    hyps: [{ caps, high: 2, initial: 0, some, guess }],
    changed: false,
  };
}

/** The set of a unit that never assigns CapabilityBoundingSet= (every capability, still replaceable). */
export function initialBoundingSet(): BoundingSet {
  return {
    hyps: [
      {
        caps: new Array<Tri>(N).fill(1),
        high: 1,
        initial: 1,
        some: new Set(),
        guess: new Array<boolean>(N).fill(true),
      },
    ],
    changed: false,
  };
}

/** One CapabilityBoundingSet= assignment. */
export function applyBoundingSet(
  set: BoundingSet,
  op: { invert: boolean; caps: readonly number[] },
): BoundingSet {
  return { ...set, hyps: set.hyps.map((h) => applyTo(h, op)), changed: true };
}

function applyTo(h: Hypothesis, op: { invert: boolean; caps: readonly number[] }): Hypothesis {
  const sum = new Set(op.caps);
  if (sum.size === 0 || h.initial === 1) {
    const caps = Array.from(
      { length: N },
      (_, c): Tri => ((sum.has(c) ? 1 : 0) ^ (op.invert ? 1 : 0)) as Tri,
    );
    return {
      caps,
      high: op.invert ? 1 : 0,
      initial: op.invert && sum.size === 0 ? 1 : 0,
      some: new Set(),
      guess: h.guess,
    };
  }
  if (h.initial === 2)
    return { ...h, lost: 'whether the existing bounding set is still the initial value is not known' };
  const caps = [...h.caps];
  const some = new Set(h.some);
  for (const c of sum) caps[c] = op.invert ? 0 : 1;
  if (op.invert) {
    for (const id of some) if (CAPABILITY_ROWS.get(id)?.some((c) => sum.has(c))) some.delete(id);
  }
  const initial: Tri =
    h.high === 1 && caps.every((c) => c === 1) ? 1 : h.high === 0 ? 0 : caps.includes(0) ? 0 : 2;
  return { caps, high: h.high, initial, some, guess: h.guess, ...(h.lost ? { lost: h.lost } : {}) };
}

export interface CapRow {
  badness: number;
  possible?: number[];
  why?: string;
}

/** A capability row after the implied drops (`dropped`). */
export function capabilityRow(set: BoundingSet, id: string, dropped: ReadonlySet<number>): CapRow {
  const mask = CAPABILITY_ROWS.get(id) ?? [];
  const results = set.hyps.map((h) => rowIn(h, id, mask, dropped));
  const first = results[0] as { value: number; why?: string };
  const values = new Set(results.map((r) => r.value));
  const unsure = results.find((r) => r.why !== undefined);
  if (values.size === 1 && !unsure) return { badness: first.value };
  const why = values.size > 1 ? (set.why ?? '') : (unsure?.why ?? '');
  return { badness: first.value, possible: [0, 1], why };
}

function rowIn(
  h: Hypothesis,
  id: string,
  mask: readonly number[],
  dropped: ReadonlySet<number>,
): { value: number; why?: string } {
  if (h.lost) return { value: 1, why: h.lost };
  const state = (c: number): Tri => (dropped.has(c) ? 0 : (h.caps[c] as Tri));
  if (mask.some((c) => state(c) === 1)) return { value: 1 };
  if (h.some.has(id) && !mask.some((c) => dropped.has(c))) return { value: 1 };
  if (mask.every((c) => state(c) === 0)) return { value: 0 };
  const open = mask.filter((c) => state(c) === 2);
  return {
    value: open.some((c) => h.guess[c]) ? 1 : 0,
    why: `whether the bounding set still holds ${open.map(capabilityName).join(' or ')} is not shown by the checks`,
  };
}

// RestrictAddressFamilies=: the set and its mode as systemd 252 builds them
// (config_parse_address_families: the first list picks allow or deny mode, later lists add to or
// remove from the set, `none` empties an allow list, an empty assignment resets), and the five
// rows read from them (systemd-analyze.md §2.2): INET (AF_INET or AF_INET6), UNIX, NETLINK,
// PACKET and OTHER (every other family).
//
// The rows do not show the mode: a good PACKET row may be an allow list without AF_PACKET or a
// deny list with it. Both readings are kept, most likely first, and a row is exact only when they
// agree after the drop-in.

export const CATEGORIES = ['INET', 'UNIX', 'NETLINK', 'PACKET', 'OTHER'] as const;
export type Category = (typeof CATEGORIES)[number];

export const FAMILY_ROWS: ReadonlyMap<string, Category> = new Map([
  ['RestrictAddressFamilies_AF_INET_INET6', 'INET'],
  ['RestrictAddressFamilies_AF_UNIX', 'UNIX'],
  ['RestrictAddressFamilies_AF_NETLINK', 'NETLINK'],
  ['RestrictAddressFamilies_AF_PACKET', 'PACKET'],
  ['RestrictAddressFamilies_OTHER', 'OTHER'],
]);

const NAMED: Readonly<Record<Exclude<Category, 'OTHER'>, readonly string[]>> = {
  INET: ['AF_INET', 'AF_INET6'],
  UNIX: ['AF_UNIX'],
  NETLINK: ['AF_NETLINK'],
  PACKET: ['AF_PACKET'],
};

export function categoryOf(family: string): Category {
  for (const [cat, fams] of Object.entries(NAMED)) if (fams.includes(family)) return cat as Category;
  return 'OTHER';
}

/** 0: not in the set, 1: in it, 2: not known. */
type Tri = 0 | 1 | 2;

interface Reading {
  /** 'unset': no list (NULL set): nothing is restricted. */
  mode: 'unset' | 'allow' | 'deny';
  /** No set exists (unset, or emptied by `none`): the next list creates one and picks its mode. */
  isNull: boolean;
  families: Map<string, Tri>;
  /** Families of the OTHER category not in `families`. */
  otherDefault: Tri;
  /** Categories with at least one family in the set, not known which. */
  some: Set<Category>;
  /** Categories whose unknown families most likely are in the set. */
  likely: Set<Category>;
}

export interface AddressFamilies {
  readings: Reading[];
  why?: string;
  assumed?: string;
  changed: boolean;
}

/** The set as far as the rows show it (`bad`: category → row is bad). */
export function readAddressFamilies(bad: ReadonlyMap<Category, boolean>): AddressFamilies {
  const anyGood = CATEGORIES.some((c) => bad.get(c) === false);
  if (!anyGood) {
    return {
      readings: [unset()],
      assumed:
        'RestrictAddressFamilies= is taken as unset: every family row is bad, and an allow list naming a ' +
        'family of every row would look the same',
      changed: false,
    };
  }
  const allow = reading('allow', bad);
  const deny = reading('deny', bad);
  // Allow lists almost always keep AF_UNIX and drop the exotic families; a deny list that leaves
  // the exotic families allowed is the usual "~AF_PACKET" kind.
  const denyFirst = bad.get('OTHER') === true && (bad.get('UNIX') === false || countGood(bad) <= 2);
  return {
    readings: denyFirst ? [deny, allow] : [allow, deny],
    why: 'the checks do not show whether RestrictAddressFamilies= is an allow list or a deny list',
    changed: false,
  };
}

function countGood(bad: ReadonlyMap<Category, boolean>): number {
  return CATEGORIES.filter((c) => bad.get(c) === false).length;
}

function unset(): Reading {
  return {
    mode: 'unset',
    isNull: true,
    families: new Map(),
    otherDefault: 0,
    some: new Set(),
    likely: new Set(),
  };
}

function reading(mode: 'allow' | 'deny', bad: ReadonlyMap<Category, boolean>): Reading {
  const r: Reading = {
    mode,
    isNull: false,
    families: new Map(),
    otherDefault: 2,
    some: new Set(),
    likely: new Set(),
  };
  for (const cat of CATEGORIES) {
    const isBad = bad.get(cat);
    // In an allow list a bad row has a family in the set; in a deny list a good row has.
    const inSet = isBad === undefined ? undefined : mode === 'allow' ? isBad : !isBad;
    const fams = cat === 'OTHER' ? [] : NAMED[cat];
    if (inSet === undefined) {
      for (const f of fams) r.families.set(f, 2);
      continue;
    }
    if (!inSet) {
      for (const f of fams) r.families.set(f, 0);
      if (cat === 'OTHER') r.otherDefault = 0;
      continue;
    }
    if (fams.length === 1) {
      r.families.set(fams[0] as string, 1);
      continue;
    }
    for (const f of fams) r.families.set(f, 2);
    r.some.add(cat);
    r.likely.add(cat);
  }
  return r;
}

/** The set of a unit that never assigns RestrictAddressFamilies=. */
export function unrestrictedFamilies(): AddressFamilies {
  return { readings: [unset()], changed: false };
}

export type FamilyOp = 'reset' | 'none' | { invert: boolean; families: readonly string[] };

export function applyAddressFamilies(set: AddressFamilies, op: FamilyOp): AddressFamilies {
  return { ...set, readings: set.readings.map((r) => applyTo(r, op)), changed: true };
}

function applyTo(prev: Reading, op: FamilyOp): Reading {
  if (op === 'reset') return unset();
  // `none` frees the set and switches to allow mode: everything is restricted.
  if (op === 'none')
    return {
      mode: 'allow',
      isNull: true,
      families: new Map(),
      otherDefault: 0,
      some: new Set(),
      likely: new Set(),
    };
  let r: Reading = {
    mode: prev.mode,
    isNull: prev.isNull,
    families: new Map(prev.families),
    otherDefault: prev.otherDefault,
    some: new Set(prev.some),
    likely: new Set(prev.likely),
  };
  // A NULL set (unset, or after `none`) is created anew, its mode from this list.
  if (r.isNull) {
    const mode = op.invert ? 'deny' : 'allow';
    r = { mode, isNull: false, families: new Map(), otherDefault: 0, some: new Set(), likely: new Set() };
  }
  const put = !op.invert === (r.mode === 'allow');
  for (const f of op.families) {
    r.families.set(f, put ? 1 : 0);
    if (!put) r.some.delete(categoryOf(f));
  }
  return r;
}

export interface FamilyRow {
  badness: number;
  possible?: number[];
  why?: string;
}

/** The row of one category: bad (1) unless the category is restricted. */
export function familyRow(set: AddressFamilies, cat: Category): FamilyRow {
  const results = set.readings.map((r) => rowIn(r, cat));
  const first = results[0] as { value: number; why?: string };
  const values = new Set(results.map((r) => r.value));
  const unsure = results.find((r) => r.why !== undefined);
  if (values.size === 1 && !unsure) return { badness: first.value };
  return { badness: first.value, possible: [0, 1], why: values.size > 1 ? (set.why ?? '') : unsure?.why };
}

function rowIn(r: Reading, cat: Category): { value: number; why?: string } {
  if (r.mode === 'unset') return { value: 1 };
  const fams =
    cat === 'OTHER' ? [...r.families].filter(([f]) => categoryOf(f) === 'OTHER').map(([f]) => f) : NAMED[cat];
  // Named families are always listed for a set read from the checks; a set built here starts empty.
  const states = fams.map((f) => r.families.get(f) ?? (cat === 'OTHER' ? r.otherDefault : 0));
  if (cat === 'OTHER') states.push(r.otherDefault);
  let anyIn: boolean | undefined;
  if (r.some.has(cat) || states.includes(1)) anyIn = true;
  else if (states.every((s) => s === 0)) anyIn = false;
  // Allow list: restricted when no family of the category is allowed; deny list: when any is denied.
  const value = (anyIn: boolean) => ((r.mode === 'allow' ? !anyIn : anyIn) ? 0 : 1);
  if (anyIn !== undefined) return { value: value(anyIn) };
  return {
    value: value(r.likely.has(cat)),
    why: `which ${cat === 'OTHER' ? 'exotic' : cat} families the existing RestrictAddressFamilies= list names is not shown by the checks`,
  };
}

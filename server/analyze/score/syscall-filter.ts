// SystemCallFilter=: the filter map as systemd 252 builds it from unit files and drop-ins
// (config_parse_syscall_filter: the first assignment picks allow or deny mode, an allow list starts
// with @default, later entries add to or remove from the map, an empty assignment resets it), and
// the 11 `SystemCallFilter=~@group` rows read from it (systemd-analyze.md §2.2).
//
// From the checks alone the map is only partly known: a good row says how every member of its
// group stands, a bad row names one offending call ("e.g. chown is allowed") and clears the calls
// the analyzer walked before it. Everything else is unknown and makes a prediction inexact only
// when a row's result depends on it.

import { KNOWN_SYSCALLS_252, SYSCALL_GROUPS_252, X86_64_UNRESOLVED } from './syscalls-252.js';

export interface SyscallTables {
  /** e.g. "systemd 252 on x86-64". */
  label: string;
  /** The host's own group contents and resolvable names (else 252/x86-64's are used, approximately). */
  exact: boolean;
  /** A group's members in the analyzer's walk order, flattened, resolvable names only. */
  members(group: string): readonly string[];
  isGroup(name: string): boolean;
  /** A name systemd knows (a call or a @group): anything else it would ignore. */
  isKnown(name: string): boolean;
}

const FLAT = new Map<string, string[]>();
function flatten(group: string, seen: Set<string> = new Set()): string[] {
  const cached = FLAT.get(group);
  if (cached) return cached;
  const out: string[] = [];
  const add = (n: string) => {
    if (!out.includes(n)) out.push(n);
  };
  seen.add(group);
  for (const m of SYSCALL_GROUPS_252[group] ?? []) {
    if (m.startsWith('@')) {
      if (!seen.has(m)) for (const x of flatten(m, seen)) add(x);
    } else if (!X86_64_UNRESOLVED.has(m)) add(m);
  }
  FLAT.set(group, out);
  return out;
}

const TABLES_252: Omit<SyscallTables, 'exact' | 'label'> = {
  members: (g) => flatten(g),
  isGroup: (n) => n in SYSCALL_GROUPS_252,
  isKnown: (n) => (n.startsWith('@') ? n in SYSCALL_GROUPS_252 || n === '@known' : KNOWN_SYSCALLS_252.has(n)),
};

/** The tables for a host: exact for systemd 252 on x86-64, 252's as an approximation otherwise. */
export function syscallTablesFor(version: number | null, arch: string | null): SyscallTables {
  const exact = version === 252 && (arch === null || arch === 'x86-64' || arch === 'x86_64');
  const label = `systemd ${version ?? '(unknown version)'}${arch ? ` on ${arch}` : ''}`;
  // One object per host kind, so filters computed for one unit can be reused for the next.
  let tables = TABLES.get(label);
  if (!tables) {
    tables = { ...TABLES_252, exact, label };
    TABLES.set(label, tables);
  }
  return tables;
}
const TABLES = new Map<string, SyscallTables>();

/** Check id of each assessed group's row → the group. */
export const SYSCALL_ROWS: ReadonlyMap<string, string> = new Map(
  [
    'swap',
    'obsolete',
    'clock',
    'cpu-emulation',
    'debug',
    'mount',
    'module',
    'raw-io',
    'reboot',
    'privileged',
    'resources',
  ].map((g) => [`SystemCallFilter_${g.replace('-', '_')}`, `@${g}`]),
);

export interface SyscallFilter {
  mode: 'none' | 'allow' | 'deny' | 'unknown';
  /** Known membership of resolvable names in the map. */
  members: Map<string, boolean>;
  /** Names missing from `members` are known not to be in the map (the map was built here). */
  closed: boolean;
  /** Groups known to have a member in the allow list, or one missing from the deny list. */
  some: Set<string>;
  /** Groups the existing allow list most likely includes whole (bad when read from the checks). */
  likely: Set<string>;
  /** Groups whose row the drop-in decided by naming the group itself (exact with any tables). */
  direct: Map<string, boolean>;
  /** Changed by a drop-in. */
  changed: boolean;
  /** Calls the drop-in added or removed (by 252's tables), and whether it started an allow list. */
  touched: Set<string>;
  freshAllow: boolean;
  /** The drop-in added to an allow list or removed from a deny list (can make a good row bad). */
  worsened: boolean;
  /** The drop-in started a new filter (from none, or after an empty assignment). */
  started: boolean;
}

interface Row {
  badness: number | null;
  description: string | null;
}

/** No filter: shared by every unit without one (filters are never modified, only replaced). */
export const UNFILTERED: SyscallFilter = {
  mode: 'none',
  members: new Map(),
  closed: true,
  some: new Set(),
  likely: new Set(),
  direct: new Map(),
  changed: false,
  touched: new Set(),
  freshAllow: false,
  worsened: false,
  started: false,
};

/** The filter map as far as the 11 rows show it. */
export function readSyscallFilter(rows: ReadonlyMap<string, Row>, tables: SyscallTables): SyscallFilter {
  const f: SyscallFilter = {
    mode: 'unknown',
    members: new Map(),
    closed: false,
    some: new Set(),
    likely: new Set(),
    direct: new Map(),
    changed: false,
    touched: new Set(),
    freshAllow: false,
    worsened: false,
    started: false,
  };
  const present = [...SYSCALL_ROWS].filter(([id]) => rows.has(id));
  const texts = present.map(([id]) => rows.get(id)?.description ?? '').join('\n');
  if (/allow list|whitelist/.test(texts)) f.mode = 'allow';
  else if (/deny list|blacklist/.test(texts)) f.mode = 'deny';
  else if (/does not filter/.test(texts)) f.mode = 'none';
  else if (present.some(([id]) => rows.get(id)?.badness === 9)) f.mode = 'allow';
  if (f.mode === 'none') return UNFILTERED;
  if (f.mode !== 'allow' && f.mode !== 'deny') return f;
  const allow = f.mode === 'allow';
  for (const [id, group] of present) {
    const row = rows.get(id) as Row;
    const members = tables.members(group);
    const fine = row.badness === 0 || (!allow && row.badness === 5);
    if (fine) {
      for (const m of members) f.members.set(m, !allow);
      continue;
    }
    const offender = /e\.g\. ([a-z0-9_]+) is allowed/.exec(row.description ?? '')?.[1];
    // A group allowed through @system-service (the usual allow list) holds what that set holds;
    // one allowed otherwise was most likely named whole (SystemCallFilter=@system-service @mount).
    if (allow && !(offender !== undefined && SYSTEM_SERVICE.has(offender))) f.likely.add(group);
    const at = offender === undefined ? -1 : members.indexOf(offender);
    if (at < 0) {
      f.some.add(group);
      continue;
    }
    // The analyzer stops at the first offending call: the ones before it were fine.
    for (const m of members.slice(0, at)) if (!f.members.has(m)) f.members.set(m, !allow);
    f.members.set(members[at] as string, allow);
  }
  return f;
}

const APPLIED = new WeakMap<SyscallFilter, Map<string, SyscallFilter>>();

/** Applies one SystemCallFilter= assignment (config_parse_syscall_filter of 252). */
export function applySyscallFilter(
  prev: SyscallFilter,
  op: { reset: boolean; invert: boolean; names: readonly string[] },
  tables: SyscallTables,
): SyscallFilter {
  // Fleets share filters (no filter at all, mostly) and drop-ins: the same step is worked out once.
  const key = `${tables.label}|${op.reset}|${op.invert}|${op.names.join(' ')}`;
  let cache = APPLIED.get(prev);
  const hit = cache?.get(key);
  if (hit) return hit;
  const next = applyUncached(prev, op, tables);
  if (!cache) {
    cache = new Map();
    APPLIED.set(prev, cache);
  }
  if (cache.size < 64) cache.set(key, next);
  return next;
}

function applyUncached(
  prev: SyscallFilter,
  op: { reset: boolean; invert: boolean; names: readonly string[] },
  tables: SyscallTables,
): SyscallFilter {
  const f: SyscallFilter = {
    mode: prev.mode,
    members: new Map(prev.members),
    closed: prev.closed,
    some: new Set(prev.some),
    likely: prev.likely,
    direct: new Map(prev.direct),
    changed: true,
    touched: new Set(prev.touched),
    freshAllow: prev.freshAllow,
    worsened: prev.worsened,
    started: prev.started,
  };
  if (op.reset) {
    return {
      mode: 'none',
      members: new Map(),
      closed: true,
      some: new Set(),
      likely: new Set(),
      direct: new Map(),
      changed: true,
      touched: new Set(),
      freshAllow: false,
      worsened: true,
      started: true,
    };
  }
  if (f.mode === 'unknown') return f;
  const start = f.mode === 'none';
  if (start) {
    f.mode = op.invert ? 'deny' : 'allow';
    f.members = new Map();
    f.closed = true;
    f.some.clear();
    f.likely = new Set();
    f.direct.clear();
    if (f.mode === 'allow') for (const m of tables.members('@default')) f.members.set(m, true);
    f.freshAllow = f.mode === 'allow';
    f.started = true;
  }
  const allow = f.mode === 'allow';
  const put = !op.invert === allow;
  if (put === allow && !start) f.worsened = true;
  // An entry of the other polarity may overlap a group decided earlier (with unknown tables).
  for (const [g, p] of f.direct) if (p !== put) f.direct.delete(g);
  for (const name of op.names) {
    const calls = tables.isGroup(name) ? tables.members(name) : [name];
    for (const m of calls) {
      f.members.set(m, put);
      f.touched.add(m);
      // A removal from the allow list (or addition to the deny list) may take away the member
      // that made a group bad.
      if (put !== allow) for (const g of f.some) if (tables.members(g).includes(m)) f.some.delete(g);
    }
    if (tables.isGroup(name)) f.direct.set(name, put);
  }
  return f;
}

export interface SyscallRow {
  badness: number;
  /** Possible values when not certain. */
  possible?: number[];
  why?: string;
}

/** The row of one group, from the (possibly partly known) map. */
export function syscallRow(f: SyscallFilter, group: string, tables: SyscallTables): SyscallRow {
  if (f.mode === 'unknown') {
    return { badness: 10, possible: [0, 9, 10], why: 'the filter mode cannot be read from the checks' };
  }
  if (f.mode === 'none') return { badness: 10 };
  const allow = f.mode === 'allow';
  if (!allow && f.closed && ![...f.members.values()].some((v) => v)) return { badness: 10 }; // empty deny list
  const members = tables.members(group);
  // With another version's tables only what the drop-in decides by naming a group, or leaves
  // alone (as far as 252's tables tell), is exact.
  let approximate = false;
  if (!tables.exact && f.changed) {
    const d = f.direct.get(group);
    if (d !== undefined) return { badness: d ? (allow ? 9 : 0) : allow ? 0 : 10 };
    approximate = f.freshAllow || members.some((m) => f.touched.has(m));
  }
  const state = (m: string): boolean | undefined => f.members.get(m) ?? (f.closed ? false : undefined);
  let result: number | undefined;
  if (allow) {
    if (f.some.has(group) || members.some((m) => state(m) === true)) result = 9;
    else if (members.every((m) => state(m) === false)) result = 0;
  } else {
    if (f.some.has(group) || members.some((m) => state(m) === false)) result = 10;
    else if (members.every((m) => state(m) === true)) result = 0;
  }
  if (result !== undefined) {
    // A bad row that rests on a call the drop-in left alone stays bad whatever the group tables say.
    const untouchedWitness = members.some((m) => !f.touched.has(m) && state(m) === (result === 9));
    // Only removals from an allow list (additions to a deny list): a good row stays good.
    const stillGood = result === 0 && !f.worsened && !f.started;
    if (approximate && !(result !== 0 && untouchedWitness) && !stillGood)
      return {
        badness: result,
        possible: allow ? [0, 9] : [0, 10],
        why: `the system-call groups of ${tables.label} are not known here (those of systemd 252 on x86-64 were used)`,
      };
    return { badness: result };
  }
  // Unknown members decide. Allow lists name whole groups (@system-service, @mount…): a group that
  // was allowed most likely still is. Deny lists name few calls: the rest most likely stay allowed.
  const unknownIn = (m: string) => state(m) === undefined && (f.likely.has(group) || SYSTEM_SERVICE.has(m));
  const guess = allow ? (members.some(unknownIn) ? 9 : 0) : 10;
  return {
    badness: guess,
    possible: allow ? [0, 9] : [0, 10],
    why: `which calls of ${group} the existing ${allow ? 'allow' : 'deny'} list holds is not shown by the checks`,
  };
}

const SYSTEM_SERVICE = new Set(flatten('@system-service'));

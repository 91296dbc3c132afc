// A unit's settings as far as its checks show them (systemd-analyze.md §2.3), the effect of a
// drop-in on them (§2.3 b: implications are applied when the unit is loaded, after every file has
// been read), and each row of the table computed back from them (§2.2).
//
// Only what a host reports is known: the assessment, never the unit file. So every setting is a
// Fact (known, hidden-but-assumed, or one of several values), and every row says how sure it is.

import type { Check, UnitAssessment } from '../model.js';
import {
  type AddressFamilies,
  applyAddressFamilies,
  type Category,
  FAMILY_ROWS,
  familyRow,
  readAddressFamilies,
} from './address-families.js';
import { POLICY_EXCLUDED, rowNumbers } from './badness.js';
import { CAPABILITY_ROWS, IMPLIED_DROPS } from './capabilities.js';
import { applyBoundingSet, type BoundingSet, capabilityRow, readBoundingSet } from './capability-set.js';
import type { Directive, DropIn, IpPrefix, NamespaceKind } from './dropin.js';
import {
  assumed,
  certain,
  decide,
  type Fact,
  known,
  mapFact,
  type Outcome,
  unknown,
  type Values,
} from './facts.js';
import {
  applySyscallFilter,
  readSyscallFilter,
  SYSCALL_ROWS,
  type SyscallFilter,
  type SyscallTables,
  syscallRow,
} from './syscall-filter.js';

export type Mode = 'online' | 'offline';

export interface ModelContext {
  /** How the assessment was made: D-Bus (online) or unit files (--offline): they differ (§2.3 c). */
  mode: Mode;
  tables: SyscallTables;
  /** The unit's name as assessed (foo@bar.service), to resolve specifiers such as User=%i. */
  unit?: string;
}

export type ProtectSystem = 'no' | 'yes' | 'full' | 'strict';
export type ProtectHome = 'no' | 'yes' | 'read-only' | 'tmpfs';
type Root = 'none' | 'directory' | 'image' | 'both';
type Filters = 'none' | 'ingress' | 'egress' | 'both';
type Archs = 'empty' | 'native' | 'other';

/** A user name that is not root (the checks say so without naming it). */
export const SOME_USER = '(a non-root user)';

export const BOOLEAN_ROWS = {
  PrivateDevices: 'PrivateDevices',
  PrivateNetwork: 'PrivateNetwork',
  PrivateUsers: 'PrivateUsers',
  ProtectControlGroups: 'ProtectControlGroups',
  ProtectKernelModules: 'ProtectKernelModules',
  ProtectKernelTunables: 'ProtectKernelTunables',
  ProtectKernelLogs: 'ProtectKernelLogs',
  ProtectClock: 'ProtectClock',
  ProtectHostname: 'ProtectHostname',
  LockPersonality: 'LockPersonality',
  MemoryDenyWriteExecute: 'MemoryDenyWriteExecute',
  RestrictRealtime: 'RestrictRealtime',
} as const;
export type PlainBoolean = keyof typeof BOOLEAN_ROWS;

export interface UnitModel {
  user: Fact<string | null>;
  dynamicUser: Fact<boolean>;
  supplementaryGroups: Fact<boolean>;
  removeIPC: Fact<boolean>;
  defaultDependencies: Fact<boolean>;
  bool: Readonly<Record<PlainBoolean, Fact<boolean>>>;
  privateMounts: Fact<boolean>;
  privateTmp: Fact<boolean>;
  noNewPrivileges: Fact<boolean>;
  restrictSUIDSGID: Fact<boolean>;
  delegate: Fact<boolean>;
  protectSystem: Fact<ProtectSystem>;
  protectHome: Fact<ProtectHome>;
  root: Fact<Root>;
  mountImages: Fact<boolean>;
  umask: Fact<number>;
  keyringMode: Fact<string>;
  protectProc: Fact<string>;
  procSubset: Fact<string>;
  notifyAccess: Fact<string>;
  ambient: Fact<boolean>;
  /** The ambient set itself (64 bits) when the unit's files gave it; null when read from the checks. */
  ambientMask: bigint | null;
  boundingSet: BoundingSet;
  /** Allowed namespace kinds as bits (NS_BITS), or with INITIAL set: never assigned (all allowed). */
  namespaces: Fact<number>;
  addressFamilies: AddressFamilies;
  archs: Fact<Archs>;
  syscalls: SyscallFilter;
  ipFilters: Fact<Filters>;
  denyIPv4All: Fact<boolean>;
  denyIPv6All: Fact<boolean>;
  allowLocalhost: Fact<boolean>;
  allowOther: Fact<boolean>;
  devicePolicy: Fact<'auto' | 'closed' | 'strict'>;
  /** The unit's own DeviceAllow= list is non-empty. */
  deviceEntries: Fact<boolean>;
}

const NS_BITS: Readonly<Record<NamespaceKind, number>> = {
  user: 1,
  mnt: 2,
  ipc: 4,
  pid: 8,
  cgroup: 16,
  net: 32,
  uts: 64,
  time: 128,
};
export const NS_ALL = 255;
export const NS_INITIAL = 256;

export interface ObservedRow {
  check: Check;
  badness: number | null;
  weight: number;
  range: number;
  /** Excluded by --security-policy (weight 0): stays excluded whatever the drop-in does. */
  excluded: boolean;
}

/** Every row's numbers; throws when a row's badness cannot be known. */
export function observe(a: UnitAssessment): Map<string, ObservedRow> {
  const rows = new Map<string, ObservedRow>();
  for (const c of a.checks) {
    const n = rowNumbers(c);
    if (typeof n === 'string') throw new ScoreModelError('unscorable', n);
    rows.set(c.id, {
      check: c,
      badness: n.badness,
      weight: n.weight,
      range: n.range,
      excluded: n.weight === 0 || c.description === POLICY_EXCLUDED,
    });
  }
  return rows;
}

export class ScoreModelError extends Error {
  readonly code: 'partial-assessment' | 'unscorable';
  constructor(code: 'partial-assessment' | 'unscorable', message: string) {
    super(message);
    this.name = 'ScoreModelError';
    this.code = code;
  }
}

const isRoot = (u: string | null): boolean => u === 'root' || u === '0';

/** The user the service runs as: DynamicUser= without User= makes one up from the unit name. */
const effectiveUser = (user: string | null, dynamic: boolean): string | null =>
  user === null || user === '' ? (dynamic ? SOME_USER : null) : user;

/** §1.2 (3): root, or no User= without DynamicUser=. */
export function privileged(user: string | null, dynamic: boolean): boolean {
  const u = effectiveUser(user, dynamic);
  if (isRoot(u)) return true;
  if (dynamic) return false;
  return u === null;
}

function userBadness(user: string | null, dynamic: boolean): number {
  const u = effectiveUser(user, dynamic);
  if (u === 'nobody') return 9;
  if (dynamic && !isRoot(u)) return 0;
  if (u !== null && !isRoot(u)) return 0;
  return 10;
}

const SYSTEM_BADNESS: Readonly<Record<ProtectSystem, number>> = { no: 10, yes: 5, full: 3, strict: 0 };
const HOME_BADNESS: Readonly<Record<ProtectHome, number>> = { no: 10, 'read-only': 5, tmpfs: 1, yes: 0 };

function umaskBadness(u: number): number {
  if (!(u & 0o002)) return 10;
  if (!(u & 0o004)) return 5;
  if (!(u & 0o020)) return 2;
  if (!(u & 0o040)) return 1;
  return 0;
}

const hidden = <T>(value: T, alts: readonly T[], why: string): Fact<T> => unknown(value, alts, why);

// ---------------------------------------------------------------------------------------------
// Reading the settings back from the checks

export function readUnit(
  a: UnitAssessment,
  ctx: ModelContext,
): { model: UnitModel; rows: Map<string, ObservedRow> } {
  if (a.partial)
    throw new ScoreModelError('partial-assessment', `the table of ${a.unit || 'this unit'} is incomplete`);
  if (a.checks.length === 0) throw new ScoreModelError('partial-assessment', 'the assessment has no checks');
  const rows = observe(a);
  const row = (id: string): ObservedRow | undefined => {
    const r = rows.get(id);
    return r && !r.excluded ? r : undefined;
  };
  const b = (id: string): number | null | undefined => row(id)?.badness;
  const text = (id: string): string => row(id)?.check.description ?? '';
  const notShown = (id: string) =>
    `${id}= is not in the checks (excluded by a policy or not assessed by this version)`;
  const fromRow = (id: string, good: number | null = 0): Fact<boolean> => {
    const x = b(id);
    if (x === undefined || x === null) return hidden(false, [false, true], notShown(id));
    return known(x === good);
  };

  // Identity.
  const userRow = b('UserOrDynamicUser');
  const forcedLookGood = (): boolean => {
    const good = (id: string, ok: (x: number) => boolean) => {
      const x = b(id);
      return x === undefined || x === null || ok(x);
    };
    return (
      good('PrivateTmp', (x) => x === 0) &&
      good('NoNewPrivileges', (x) => x === 0) &&
      good('RestrictSUIDSGID', (x) => x === 0) &&
      good('ProtectSystem', (x) => x === 0) &&
      good('RemoveIPC', (x) => x === 0) &&
      good('ProtectHome', (x) => x !== 10)
    );
  };
  const dynamicOff = (): Fact<boolean> =>
    forcedLookGood()
      ? assumed(false, 'DynamicUser= is taken as off (with User=root or User=nobody it would not show)')
      : known(false);
  let user: Fact<string | null>;
  let dynamicUser: Fact<boolean>;
  const userText = text('UserOrDynamicUser');
  if (userRow === 9) {
    user = known('nobody');
    dynamicUser = dynamicOff();
  } else if (userRow === 0 && /transient/.test(userText)) {
    dynamicUser = known(true);
    user = hidden(null, [null, SOME_USER], 'User= does not show while DynamicUser=yes is set');
  } else if (userRow === 0 && /static/.test(userText)) {
    dynamicUser = known(false);
    user = known(SOME_USER);
  } else if (userRow === 0) {
    dynamicUser = hidden(false, [false, true], 'whether DynamicUser= is set cannot be read from the checks');
    user = known(SOME_USER);
  } else if (userRow === 10) {
    user = hidden(
      null,
      [null, 'root'],
      'an explicit User=root and an unset User= look the same in the checks',
    );
    dynamicUser = dynamicOff();
  } else {
    user = hidden(null, [null, 'root', SOME_USER], notShown('User'));
    dynamicUser = hidden(false, [false, true], notShown('DynamicUser'));
  }
  const dynamic = dynamicUser.value && !dynamicUser.alts;
  const forced = (name: string) =>
    `${name}= is forced on by DynamicUser=yes, so its own setting is not shown`;

  const rootNote = (name: string) =>
    `${name}= is taken as unset: it does not show, and does not matter, for a root service`;
  const applicable = (id: string) => b(id) !== undefined && b(id) !== null;
  const supplementaryGroups = applicable('SupplementaryGroups')
    ? known(b('SupplementaryGroups') === 1)
    : row('SupplementaryGroups')
      ? assumed(false, rootNote('SupplementaryGroups'))
      : hidden(false, [false, true], notShown('SupplementaryGroups'));
  let removeIPC: Fact<boolean>;
  if (applicable('RemoveIPC')) {
    removeIPC = dynamic ? hidden(false, [false, true], forced('RemoveIPC')) : known(b('RemoveIPC') === 0);
  } else
    removeIPC = row('RemoveIPC')
      ? assumed(false, rootNote('RemoveIPC'))
      : hidden(false, [false, true], notShown('RemoveIPC'));

  // DefaultDependencies=no makes the four file-system rows N/A (§1.2).
  const ddRows = ['PrivateTmp', 'ProtectHome', 'ProtectSystem', 'RootDirectoryOrRootImage'];
  let defaultDependencies: Fact<boolean>;
  if (ddRows.some(applicable)) defaultDependencies = known(true);
  else if (ddRows.some((id) => /special boot phase/.test(text(id)))) defaultDependencies = known(false);
  else defaultDependencies = assumed(true, 'DefaultDependencies= is taken as yes');
  const dd = defaultDependencies.value;
  const ddHidden = (name: string) => `${name}= does not show for a unit with DefaultDependencies=no`;

  const bool = Object.fromEntries(
    Object.entries(BOOLEAN_ROWS).map(([k, id]) => [k, fromRow(id)]),
  ) as unknown as Record<PlainBoolean, Fact<boolean>>;

  const dynForced = (id: string, name: string): Fact<boolean> => {
    if (dynamic && b(id) === 0) return hidden(false, [false, true], forced(name));
    return fromRow(id);
  };
  // Early-boot units hide their file-system settings. A unit hardened elsewhere most likely set
  // those too (systemd's own timesyncd, networkd, …), an unhardened one most likely did not.
  const hardeningShown = [
    'ProtectKernelTunables',
    'ProtectControlGroups',
    'ProtectKernelModules',
    'NoNewPrivileges',
    'RestrictRealtime',
    'LockPersonality',
    'MemoryDenyWriteExecute',
    'RestrictSUIDSGID',
  ].filter((id) => b(id) === 0).length;
  const likelyHardened = hardeningShown >= 5;
  const privateTmp = !dd
    ? hidden(likelyHardened, [false, true], ddHidden('PrivateTmp'))
    : dynForced('PrivateTmp', 'PrivateTmp');
  const noNewPrivileges = dynForced('NoNewPrivileges', 'NoNewPrivileges');
  const restrictSUIDSGID = dynForced('RestrictSUIDSGID', 'RestrictSUIDSGID');

  const systemValues: ProtectSystem[] = ['no', 'yes', 'full', 'strict'];
  const homeValues: ProtectHome[] = ['no', 'yes', 'read-only', 'tmpfs'];
  const byBadness = <T extends string>(
    table: Readonly<Record<T, number>>,
    x: number | null | undefined,
  ): T | undefined => (Object.keys(table) as T[]).find((k) => table[k] === x);
  let protectSystem: Fact<ProtectSystem>;
  if (!dd) protectSystem = hidden(likelyHardened ? 'strict' : 'no', systemValues, ddHidden('ProtectSystem'));
  else if (dynamic)
    protectSystem = hidden(
      'no',
      systemValues,
      'ProtectSystem= is forced to strict by DynamicUser=yes, so its own setting is not shown',
    );
  else {
    const v = byBadness(SYSTEM_BADNESS, b('ProtectSystem'));
    protectSystem = v ? known(v) : hidden('no', systemValues, notShown('ProtectSystem'));
  }
  let protectHome: Fact<ProtectHome>;
  const homeSeen = byBadness(HOME_BADNESS, b('ProtectHome'));
  if (!dd) protectHome = hidden(likelyHardened ? 'yes' : 'no', homeValues, ddHidden('ProtectHome'));
  else if (!homeSeen) protectHome = hidden('no', homeValues, notShown('ProtectHome'));
  else if (dynamic && homeSeen === 'read-only')
    protectHome = hidden(
      'no',
      ['no', 'read-only'],
      'ProtectHome=no shows as read-only under DynamicUser=yes',
    );
  else protectHome = known(homeSeen);

  const rootValues: Root[] = ['none', 'directory', 'image', 'both'];
  let root: Fact<Root>;
  if (!dd)
    root = assumed(
      'none',
      'RootDirectory=/RootImage= are taken as unset: they do not show for an early-boot unit (DefaultDependencies=no), which practically never has its own root',
    );
  else if (b('RootDirectoryOrRootImage') === 1) root = known('none');
  else if (b('RootDirectoryOrRootImage') === 0)
    root = hidden(
      'directory',
      ['directory', 'image', 'both'],
      'the checks do not show whether RootDirectory= or RootImage= is set',
    );
  else root = hidden('none', rootValues, notShown('RootDirectory'));

  const pick = <T>(id: string, table: ReadonlyMap<number, T>, fallback: T, alts: readonly T[]): Fact<T> => {
    const x = b(id);
    const v = x === undefined || x === null ? undefined : table.get(x);
    return v === undefined ? hidden(fallback, alts, notShown(id)) : known(v);
  };

  const model: UnitModel = {
    user,
    dynamicUser,
    supplementaryGroups,
    removeIPC,
    defaultDependencies,
    bool,
    privateMounts: fromRow('PrivateMounts'),
    privateTmp,
    noNewPrivileges,
    restrictSUIDSGID,
    delegate: fromRow('Delegate', 1),
    protectSystem,
    protectHome,
    root,
    mountImages: assumed(false, 'MountImages= is taken as unset'),
    umask: pick(
      'UMask',
      new Map([
        [10, 0o000],
        [5, 0o022],
        [2, 0o007],
        [1, 0o027],
        [0, 0o077],
      ]),
      0o022,
      [0o000, 0o022, 0o007, 0o027, 0o077],
    ),
    keyringMode: pick(
      'KeyringMode',
      new Map([
        [0, 'private'],
        [1, 'shared'],
      ]),
      'private',
      ['private', 'shared'],
    ),
    protectProc: pick(
      'ProtectProc',
      new Map([
        [0, 'invisible'],
        [1, 'noaccess'],
        [3, 'default'],
      ]),
      'default',
      ['default', 'invisible', 'noaccess'],
    ),
    procSubset: pick(
      'ProcSubset',
      new Map([
        [0, 'pid'],
        [1, 'all'],
      ]),
      'all',
      ['all', 'pid'],
    ),
    notifyAccess: pick(
      'NotifyAccess',
      new Map([
        [0, 'main'],
        [1, 'all'],
      ]),
      'main',
      ['main', 'all'],
    ),
    ambient: fromRow('AmbientCapabilities', 1),
    ambientMask: null,
    boundingSet: readBoundingSet(new Map(), new Set()),
    namespaces: readNamespaces(b),
    addressFamilies: readAddressFamilies(
      new Map(
        [...FAMILY_ROWS]
          .filter(([id]) => typeof b(id) === 'number')
          .map(([id, cat]): [Category, boolean] => [cat, b(id) === 1]),
      ),
    ),
    archs: pick(
      'SystemCallArchitectures',
      new Map<number, Archs>([
        [10, 'empty'],
        [0, 'native'],
        [8, 'other'],
      ]),
      'empty',
      ['empty', 'native', 'other'],
    ),
    syscalls: readSyscallFilter(
      new Map(
        [...SYSCALL_ROWS.keys()].flatMap((id) => {
          const r = row(id);
          return r ? [[id, { badness: r.badness, description: r.check.description }] as const] : [];
        }),
      ),
      ctx.tables,
    ),
    ...readIp(b('IPAddressDeny'), text('IPAddressDeny')),
    ...readDevices(b('DeviceAllow'), text('DeviceAllow'), bool.PrivateDevices, bool.ProtectClock),
  };

  // Capabilities, after the drops the implying settings made.
  const dropped = impliedDrops(
    model.bool.PrivateDevices.value,
    model.bool.ProtectKernelModules.value,
    model.bool.ProtectKernelLogs.value,
    model.bool.ProtectClock.value,
  );
  const capRows = new Map<string, number>();
  for (const id of CAPABILITY_ROWS.keys()) {
    const x = b(id);
    if (typeof x === 'number') capRows.set(id, x);
  }
  model.boundingSet = readBoundingSet(capRows, dropped);

  // Online, PrivateMounts is also inferred from other settings (§2.3 c). A bad row means none of
  // them is set, hidden ones included; a good row may be that inference.
  if (ctx.mode === 'online' && b('PrivateMounts') === 1) {
    if (model.privateTmp.alts) model.privateTmp = known(false);
    if (model.protectHome.alts) model.protectHome = known('no');
    if (model.protectSystem.alts) model.protectSystem = known('no');
    if (model.root.alts)
      model.root = mapFact(
        model.root,
        (r): Root => (r === 'both' || r === 'directory' ? 'directory' : 'none'),
      );
  }
  if (ctx.mode === 'online' && b('PrivateMounts') === 0) {
    const inferred = decide(mountInputs({ ...model, privateMounts: known(false) }), inferPrivateMounts);
    if (inferred.badness === 0 && !inferred.possible)
      model.privateMounts = hidden(
        false,
        [false, true],
        'PrivateMounts= is implied online by other sandboxing settings, so its own value is not shown',
      );
    else if (inferred.possible)
      model.privateMounts = hidden(
        true,
        [true, false],
        'whether PrivateMounts= is set or only implied online is not shown',
      );
  }
  return { model, rows };
}

const DROPS: Set<number>[] = Array.from({ length: 16 }, (_, bits) => {
  const out = new Set<number>();
  const add = (cs: readonly number[]) => {
    for (const c of cs) out.add(c);
  };
  if (bits & 1) add(IMPLIED_DROPS.PrivateDevices);
  if (bits & 2) add(IMPLIED_DROPS.ProtectKernelModules);
  if (bits & 4) add(IMPLIED_DROPS.ProtectKernelLogs);
  if (bits & 8) add(IMPLIED_DROPS.ProtectClock);
  return out;
});

/** The capabilities unit loading drops for these settings (shared sets: do not modify). */
function impliedDrops(pd: boolean, pkm: boolean, pkl: boolean, pc: boolean): ReadonlySet<number> {
  return DROPS[(pd ? 1 : 0) | (pkm ? 2 : 0) | (pkl ? 4 : 0) | (pc ? 8 : 0)] as Set<number>;
}

function readNamespaces(b: (id: string) => number | null | undefined): Fact<number> {
  let bits = 0;
  let allBad = true;
  for (const [kind, bit] of Object.entries(NS_BITS)) {
    if (kind === 'time') continue;
    const x = b(`RestrictNamespaces_${kind}`);
    const allowed = x === undefined || x === null || x === 1;
    if (allowed) bits |= bit;
    else allBad = false;
  }
  if (allBad)
    return assumed(
      NS_ALL | NS_INITIAL,
      'RestrictNamespaces= is taken as unset: every namespace row is bad, and RestrictNamespaces=no would look the same',
    );
  // The time namespace is not assessed: whether it is allowed does not matter.
  return known(bits);
}

function readIp(
  x: number | null | undefined,
  text: string,
): Pick<UnitModel, 'ipFilters' | 'denyIPv4All' | 'denyIPv6All' | 'allowLocalhost' | 'allowOther'> {
  const off = known(false);
  const on = known(true);
  const hid = (why: string) => hidden(false, [false, true], why);
  if (x === undefined || x === null) {
    const why = 'IPAddressDeny= is not in the checks';
    return {
      ipFilters: hidden<Filters>('none', ['none', 'ingress', 'egress', 'both'], why),
      denyIPv4All: hid(why),
      denyIPv6All: hid(why),
      allowLocalhost: hid(why),
      allowOther: hid(why),
    };
  }
  if (x === 0 && /custom/.test(text)) {
    const why =
      'IPAddressDeny=/IPAddressAllow= do not show while IPIngressFilterPath=/IPEgressFilterPath= are set';
    return {
      ipFilters: hidden<Filters>(
        'ingress',
        ['ingress', 'egress', 'both'],
        'the checks do not show which custom BPF filter is set',
      ),
      denyIPv4All: hid(why),
      denyIPv6All: hid(why),
      allowLocalhost: hid(why),
      allowOther: hid(why),
    };
  }
  const none = known<Filters>('none');
  if (x === 10) {
    return {
      ipFilters: none,
      denyIPv4All: assumed(
        false,
        'IPAddressDeny= is taken as not blocking a whole address family (0.0.0.0/0 or ::/0 alone would look the same)',
      ),
      denyIPv6All: assumed(
        false,
        'IPAddressDeny= is taken as not blocking a whole address family (0.0.0.0/0 or ::/0 alone would look the same)',
      ),
      allowLocalhost: assumed(
        false,
        'IPAddressAllow= is taken as empty: it does not show, and does nothing, without IPAddressDeny=any',
      ),
      allowOther: assumed(
        false,
        'IPAddressAllow= is taken as empty: it does not show, and does nothing, without IPAddressDeny=any',
      ),
    };
  }
  if (x === 5)
    return {
      ipFilters: none,
      denyIPv4All: on,
      denyIPv6All: on,
      allowLocalhost: hid('whether IPAddressAllow= also lists localhost is not shown'),
      allowOther: on,
    };
  if (x === 2)
    return { ipFilters: none, denyIPv4All: on, denyIPv6All: on, allowLocalhost: on, allowOther: off };
  return { ipFilters: none, denyIPv4All: on, denyIPv6All: on, allowLocalhost: off, allowOther: off };
}

function readDevices(
  x: number | null | undefined,
  text: string,
  privateDevices: Fact<boolean>,
  protectClock: Fact<boolean>,
): Pick<UnitModel, 'devicePolicy' | 'deviceEntries'> {
  if (x === 10)
    return {
      devicePolicy: known('auto'),
      deviceEntries: hidden(false, [false, true], 'DeviceAllow= entries do not show while DevicePolicy=auto'),
    };
  if (x === 0 || x === 5) {
    const devicePolicy =
      privateDevices.value && !privateDevices.alts
        ? hidden<'auto' | 'closed' | 'strict'>(
            'auto',
            ['auto', 'closed'],
            'DevicePolicy= does not show: PrivateDevices=yes turns auto into closed',
          )
        : known<'auto' | 'closed' | 'strict'>('closed');
    if (x === 0) return { devicePolicy, deviceEntries: known(false) };
    if (!protectClock.value) return { devicePolicy, deviceEntries: known(true) };
    // ProtectClock=yes adds char-rtc (#32513): the unit's own list is what else the description names.
    const listed = /special devices: (.*)$/
      .exec(text)?.[1]
      ?.split(' ')
      .filter((e) => e !== '');
    if (listed?.some((e) => e !== 'char-rtc:r')) return { devicePolicy, deviceEntries: known(true) };
    return {
      devicePolicy,
      deviceEntries: hidden(
        false,
        [false, true],
        'whether DeviceAllow= lists char-rtc itself or ProtectClock=yes added it is not shown',
      ),
    };
  }
  return {
    devicePolicy: hidden<'auto' | 'closed' | 'strict'>(
      'auto',
      ['auto', 'closed'],
      'DeviceAllow= is not in the checks',
    ),
    deviceEntries: hidden(false, [false, true], 'DeviceAllow= is not in the checks'),
  };
}

// ---------------------------------------------------------------------------------------------
// Applying a drop-in

const BOOL_DIRECTIVE: Partial<Record<string, PlainBoolean>> = Object.fromEntries(
  Object.keys(BOOLEAN_ROWS).map((k) => [k, k as PlainBoolean]),
);

/** The unit with the drop-in's assignments merged in, in file order (implications come later). */
export function applyDropIn(base: UnitModel, dropIn: DropIn, ctx: ModelContext): UnitModel {
  const m: UnitModel = { ...base };
  let bool = base.bool;
  const setBool = (k: PlainBoolean, v: boolean) => {
    bool = { ...bool, [k]: known(v) };
  };
  for (const d of dropIn.directives) applyOne(m, d, ctx, setBool);
  m.bool = bool;
  return m;
}

function applyOne(
  m: UnitModel,
  d: Directive,
  ctx: ModelContext,
  setBool: (k: PlainBoolean, v: boolean) => void,
): void {
  const plain = BOOL_DIRECTIVE[d.key];
  if (plain && typeof (d as { value?: unknown }).value === 'boolean') {
    setBool(plain, (d as { value: boolean }).value);
    return;
  }
  switch (d.key) {
    case 'DynamicUser':
      m.dynamicUser = known(d.value);
      return;
    case 'RemoveIPC':
      m.removeIPC = known(d.value);
      return;
    case 'DefaultDependencies':
      m.defaultDependencies = known(d.value);
      return;
    case 'PrivateMounts':
      m.privateMounts = known(d.value);
      return;
    case 'PrivateTmp':
      m.privateTmp = known(d.value);
      return;
    case 'NoNewPrivileges':
      m.noNewPrivileges = known(d.value);
      return;
    case 'RestrictSUIDSGID':
      m.restrictSUIDSGID = known(d.value);
      return;
    case 'ProtectSystem':
      m.protectSystem = known(d.value);
      return;
    case 'ProtectHome':
      m.protectHome = known(d.value);
      return;
    case 'KeyringMode':
      m.keyringMode = known(d.value);
      return;
    case 'ProtectProc':
      m.protectProc = known(d.value);
      return;
    case 'ProcSubset':
      m.procSubset = known(d.value);
      return;
    case 'NotifyAccess':
      m.notifyAccess = known(d.value);
      return;
    case 'DevicePolicy':
      m.devicePolicy = known(d.value);
      return;
    case 'User': {
      const user = d.value?.includes('%') ? resolveSpecifiers(d.value, ctx.unit) : d.value;
      m.user =
        user === undefined
          ? hidden(
              d.value,
              [d.value, 'root'],
              `User=${d.value} uses a specifier whose value is not known here`,
            )
          : known(user);
      return;
    }
    case 'UMask':
      m.umask = known(d.value);
      return;
    case 'Delegate':
      m.delegate = known(d.value);
      return;
    case 'SupplementaryGroups':
      m.supplementaryGroups = known(d.value.length > 0);
      return;
    case 'MountImages':
      m.mountImages = known(d.value.length > 0);
      return;
    case 'RootDirectory':
    case 'RootImage': {
      const on = d.value !== null && d.value !== '/';
      const part = d.key === 'RootDirectory' ? 'directory' : 'image';
      const other = d.key === 'RootDirectory' ? 'image' : 'directory';
      m.root = mapFact(m.root, (r): Root => {
        const hasOther = r === 'both' || r === other;
        if (on) return hasOther ? 'both' : part;
        return hasOther ? other : 'none';
      });
      return;
    }
    case 'CapabilityBoundingSet':
      m.boundingSet = applyBoundingSet(m.boundingSet, d);
      return;
    case 'AmbientCapabilities': {
      // Replaces while the set is empty (its initial value) or the list is, merges otherwise.
      if (m.ambientMask !== null) {
        let sum = 0n;
        for (const c of d.caps) sum |= 1n << BigInt(c);
        const cur = m.ambientMask;
        if (sum === 0n || cur === 0n) m.ambientMask = d.invert ? ~sum & ALL_BITS : sum;
        else m.ambientMask = d.invert ? cur & ~sum : cur | sum;
        m.ambient = known(m.ambientMask !== 0n);
        return;
      }
      if (d.caps.length === 0) {
        m.ambient = known(d.invert);
        return;
      }
      const prev = m.ambient;
      if (!d.invert) {
        m.ambient = known(true);
        return;
      }
      const afterMerge = (nonEmpty: boolean): boolean[] => (nonEmpty ? [true, false] : [true]);
      const outcomes = new Set((prev.alts ?? [prev.value]).flatMap(afterMerge));
      m.ambient =
        outcomes.size > 1
          ? hidden(
              true,
              [true, false],
              'whether the ambient set holds more than the capabilities the drop-in removes is not shown',
            )
          : known(true);
      return;
    }
    case 'RestrictNamespaces': {
      const v = d.value;
      if (v === 'reset') m.namespaces = known(NS_ALL | NS_INITIAL);
      else if (v === true) m.namespaces = known(0);
      else if (v === false) m.namespaces = known(NS_ALL);
      else {
        let flags = 0;
        for (const k of v.kinds) flags |= NS_BITS[k];
        m.namespaces = mapFact(m.namespaces, (cur) => {
          if (cur & NS_INITIAL) return v.invert ? NS_ALL & ~flags : flags;
          return v.invert ? cur & ~flags : cur | flags;
        });
      }
      return;
    }
    case 'RestrictAddressFamilies':
      m.addressFamilies = applyAddressFamilies(m.addressFamilies, d.value);
      return;
    case 'SystemCallArchitectures': {
      if (d.archs.length === 0) m.archs = known<Archs>('empty');
      else {
        const onlyNative = d.archs.every((a) => a === 'native');
        m.archs = mapFact(m.archs, (cur): Archs => (cur === 'other' || !onlyNative ? 'other' : 'native'));
      }
      return;
    }
    case 'SystemCallFilter':
      m.syscalls = applySyscallFilter(m.syscalls, d, ctx.tables);
      return;
    case 'IPAddressDeny': {
      if (d.prefixes.length === 0) {
        m.denyIPv4All = known(false);
        m.denyIPv6All = known(false);
        return;
      }
      if (d.prefixes.some((p) => p.family === 4 && p.prefixLength === 0)) m.denyIPv4All = known(true);
      if (d.prefixes.some((p) => p.family === 6 && p.prefixLength === 0)) m.denyIPv6All = known(true);
      return;
    }
    case 'IPAddressAllow': {
      if (d.prefixes.length === 0) {
        m.allowLocalhost = known(false);
        m.allowOther = known(false);
        return;
      }
      for (const p of d.prefixes) {
        if (isLocalhost(p, ctx.mode)) m.allowLocalhost = known(true);
        else m.allowOther = known(true);
      }
      return;
    }
    case 'IPIngressFilterPath':
    case 'IPEgressFilterPath': {
      const part: Filters = d.key === 'IPIngressFilterPath' ? 'ingress' : 'egress';
      const other: Filters = part === 'ingress' ? 'egress' : 'ingress';
      m.ipFilters = mapFact(m.ipFilters, (f): Filters => {
        const hasOther = f === 'both' || f === other;
        if (d.path !== null) return hasOther ? 'both' : part;
        return hasOther ? other : 'none';
      });
      return;
    }
    case 'DeviceAllow':
      m.deviceEntries = known(d.entry !== null);
      return;
  }
}

const ALL_BITS = (1n << 64n) - 1n;

/**
 * The specifiers a unit name determines (systemd.unit(5) "Specifiers"): %n %N %p %P %i %I %%.
 * Undefined when the value uses another one, or the name is not known.
 */
function resolveSpecifiers(value: string, unit: string | undefined): string | undefined {
  if (!unit) return undefined;
  const dot = unit.lastIndexOf('.');
  const at = unit.indexOf('@');
  const prefix = unit.slice(0, at >= 0 ? at : dot);
  const instance = at >= 0 ? unit.slice(at + 1, dot) : '';
  const unescapeName = (s: string) =>
    // Dashes first: a decoded \x2d is a dash of the name, not a path separator.
    s
      .replace(/-/g, '/')
      .replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  const table: Record<string, string> = {
    n: unit,
    N: unit.slice(0, dot),
    p: prefix,
    P: unescapeName(prefix),
    i: instance,
    I: unescapeName(instance),
    '%': '%',
  };
  let unresolved = false;
  const out = value.replace(/%(.)/g, (_, c: string) => {
    const v = table[c];
    if (v === undefined) unresolved = true;
    return v ?? '';
  });
  return unresolved ? undefined : out;
}

/**
 * systemd stores prefixes masked to their length. Offline, any loopback address counts as
 * localhost; online (D-Bus) only 127.0.0.0/8 and ::1/128 do (§2.2 IPAddressDeny).
 */
function isLocalhost(p: IpPrefix, mode: Mode): boolean {
  const masked = p.bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, p.prefixLength - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  if (p.family === 4) return masked[0] === 127 && (mode === 'offline' || p.prefixLength === 8);
  return masked.slice(0, 15).every((x) => x === 0) && masked[15] === 1;
}

// ---------------------------------------------------------------------------------------------
// The rows, computed from the settings (implications applied here, so they follow every change)

/** A row: the facts and models it reads, and how it is computed from them. */
export interface RowDef {
  inputs(m: UnitModel, ctx: ModelContext): readonly object[];
  compute(m: UnitModel, ctx: ModelContext): Outcome;
}

/** A row computed from facts alone. */
function factRow<const F extends readonly Fact<unknown>[]>(
  inputs: (m: UnitModel) => F,
  fn: (...values: Values<F>) => number | null,
): RowDef {
  return { inputs, compute: (m) => decide(inputs(m), fn) };
}

const boolRow = (pick: (m: UnitModel) => Fact<boolean>, badWhen = false): RowDef =>
  factRow(
    (m) => [pick(m)] as const,
    (v) => (v === badWhen ? 1 : 0),
  );

function mountInputs(m: UnitModel) {
  return [
    m.privateMounts,
    m.bool.PrivateDevices,
    m.dynamicUser,
    m.privateTmp,
    m.bool.ProtectControlGroups,
    m.bool.ProtectKernelTunables,
    m.bool.ProtectKernelModules,
    m.protectHome,
    m.protectSystem,
    m.root,
  ] as const;
}

function inferPrivateMounts(
  pm: boolean,
  pd: boolean,
  dyn: boolean,
  pt: boolean,
  pcg: boolean,
  pkt: boolean,
  pkm: boolean,
  ph: ProtectHome,
  ps: ProtectSystem,
  root: Root,
): number {
  const home = dyn && ph === 'no' ? 'read-only' : ph;
  const system = dyn ? 'strict' : ps;
  const on =
    pm ||
    pd ||
    dyn ||
    pt ||
    pcg ||
    pkt ||
    pkm ||
    home !== 'no' ||
    system !== 'no' ||
    root === 'image' ||
    root === 'both';
  return on ? 0 : 1;
}

function capRow(id: string): RowDef {
  const facts = (m: UnitModel) =>
    [
      m.bool.PrivateDevices,
      m.bool.ProtectKernelModules,
      m.bool.ProtectKernelLogs,
      m.bool.ProtectClock,
    ] as const;
  return {
    inputs: (m) => [m.boundingSet, ...facts(m)],
    compute: (m) => {
      const f = facts(m);
      const fromFacts = decide(
        f,
        (pd, pkm, pkl, pc) => capabilityRow(m.boundingSet, id, impliedDrops(pd, pkm, pkl, pc)).badness,
      );
      const own = capabilityRow(
        m.boundingSet,
        id,
        impliedDrops(f[0].value, f[1].value, f[2].value, f[3].value),
      );
      return merge(fromFacts, own, [m.boundingSet, ...f], m.boundingSet.assumed);
    },
  };
}

/** A row from a set model, joined with the outcome over the facts it also reads. */
function merge(
  fromFacts: Outcome,
  own: { badness: number; possible?: number[]; why?: string },
  deps: readonly object[],
  assumption?: string,
): Outcome {
  const why: string[] = [...fromFacts.why];
  const possible = new Set<number | null>(fromFacts.possible === 'any' ? [] : (fromFacts.possible ?? []));
  if (own.possible) {
    for (const p of own.possible) possible.add(p);
    if (own.why) why.push(own.why);
  }
  const assumedNotes = [...fromFacts.assumed];
  if (assumption) assumedNotes.push(assumption);
  const out: Outcome = { badness: own.badness, why, assumed: assumedNotes, deps };
  if (fromFacts.possible === 'any') out.possible = 'any';
  else if (possible.size > 0) {
    possible.add(own.badness);
    if (possible.size > 1) out.possible = [...possible];
  }
  if (!out.possible) out.why = [];
  return out;
}

const PRIVATE_MOUNTS_OFFLINE = boolRow((m) => m.privateMounts);
const PRIVATE_MOUNTS_ONLINE = factRow(mountInputs, inferPrivateMounts);

export const ROWS: ReadonlyMap<string, RowDef> = new Map<string, RowDef>([
  [
    'UserOrDynamicUser',
    factRow(
      (m) => [m.user, m.dynamicUser] as const,
      (u, d) => userBadness(u, d),
    ),
  ],
  [
    'SupplementaryGroups',
    factRow(
      (m) => [m.user, m.dynamicUser, m.supplementaryGroups] as const,
      (u, d, s) => (privileged(u, d) ? null : s ? 1 : 0),
    ),
  ],
  [
    'RemoveIPC',
    factRow(
      (m) => [m.user, m.dynamicUser, m.removeIPC] as const,
      (u, d, r) => (privileged(u, d) ? null : d || r ? 0 : 1),
    ),
  ],
  ...Object.entries(BOOLEAN_ROWS).map(([k, id]): [string, RowDef] => [
    id,
    boolRow((m) => m.bool[k as PlainBoolean]),
  ]),
  [
    'PrivateMounts',
    {
      inputs: (m, ctx) =>
        (ctx.mode === 'offline' ? PRIVATE_MOUNTS_OFFLINE : PRIVATE_MOUNTS_ONLINE).inputs(m, ctx),
      compute: (m, ctx) =>
        (ctx.mode === 'offline' ? PRIVATE_MOUNTS_OFFLINE : PRIVATE_MOUNTS_ONLINE).compute(m, ctx),
    },
  ],
  [
    'PrivateTmp',
    factRow(
      (m) => [m.defaultDependencies, m.dynamicUser, m.privateTmp] as const,
      (dd, d, p) => (!dd ? null : d || p ? 0 : 1),
    ),
  ],
  [
    'ProtectHome',
    factRow(
      (m) => [m.defaultDependencies, m.dynamicUser, m.protectHome] as const,
      (dd, d, h) => (!dd ? null : HOME_BADNESS[d && h === 'no' ? 'read-only' : h]),
    ),
  ],
  [
    'ProtectSystem',
    factRow(
      (m) => [m.defaultDependencies, m.dynamicUser, m.protectSystem] as const,
      (dd, d, s) => (!dd ? null : SYSTEM_BADNESS[d ? 'strict' : s]),
    ),
  ],
  [
    'RootDirectoryOrRootImage',
    factRow(
      (m) => [m.defaultDependencies, m.root] as const,
      (dd, r) => (!dd ? null : r === 'none' ? 1 : 0),
    ),
  ],
  [
    'NoNewPrivileges',
    factRow(
      (m) => [m.dynamicUser, m.noNewPrivileges] as const,
      (d, n) => (d || n ? 0 : 1),
    ),
  ],
  [
    'RestrictSUIDSGID',
    factRow(
      (m) => [m.dynamicUser, m.restrictSUIDSGID] as const,
      (d, n) => (d || n ? 0 : 1),
    ),
  ],
  ['Delegate', boolRow((m) => m.delegate, true)],
  ['AmbientCapabilities', boolRow((m) => m.ambient, true)],
  [
    'UMask',
    factRow(
      (m) => [m.umask] as const,
      (u) => umaskBadness(u),
    ),
  ],
  [
    'KeyringMode',
    factRow(
      (m) => [m.keyringMode] as const,
      (v) => (v === 'private' ? 0 : 1),
    ),
  ],
  [
    'ProtectProc',
    factRow(
      (m) => [m.protectProc] as const,
      (v) => (v === 'invisible' || v === 'ptraceable' ? 0 : v === 'noaccess' ? 1 : 3),
    ),
  ],
  [
    'ProcSubset',
    factRow(
      (m) => [m.procSubset] as const,
      (v) => (v === 'pid' ? 0 : 1),
    ),
  ],
  [
    'NotifyAccess',
    factRow(
      (m) => [m.notifyAccess] as const,
      (v) => (v === 'all' ? 1 : 0),
    ),
  ],
  [
    'SystemCallArchitectures',
    factRow(
      (m) => [m.archs] as const,
      (v) => (v === 'empty' ? 10 : v === 'native' ? 0 : 8),
    ),
  ],
  ...(Object.entries(NS_BITS) as [NamespaceKind, number][])
    .filter(([k]) => k !== 'time')
    .map(([k, bit]): [string, RowDef] => [
      `RestrictNamespaces_${k}`,
      factRow(
        (m) => [m.namespaces] as const,
        (v) => (v & NS_INITIAL || v & bit ? 1 : 0),
      ),
    ]),
  ...[...CAPABILITY_ROWS.keys()].map((id): [string, RowDef] => [id, capRow(id)]),
  ...[...FAMILY_ROWS].map(([id, cat]): [string, RowDef] => [
    id,
    {
      inputs: (m) => [m.addressFamilies],
      compute: (m) =>
        merge(certain(0), familyRow(m.addressFamilies, cat), [m.addressFamilies], m.addressFamilies.assumed),
    },
  ]),
  ...[...SYSCALL_ROWS].map(([id, group]): [string, RowDef] => [
    id,
    {
      inputs: (m) => [m.syscalls],
      compute: (m, ctx) => merge(certain(0), syscallRow(m.syscalls, group, ctx.tables), [m.syscalls]),
    },
  ]),
  [
    'IPAddressDeny',
    factRow(
      (m) => [m.ipFilters, m.denyIPv4All, m.denyIPv6All, m.allowOther, m.allowLocalhost] as const,
      (f, d4, d6, other, local) => {
        if (f !== 'none') return 0;
        if (!(d4 && d6)) return 10;
        if (other) return 5;
        if (local) return 2;
        return 0;
      },
    ),
  ],
  [
    'DeviceAllow',
    factRow(
      (m) =>
        [
          m.devicePolicy,
          m.deviceEntries,
          m.bool.PrivateDevices,
          m.bool.ProtectClock,
          m.root,
          m.mountImages,
        ] as const,
      (policy, entries, pd, pc, root, images) => {
        // Unit loading: PrivateDevices turns auto into closed, then (only when the policy is not
        // auto or the list is non-empty) images and ProtectClock add their entries (#32513).
        const effective = pd && policy === 'auto' ? 'closed' : policy;
        const addsEntries = pc || images || root === 'image' || root === 'both';
        const nonEmpty = entries || ((effective !== 'auto' || entries) && addsEntries);
        if (effective === 'auto') return 10;
        return nonEmpty ? 5 : 0;
      },
    ),
  ],
]);

// Drop-ins in systemd unit-file syntax (`override.conf`), reduced to the directives that
// `systemd-analyze security` looks at. Everything else (ExecStart=, ReadWritePaths=, …) is kept as
// "does not change the score". Where systemd would log "…, ignoring" and carry on, this parser
// refuses with a typed problem and its line number instead: a what-if that silently drops a
// mistyped line would predict the wrong thing.

import { capabilityNumber } from './capabilities.js';

export type DropInProblemCode =
  | 'syntax'
  | 'outside-section'
  | 'unknown-section'
  | 'wrong-section'
  | 'misspelt-key'
  | 'invalid-value';

export interface DropInProblem {
  /** 1-based line of the drop-in text. */
  line: number;
  code: DropInProblemCode;
  message: string;
}

export class DropInError extends Error {
  readonly code = 'invalid-drop-in';
  readonly problems: readonly DropInProblem[];
  constructor(problems: readonly DropInProblem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.message}`).join('; '));
    this.name = 'DropInError';
    this.problems = problems;
  }
}

export const BOOLEAN_KEYS = [
  'DynamicUser',
  'PrivateDevices',
  'PrivateMounts',
  'PrivateNetwork',
  'PrivateTmp',
  'PrivateUsers',
  'ProtectControlGroups',
  'ProtectKernelModules',
  'ProtectKernelTunables',
  'ProtectKernelLogs',
  'ProtectClock',
  'ProtectHostname',
  'LockPersonality',
  'MemoryDenyWriteExecute',
  'NoNewPrivileges',
  'RestrictRealtime',
  'RestrictSUIDSGID',
  'RemoveIPC',
  'DefaultDependencies',
] as const;
export type BooleanKey = (typeof BOOLEAN_KEYS)[number];

export const ENUMS = {
  ProtectSystem: ['no', 'yes', 'full', 'strict'],
  ProtectHome: ['no', 'yes', 'read-only', 'tmpfs'],
  KeyringMode: ['inherit', 'private', 'shared'],
  ProtectProc: ['noaccess', 'invisible', 'ptraceable', 'default'],
  ProcSubset: ['all', 'pid'],
  NotifyAccess: ['none', 'main', 'exec', 'all'],
  DevicePolicy: ['auto', 'closed', 'strict'],
} as const;
export type EnumKey = keyof typeof ENUMS;
export type EnumValue<K extends EnumKey> = (typeof ENUMS)[K][number];

export interface IpPrefix {
  family: 4 | 6;
  /** 4 or 16 bytes. */
  bytes: number[];
  prefixLength: number;
}

/** One assignment that the analyzer's inputs depend on, parsed the way systemd 252 parses it. */
export type Directive = DirectiveBody & { line: number };

export type DirectiveBody =
  | { key: BooleanKey; value: boolean }
  | { [K in EnumKey]: { key: K; value: EnumValue<K> } }[EnumKey]
  /** null: empty assignment (reset). */
  | { key: 'User'; value: string | null }
  | { key: 'UMask'; value: number }
  | { key: 'Delegate'; value: boolean }
  /** Empty list: reset. */
  | { key: 'SupplementaryGroups' | 'MountImages'; value: string[] }
  | { key: 'RootDirectory' | 'RootImage'; value: string | null }
  /** caps empty and invert false: the empty assignment. */
  | { key: 'CapabilityBoundingSet' | 'AmbientCapabilities'; invert: boolean; caps: number[] }
  | { key: 'RestrictNamespaces'; value: 'reset' | boolean | { invert: boolean; kinds: NamespaceKind[] } }
  | { key: 'RestrictAddressFamilies'; value: 'reset' | 'none' | { invert: boolean; families: string[] } }
  /** Empty list: reset. */
  | { key: 'SystemCallArchitectures'; archs: string[] }
  /** reset: the empty assignment; names: system calls and @groups, errno suffixes removed. */
  | { key: 'SystemCallFilter'; reset: boolean; invert: boolean; names: string[] }
  | { key: 'IPAddressDeny' | 'IPAddressAllow'; prefixes: IpPrefix[] }
  | { key: 'IPIngressFilterPath' | 'IPEgressFilterPath'; path: string | null }
  | { key: 'DeviceAllow'; entry: string | null };

export type DirectiveKey = Directive['key'];

export interface DropIn {
  directives: Directive[];
  /** Assignments that do not change the score (ExecStart=, ReadWritePaths=, …), with their lines. */
  ignored: { key: string; line: number }[];
  /** Lines systemd would log and skip; only a lenient parse (a unit's own files) keeps going past them. */
  skipped?: DropInProblem[];
}

export const NAMESPACE_KINDS = ['cgroup', 'ipc', 'net', 'mnt', 'pid', 'user', 'uts', 'time'] as const;
export type NamespaceKind = (typeof NAMESPACE_KINDS)[number];

/** Address families systemd 252 knows by name (af_from_name: the kernel's AF_* list). */
export const ADDRESS_FAMILIES: ReadonlySet<string> = new Set(
  (
    'AF_UNIX AF_INET AF_AX25 AF_IPX AF_APPLETALK AF_NETROM AF_BRIDGE AF_ATMPVC AF_X25 AF_INET6 AF_ROSE ' +
    'AF_DECnet AF_NETBEUI AF_SECURITY AF_KEY AF_NETLINK AF_PACKET AF_ASH AF_ECONET AF_ATMSVC AF_RDS AF_SNA ' +
    'AF_IRDA AF_PPPOX AF_WANPIPE AF_LLC AF_IB AF_MPLS AF_CAN AF_TIPC AF_BLUETOOTH AF_IUCV AF_RXRPC AF_ISDN ' +
    'AF_PHONET AF_IEEE802154 AF_CAIF AF_ALG AF_NFC AF_VSOCK AF_KCM AF_QIPCRTR AF_SMC AF_XDP AF_MCTP'
  ).split(' '),
);

/** Other names glibc gives the same families (systemd accepts them). */
const FAMILY_ALIASES: Readonly<Record<string, string>> = {
  AF_LOCAL: 'AF_UNIX',
  AF_FILE: 'AF_UNIX',
  AF_ROUTE: 'AF_NETLINK',
};

/** Which section systemd reads each scored key from. */
const SECTION_OF: Readonly<Record<DirectiveKey, 'Unit' | 'Service'>> = {
  ...(Object.fromEntries(BOOLEAN_KEYS.map((k) => [k, 'Service'])) as Record<BooleanKey, 'Service'>),
  DefaultDependencies: 'Unit',
  ProtectSystem: 'Service',
  ProtectHome: 'Service',
  KeyringMode: 'Service',
  ProtectProc: 'Service',
  ProcSubset: 'Service',
  NotifyAccess: 'Service',
  DevicePolicy: 'Service',
  User: 'Service',
  UMask: 'Service',
  Delegate: 'Service',
  SupplementaryGroups: 'Service',
  MountImages: 'Service',
  RootDirectory: 'Service',
  RootImage: 'Service',
  CapabilityBoundingSet: 'Service',
  AmbientCapabilities: 'Service',
  RestrictNamespaces: 'Service',
  RestrictAddressFamilies: 'Service',
  SystemCallArchitectures: 'Service',
  SystemCallFilter: 'Service',
  IPAddressDeny: 'Service',
  IPAddressAllow: 'Service',
  IPIngressFilterPath: 'Service',
  IPEgressFilterPath: 'Service',
  DeviceAllow: 'Service',
};
/** Every key the analyzer reads (agents/collect.sh sends a unit's lines of these keys only). */
export const SCORED_KEYS: ReadonlySet<string> = new Set(Object.keys(SECTION_OF));
const SCORED_BY_LOWER = new Map([...SCORED_KEYS].map((k) => [k.toLowerCase(), k]));
const KNOWN_SECTIONS = new Set(['Unit', 'Service', 'Install']);

/** Options that make the check of names stricter where the host's tables are known. */
export interface DropInParseOptions {
  /** Names accepted in SystemCallFilter= (system calls and @groups); any well-formed name if absent. */
  syscallNames?: (name: string) => boolean;
  /**
   * Skip what systemd skips ("…, ignoring") instead of refusing: for a unit's own files, which the
   * host has already loaded, as opposed to a drop-in somebody is about to write.
   */
  lenient?: boolean;
}

/**
 * Parses a drop-in. Throws DropInError listing every problem (not just the first), so a user fixes
 * a whole file in one go.
 */
export function parseDropIn(text: string, options: DropInParseOptions = {}): DropIn {
  const problems: DropInProblem[] = [];
  const out: DropIn = { directives: [], ignored: [] };
  let section: string | null = null;
  for (const { line, content } of logicalLines(text)) {
    const problem = (code: DropInProblemCode, message: string) => problems.push({ line, code, message });
    if (content.startsWith('[')) {
      const m = /^\[([^[\]]+)\]$/.exec(content);
      if (!m) {
        problem('syntax', `malformed section header "${content}"`);
        section = null;
        continue;
      }
      section = m[1] as string;
      if (!KNOWN_SECTIONS.has(section) && !section.startsWith('X-') && !options.lenient)
        problem(
          'unknown-section',
          `unknown section [${section}] (a service drop-in has [Unit], [Service], [Install])`,
        );
      continue;
    }
    const eq = content.indexOf('=');
    if (eq <= 0) {
      problem('syntax', `expected "Key=value", a [Section] header or a comment, got "${content}"`);
      continue;
    }
    const key = content.slice(0, eq).trim();
    const value = content.slice(eq + 1).trim();
    if (section === null) {
      problem('outside-section', `${key}= comes before any [Section] header`);
      continue;
    }
    if (!SCORED_KEYS.has(key)) {
      const meant = SCORED_BY_LOWER.get(key.toLowerCase());
      if (meant && !options.lenient)
        problem('misspelt-key', `unknown key ${key}= (systemd keys are case-sensitive: ${meant}=)`);
      else out.ignored.push({ key, line });
      continue;
    }
    const k = key as DirectiveKey;
    const wanted = SECTION_OF[k];
    if (section !== wanted) {
      problem('wrong-section', `${key}= belongs in [${wanted}], not [${section}]: systemd would ignore it`);
      continue;
    }
    const parsed = parseValue(k, value, options);
    if (typeof parsed === 'string') problem('invalid-value', `${key}=${value}: ${parsed}`);
    else out.directives.push({ ...parsed, line } as Directive);
  }
  if (options.lenient) {
    if (problems.length > 0) out.skipped = problems;
  } else if (problems.length > 0) throw new DropInError(problems);
  return out;
}

/**
 * A unit's own configuration as `systemctl cat UNIT` prints it (its fragment, then each drop-in,
 * each after a "# /path" comment), read in file order as systemd reads it.
 */
export function parseUnitConfiguration(
  text: string,
  options: Omit<DropInParseOptions, 'lenient'> = {},
): DropIn {
  return parseDropIn(text, { ...options, lenient: true });
}

/** Lines with comments and blanks dropped and backslash continuations joined (as systemd does). */
function logicalLines(text: string): { line: number; content: string }[] {
  const out: { line: number; content: string }[] = [];
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let start = 0;
  let content: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const trimmed = (raw[i] as string).trim();
    const comment = trimmed.startsWith('#') || trimmed.startsWith(';');
    // Comment lines inside a continuation are skipped, as systemd does.
    if (comment || (content === null && trimmed === '')) continue;
    const continued = trimmed.endsWith('\\');
    const body = continued ? `${trimmed.slice(0, -1)} ` : trimmed;
    if (content === null) {
      start = i + 1;
      content = body;
    } else content += body;
    if (!continued) {
      out.push({ line: start, content: content.trim() });
      content = null;
    }
  }
  if (content !== null) out.push({ line: start, content: content.trim() });
  return out;
}

type Parsed = DirectiveBody | string;

/** parse_boolean() of systemd. */
export function parseBoolean(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(s)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(s)) return false;
  return undefined;
}

const words = (v: string): string[] => v.split(/\s+/).filter((w) => w !== '');

function parseValue(key: DirectiveKey, value: string, options: DropInParseOptions): Parsed {
  if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
    const b = parseBoolean(value);
    return b === undefined
      ? 'not a boolean (yes/no, true/false, on/off, 1/0)'
      : { key: key as BooleanKey, value: b };
  }
  switch (key) {
    case 'ProtectSystem':
    case 'ProtectHome': {
      const b = parseBoolean(value);
      if (b !== undefined) return { key, value: b ? 'yes' : 'no' } as Parsed;
      return enumValue(key, value);
    }
    case 'KeyringMode':
    case 'ProtectProc':
    case 'ProcSubset':
    case 'NotifyAccess':
    case 'DevicePolicy':
      return enumValue(key, value);
    case 'User':
      if (value === '') return { key, value: null };
      return /^[^\s/:]+$/.test(value) ? { key, value } : 'not a user name or UID';
    case 'UMask':
      return /^[0-7]{1,4}$/.test(value)
        ? { key, value: Number.parseInt(value, 8) }
        : 'not an octal mode such as 0077';
    case 'Delegate': {
      if (value === '') return { key, value: true };
      const b = parseBoolean(value);
      if (b !== undefined) return { key, value: b };
      // A list of controllers turns delegation on.
      return /^[a-z0-9_ ]+$/.test(value)
        ? { key, value: true }
        : 'not a boolean or a list of cgroup controllers';
    }
    case 'SupplementaryGroups':
    case 'MountImages':
      return { key, value: words(value) };
    case 'RootDirectory':
    case 'RootImage':
      if (value === '') return { key, value: null };
      return value.startsWith('/') ? { key, value } : 'not an absolute path';
    case 'CapabilityBoundingSet':
    case 'AmbientCapabilities': {
      const invert = value.startsWith('~');
      const caps: number[] = [];
      for (const w of words(invert ? value.slice(1) : value)) {
        const n = capabilityNumber(w);
        if (n === undefined) return `unknown capability ${w}`;
        caps.push(n);
      }
      return { key, invert, caps };
    }
    case 'RestrictNamespaces': {
      if (value === '') return { key, value: 'reset' };
      const b = parseBoolean(value);
      if (b !== undefined) return { key, value: b };
      const invert = value.startsWith('~');
      const kinds = words(invert ? value.slice(1) : value);
      const bad = kinds.find((k) => !(NAMESPACE_KINDS as readonly string[]).includes(k));
      if (bad !== undefined || kinds.length === 0)
        return `unknown namespace type ${bad ?? '(none)'} (${NAMESPACE_KINDS.join(', ')})`;
      return { key, value: { invert, kinds: kinds as NamespaceKind[] } };
    }
    case 'RestrictAddressFamilies': {
      if (value === '') return { key, value: 'reset' };
      if (value === 'none') return { key, value: 'none' };
      const invert = value.startsWith('~');
      const families = words(invert ? value.slice(1) : value).map((f) => FAMILY_ALIASES[f] ?? f);
      const bad = families.find((f) => !ADDRESS_FAMILIES.has(f));
      if (bad !== undefined) return `unknown address family ${bad}`;
      return { key, value: { invert, families } };
    }
    case 'SystemCallArchitectures': {
      const archs = words(value);
      const bad = archs.find((a) => !/^[a-z0-9_-]+$/.test(a));
      return bad === undefined ? { key, archs } : `not an architecture name: ${bad}`;
    }
    case 'SystemCallFilter': {
      if (value === '') return { key, reset: true, invert: false, names: [] };
      const invert = value.startsWith('~');
      const names: string[] = [];
      for (const w of words(invert ? value.slice(1) : value)) {
        const name = w.replace(/:[A-Za-z0-9_]+$/, ''); // `name:EPERM`: the errno does not matter here
        if (!/^@?[a-z0-9_-]+$/.test(name)) return `not a system call or @group: ${w}`;
        if (options.syscallNames && !options.syscallNames(name))
          return `${name} is not a system call or group this systemd knows`;
        names.push(name);
      }
      return { key, reset: false, invert, names };
    }
    case 'IPAddressDeny':
    case 'IPAddressAllow': {
      const prefixes: IpPrefix[] = [];
      for (const w of words(value)) {
        const p = parseIpWord(w);
        if (typeof p === 'string') return p;
        prefixes.push(...p);
      }
      return { key, prefixes };
    }
    case 'IPIngressFilterPath':
    case 'IPEgressFilterPath':
      if (value === '') return { key, path: null };
      return value.startsWith('/') ? { key, path: value } : 'not an absolute path';
    case 'DeviceAllow': {
      if (value === '') return { key, entry: null };
      const [path = '', perms = 'rwm', ...rest] = words(value);
      if (rest.length > 0) return 'expected "DEVICE [rwm]"';
      if (!/^(\/dev\/|\/run\/systemd\/inaccessible\/|char-|block-)/.test(path))
        return `not a device node, char-CLASS or block-CLASS: ${path}`;
      if (!/^[rwm]{1,3}$/.test(perms)) return `access must be a combination of r, w and m: ${perms}`;
      return { key, entry: `${path} ${perms}` };
    }
    default:
      return `unhandled key ${key}`;
  }
}

function enumValue(key: EnumKey, value: string): Parsed {
  const allowed: readonly string[] = ENUMS[key];
  return allowed.includes(value) ? ({ key, value } as Parsed) : `expected one of ${allowed.join(', ')}`;
}

/** `any`, `localhost`, `link-local`, `multicast`, or an address with an optional /prefix. */
function parseIpWord(w: string): IpPrefix[] | string {
  const v4 = (a: number[], len: number): IpPrefix => ({ family: 4, bytes: a, prefixLength: len });
  const v6 = (a: number[], len: number): IpPrefix => ({ family: 6, bytes: a, prefixLength: len });
  const zero6 = new Array<number>(16).fill(0);
  switch (w) {
    case 'any':
      return [v4([0, 0, 0, 0], 0), v6(zero6, 0)];
    case 'localhost':
      return [v4([127, 0, 0, 0], 8), v6([...zero6.slice(0, 15), 1], 128)];
    case 'link-local':
      return [v4([169, 254, 0, 0], 16), v6([0xfe, 0x80, ...zero6.slice(2)], 64)];
    case 'multicast':
      return [v4([224, 0, 0, 0], 4), v6([0xff, ...zero6.slice(1)], 8)];
  }
  const [addr = '', len, ...extra] = w.split('/');
  if (extra.length > 0) return `not an IP address prefix: ${w}`;
  const four = parseIPv4(addr);
  const bytes = four ?? parseIPv6(addr);
  if (!bytes) return `not an IP address prefix: ${w}`;
  const max = four ? 32 : 128;
  const prefixLength = len === undefined ? max : /^[0-9]{1,3}$/.test(len) ? Number(len) : Number.NaN;
  if (!(prefixLength >= 0 && prefixLength <= max)) return `bad prefix length in ${w}`;
  return [four ? v4(bytes, prefixLength) : v6(bytes, prefixLength)];
}

function parseIPv4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function parseIPv6(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const four = parseIPv4(g);
        if (!four) return null;
        out.push(
          (four[0] as number) * 256 + (four[1] as number),
          (four[2] as number) * 256 + (four[3] as number),
        );
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(Number.parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

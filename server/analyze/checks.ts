// Stable check ids. The JSON output (v250+) names every assessor by its `json_field`; text output
// only prints the name, so the same id is looked up here from the name. Names changed across
// versions (systemd-analyze.md §2.4, §6.5), hence the aliases. An unknown name (a newer systemd,
// a policy-renamed row, a truncated cell) still gets a deterministic id, never an exception.

export interface Assessor {
  /** As printed in the NAME column by systemd ≥ 250. */
  name: string;
  /** The canonical check id: systemd's json_field, with the stray `)` of row 34 removed. */
  id: string;
  /** Built-in weight and range (252 / v253–255 table, §2.1). The host's own values win when printed. */
  weight: number;
  range: number;
}

const row = (name: string, id: string, weight: number, range: number): Assessor => ({
  name,
  id,
  weight,
  range,
});
const cap = (suffix: string, id: string, weight: number): Assessor =>
  row(`CapabilityBoundingSet=~${suffix}`, `CapabilityBoundingSet_${id}`, weight, 1);
const ns = (kind: string, weight: number): Assessor =>
  row(`RestrictNamespaces=~${kind}`, `RestrictNamespaces_${kind}`, weight, 1);
const scf = (group: string, weight: number): Assessor =>
  row(`SystemCallFilter=~@${group}`, `SystemCallFilter_${group.replace('-', '_')}`, weight, 10);

/** The 81 assessors of systemd-analyze.md §2.1, in source-definition order. */
export const ASSESSORS: readonly Assessor[] = [
  row('User=/DynamicUser=', 'UserOrDynamicUser', 2000, 10),
  row('SupplementaryGroups=', 'SupplementaryGroups', 200, 1),
  row('PrivateDevices=', 'PrivateDevices', 1000, 1),
  row('PrivateMounts=', 'PrivateMounts', 1000, 1),
  row('PrivateNetwork=', 'PrivateNetwork', 2500, 1),
  row('PrivateTmp=', 'PrivateTmp', 1000, 1),
  row('PrivateUsers=', 'PrivateUsers', 1000, 1),
  row('ProtectControlGroups=', 'ProtectControlGroups', 1000, 1),
  row('ProtectKernelModules=', 'ProtectKernelModules', 1000, 1),
  row('ProtectKernelTunables=', 'ProtectKernelTunables', 1000, 1),
  row('ProtectKernelLogs=', 'ProtectKernelLogs', 1000, 1),
  row('ProtectClock=', 'ProtectClock', 1000, 1),
  row('ProtectHome=', 'ProtectHome', 1000, 10),
  row('ProtectHostname=', 'ProtectHostname', 50, 1),
  row('ProtectSystem=', 'ProtectSystem', 1000, 10),
  row('RootDirectory=/RootImage=', 'RootDirectoryOrRootImage', 200, 1),
  row('LockPersonality=', 'LockPersonality', 100, 1),
  row('MemoryDenyWriteExecute=', 'MemoryDenyWriteExecute', 100, 1),
  row('NoNewPrivileges=', 'NoNewPrivileges', 1000, 1),
  cap('CAP_SYS_ADMIN', 'CAP_SYS_ADMIN', 1500),
  cap('CAP_SET(UID|GID|PCAP)', 'CAP_SET_UID_GID_PCAP', 1500),
  cap('CAP_SYS_PTRACE', 'CAP_SYS_PTRACE', 1500),
  cap('CAP_SYS_TIME', 'CAP_SYS_TIME', 1000),
  cap('CAP_NET_ADMIN', 'CAP_NET_ADMIN', 1000),
  cap('CAP_SYS_RAWIO', 'CAP_SYS_RAWIO', 1000),
  cap('CAP_SYS_MODULE', 'CAP_SYS_MODULE', 1000),
  cap('CAP_AUDIT_*', 'CAP_AUDIT', 500),
  cap('CAP_SYSLOG', 'CAP_SYSLOG', 500),
  cap('CAP_SYS_(NICE|RESOURCE)', 'CAP_SYS_NICE_RESOURCE', 500),
  cap('CAP_MKNOD', 'CAP_MKNOD', 500),
  cap('CAP_(CHOWN|FSETID|SETFCAP)', 'CAP_CHOWN_FSETID_SETFCAP', 1000),
  cap('CAP_(DAC_*|FOWNER|IPC_OWNER)', 'CAP_DAC_FOWNER_IPC_OWNER', 1000),
  cap('CAP_KILL', 'CAP_KILL', 500),
  cap('CAP_NET_(BIND_SERVICE|BROADCAST|RAW)', 'CAP_NET_BIND_SERVICE_BROADCAST_RAW', 500),
  cap('CAP_SYS_BOOT', 'CAP_SYS_BOOT', 100),
  cap('CAP_MAC_*', 'CAP_MAC', 100),
  cap('CAP_LINUX_IMMUTABLE', 'CAP_LINUX_IMMUTABLE', 75),
  cap('CAP_IPC_LOCK', 'CAP_IPC_LOCK', 50),
  cap('CAP_SYS_CHROOT', 'CAP_SYS_CHROOT', 50),
  cap('CAP_BLOCK_SUSPEND', 'CAP_BLOCK_SUSPEND', 25),
  cap('CAP_WAKE_ALARM', 'CAP_WAKE_ALARM', 25),
  cap('CAP_LEASE', 'CAP_LEASE', 25),
  cap('CAP_SYS_TTY_CONFIG', 'CAP_SYS_TTY_CONFIG', 25),
  cap('CAP_SYS_PACCT', 'CAP_SYS_PACCT', 25),
  cap('CAP_BPF', 'CAP_BPF', 25),
  row('UMask=', 'UMask', 100, 10),
  row('KeyringMode=', 'KeyringMode', 1000, 1),
  row('ProtectProc=', 'ProtectProc', 1000, 3),
  row('ProcSubset=', 'ProcSubset', 10, 1),
  row('NotifyAccess=', 'NotifyAccess', 1000, 1),
  row('RemoveIPC=', 'RemoveIPC', 100, 1),
  row('Delegate=', 'Delegate', 100, 1),
  row('RestrictRealtime=', 'RestrictRealtime', 500, 1),
  row('RestrictSUIDSGID=', 'RestrictSUIDSGID', 1000, 1),
  ns('user', 1500),
  ns('mnt', 500),
  ns('ipc', 500),
  ns('pid', 500),
  ns('cgroup', 500),
  ns('net', 500),
  ns('uts', 100),
  row('RestrictAddressFamilies=~AF_(INET|INET6)', 'RestrictAddressFamilies_AF_INET_INET6', 1500, 1),
  row('RestrictAddressFamilies=~AF_UNIX', 'RestrictAddressFamilies_AF_UNIX', 25, 1),
  row('RestrictAddressFamilies=~AF_NETLINK', 'RestrictAddressFamilies_AF_NETLINK', 200, 1),
  row('RestrictAddressFamilies=~AF_PACKET', 'RestrictAddressFamilies_AF_PACKET', 1000, 1),
  row('RestrictAddressFamilies=~…', 'RestrictAddressFamilies_OTHER', 1250, 1),
  row('SystemCallArchitectures=', 'SystemCallArchitectures', 1000, 10),
  scf('swap', 1000),
  scf('obsolete', 250),
  scf('clock', 1000),
  scf('cpu-emulation', 250),
  scf('debug', 1000),
  scf('mount', 1000),
  scf('module', 1000),
  scf('raw-io', 1000),
  scf('reboot', 1000),
  scf('privileged', 700),
  scf('resources', 700),
  row('IPAddressDeny=', 'IPAddressDeny', 1000, 10),
  row('DeviceAllow=', 'DeviceAllow', 1000, 10),
  row('AmbientCapabilities=', 'AmbientCapabilities', 500, 1),
];

/** Names printed by other versions or renderings → the current name. */
const ALIASES: Readonly<Record<string, string>> = {
  // v240–v249 (§2.4): renamed by PR #20645 and the CAP_SYS_RAWIO fix.
  'CapabilityBoundingSet=~CAP_RAWIO': 'CapabilityBoundingSet=~CAP_SYS_RAWIO',
  'RestrictNamespaces=~CLONE_NEWUSER': 'RestrictNamespaces=~user',
  'RestrictNamespaces=~CLONE_NEWNS': 'RestrictNamespaces=~mnt',
  'RestrictNamespaces=~CLONE_NEWIPC': 'RestrictNamespaces=~ipc',
  'RestrictNamespaces=~CLONE_NEWPID': 'RestrictNamespaces=~pid',
  'RestrictNamespaces=~CLONE_NEWCGROUP': 'RestrictNamespaces=~cgroup',
  'RestrictNamespaces=~CLONE_NEWNET': 'RestrictNamespaces=~net',
  'RestrictNamespaces=~CLONE_NEWUTS': 'RestrictNamespaces=~uts',
  // The "…" is raw UTF-8 in every locale, but a copy through an ASCII-only tool may spell it out.
  'RestrictAddressFamilies=~...': 'RestrictAddressFamilies=~…',
};

const BY_NAME: ReadonlyMap<string, Assessor> = new Map(ASSESSORS.map((a) => [a.name, a]));
const BY_ID: ReadonlyMap<string, Assessor> = new Map(ASSESSORS.map((a) => [a.id, a]));

/** The catalogue entry for a printed name (current or old spelling), if known. */
export function assessorByName(name: string): Assessor | undefined {
  return BY_NAME.get(ALIASES[name] ?? name);
}

export function assessorById(id: string): Assessor | undefined {
  return BY_ID.get(id);
}

/** The check id for a name printed in text output. */
export function checkIdForName(name: string): string {
  return assessorByName(name)?.id ?? derivedCheckId(name);
}

/**
 * The check id for a JSON `json_field`. systemd's key for row 34 ends in a stray `)`
 * (`…BROADCAST_RAW)`, §6.4); an unbalanced trailing `)` is dropped so both spellings agree.
 */
export function checkIdForJsonField(field: string): string {
  if (field.endsWith(')') && !field.includes('(')) return field.slice(0, -1);
  return field;
}

/**
 * A deterministic id for a name not in the catalogue, following systemd's own convention
 * (`SystemCallFilter=~@cpu-emulation` → `SystemCallFilter_cpu_emulation`): runs of characters
 * other than ASCII letters and digits become one `_`, and leading/trailing `_` go.
 */
export function derivedCheckId(name: string): string {
  let id = '';
  let pendingSep = false;
  for (const ch of name) {
    if (/^[A-Za-z0-9]$/.test(ch)) {
      if (pendingSep && id !== '') id += '_';
      id += ch;
      pendingSep = false;
    } else {
      pendingSep = true;
    }
  }
  if (id !== '') return id;
  // Nothing alphanumeric (e.g. a lone "…"): spell the code points so distinct names stay distinct.
  return `x${Array.from(name, (ch) => (ch.codePointAt(0) ?? 0).toString(16)).join('_')}`;
}

// Linux capability numbers and the capability rows of `systemd-analyze security` (systemd-analyze.md
// §2.1 "Capability masks"): a row is bad while any capability of its mask is in the bounding set.

/** Capability names without the `CAP_` prefix, indexed by their kernel number (0 … 40). */
export const CAPABILITIES: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

const BY_NAME: ReadonlyMap<string, number> = new Map(CAPABILITIES.map((c, i) => [`CAP_${c}`, i]));

/** The number of `CAP_SYS_ADMIN`, `cap_sys_admin` (systemd accepts any case), or undefined. */
export function capabilityNumber(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export function capabilityName(n: number): string {
  return `CAP_${CAPABILITIES[n] ?? String(n)}`;
}

const cap = (name: string): number => {
  const n = BY_NAME.get(`CAP_${name}`);
  if (n === undefined) throw new Error(`unknown capability ${name}`);
  return n;
};

/** Check id → the capabilities of its mask. */
export const CAPABILITY_ROWS: ReadonlyMap<string, readonly number[]> = new Map(
  (
    [
      ['CAP_SYS_ADMIN', ['SYS_ADMIN']],
      ['CAP_SET_UID_GID_PCAP', ['SETUID', 'SETGID', 'SETPCAP']],
      ['CAP_SYS_PTRACE', ['SYS_PTRACE']],
      ['CAP_SYS_TIME', ['SYS_TIME']],
      ['CAP_NET_ADMIN', ['NET_ADMIN']],
      ['CAP_SYS_RAWIO', ['SYS_RAWIO']],
      ['CAP_SYS_MODULE', ['SYS_MODULE']],
      ['CAP_AUDIT', ['AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE']],
      ['CAP_SYSLOG', ['SYSLOG']],
      ['CAP_SYS_NICE_RESOURCE', ['SYS_NICE', 'SYS_RESOURCE']],
      ['CAP_MKNOD', ['MKNOD']],
      ['CAP_CHOWN_FSETID_SETFCAP', ['CHOWN', 'FSETID', 'SETFCAP']],
      ['CAP_DAC_FOWNER_IPC_OWNER', ['DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'IPC_OWNER']],
      ['CAP_KILL', ['KILL']],
      ['CAP_NET_BIND_SERVICE_BROADCAST_RAW', ['NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_RAW']],
      ['CAP_SYS_BOOT', ['SYS_BOOT']],
      ['CAP_MAC', ['MAC_ADMIN', 'MAC_OVERRIDE']],
      ['CAP_LINUX_IMMUTABLE', ['LINUX_IMMUTABLE']],
      ['CAP_IPC_LOCK', ['IPC_LOCK']],
      ['CAP_SYS_CHROOT', ['SYS_CHROOT']],
      ['CAP_BLOCK_SUSPEND', ['BLOCK_SUSPEND']],
      ['CAP_WAKE_ALARM', ['WAKE_ALARM']],
      ['CAP_LEASE', ['LEASE']],
      ['CAP_SYS_TTY_CONFIG', ['SYS_TTY_CONFIG']],
      ['CAP_SYS_PACCT', ['SYS_PACCT']],
      ['CAP_BPF', ['BPF']],
    ] as const
  ).map(([id, caps]) => [`CapabilityBoundingSet_${id}`, caps.map(cap)]),
);

/** Capabilities that unit loading removes from the bounding set (systemd-analyze.md §2.3 b). */
export const IMPLIED_DROPS = {
  PrivateDevices: [cap('MKNOD'), cap('SYS_RAWIO')],
  ProtectKernelModules: [cap('SYS_MODULE')],
  ProtectKernelLogs: [cap('SYSLOG')],
  ProtectClock: [cap('SYS_TIME'), cap('WAKE_ALARM')],
} as const;

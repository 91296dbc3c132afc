// Point 4 of the score model: a suggested override.conf for a unit, in the order the hardening
// loop goes (systemd-analyze.md §1.7; the seed articles): first the cheap, high-impact file-system,
// kernel, device and capability options, then system-call filtering, address families and the
// rest, last what changes the service's identity or network and needs checking against what it
// does. Each line says what it removes from the exposure and what it commonly breaks; each stage
// the score predicted after it.

import type { UnitAssessment } from '../model.js';
import { CAPABILITY_ROWS, capabilityName } from './capabilities.js';
import { type DropIn, parseDropIn } from './dropin.js';
import { type Basis, type PreparedUnit, predictRaw, prepareUnit, type WhatIfOptions } from './whatif.js';

export interface SuggestionLine {
  /** One line of override.conf, e.g. `ProtectSystem=strict`. */
  directive: string;
  /** What it commonly breaks, and how to relax it. */
  comment: string;
  /** Exposure points it removes (on the 0.0–10.0 scale, before rounding), given the lines before it. */
  removes: number;
}

export interface SuggestionStage {
  title: string;
  lines: SuggestionLine[];
  /** Predicted overall exposure after this stage and the ones before it (9.6 scale). */
  after: number;
  exact: boolean;
  reason: string | null;
}

export interface Suggestion {
  unit: string;
  before: number;
  stages: SuggestionStage[];
  /** Rows still bad after every stage (not suggested: a root image, a device list, #32513…). */
  remaining: { id: string; name: string; badness: number }[];
  /** What the unit's settings were read from (its files, or back from its checks). */
  basis: Basis;
  basisNote: string | null;
  /** The whole override.conf, commented. */
  text: string;
}

interface Candidate {
  lines: string[];
  comment: string;
}

type Stage = { title: string; candidates: (u: PreparedUnit) => (Candidate | null)[] };

const bad = (u: PreparedUnit, id: string): boolean => {
  const r = u.rows.get(id);
  return r !== undefined && !r.excluded && r.badness !== null && r.badness > 0;
};
const when = (cond: boolean, lines: string[], comment: string): Candidate | null =>
  cond ? { lines, comment } : null;

/** Capabilities services seldom need, and those that daemons starting as root commonly do. */
const RARE_CAP_ROWS = [
  'CAP_SYS_ADMIN',
  'CAP_SYS_PTRACE',
  'CAP_SYS_TIME',
  'CAP_NET_ADMIN',
  'CAP_SYS_RAWIO',
  'CAP_SYS_MODULE',
  'CAP_AUDIT',
  'CAP_SYSLOG',
  'CAP_SYS_NICE_RESOURCE',
  'CAP_MKNOD',
  'CAP_SYS_BOOT',
  'CAP_MAC',
  'CAP_LINUX_IMMUTABLE',
  'CAP_IPC_LOCK',
  'CAP_SYS_CHROOT',
  'CAP_BLOCK_SUSPEND',
  'CAP_WAKE_ALARM',
  'CAP_LEASE',
  'CAP_SYS_TTY_CONFIG',
  'CAP_SYS_PACCT',
  'CAP_BPF',
].map((c) => `CapabilityBoundingSet_${c}`);
const COMMON_CAP_ROWS = [
  'CAP_SET_UID_GID_PCAP',
  'CAP_CHOWN_FSETID_SETFCAP',
  'CAP_DAC_FOWNER_IPC_OWNER',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE_BROADCAST_RAW',
].map((c) => `CapabilityBoundingSet_${c}`);

function capsOf(u: PreparedUnit, rows: string[]): string[] {
  return rows.filter((id) => bad(u, id)).flatMap((id) => (CAPABILITY_ROWS.get(id) ?? []).map(capabilityName));
}

/** The service runs as a non-root user without ambient capabilities. */
function unprivilegedUser(u: PreparedUnit): boolean {
  const user = u.rows.get('UserOrDynamicUser');
  return user !== undefined && user.badness === 0 && !bad(u, 'AmbientCapabilities');
}

const STAGES: Stage[] = [
  {
    title: 'File system, kernel, devices and capabilities (cheap, high impact)',
    candidates: (u) => [
      when(
        bad(u, 'ProtectSystem'),
        ['ProtectSystem=strict'],
        'the OS tree becomes read-only: breaks writes under /etc, /var or /usr unless listed in ReadWritePaths= (or use StateDirectory=, LogsDirectory=)',
      ),
      when(
        bad(u, 'ProtectHome'),
        ['ProtectHome=yes'],
        'hides /home, /root and /run/user: breaks services that read or write there (ProtectHome=read-only or tmpfs are gentler)',
      ),
      when(
        bad(u, 'PrivateTmp'),
        ['PrivateTmp=yes'],
        'own /tmp and /var/tmp: breaks sharing files there with other processes',
      ),
      when(
        bad(u, 'PrivateDevices'),
        ['PrivateDevices=yes'],
        'no hardware devices in /dev: breaks device access (GPUs, serial ports, USB, /dev/kvm, raw disks)',
      ),
      when(
        bad(u, 'ProtectKernelTunables'),
        ['ProtectKernelTunables=yes'],
        'read-only /proc/sys and /sys: breaks services that tune the kernel (sysctl, some VPN and network daemons)',
      ),
      when(
        bad(u, 'ProtectKernelModules'),
        ['ProtectKernelModules=yes'],
        'breaks services that load kernel modules on demand',
      ),
      when(
        bad(u, 'ProtectKernelLogs'),
        ['ProtectKernelLogs=yes'],
        'breaks reading the kernel log (dmesg, /dev/kmsg)',
      ),
      when(
        bad(u, 'ProtectControlGroups'),
        ['ProtectControlGroups=yes'],
        'read-only cgroup tree: breaks container managers and services that manage cgroups',
      ),
      when(
        bad(u, 'ProtectClock'),
        ['ProtectClock=yes'],
        'breaks NTP daemons and anything that sets the clock; with a closed device policy it adds DeviceAllow=char-rtc r, which costs DeviceAllow= points (systemd #32513)',
      ),
      when(bad(u, 'ProtectHostname'), ['ProtectHostname=yes'], 'breaks services that set the host name'),
      when(
        bad(u, 'PrivateMounts'),
        ['PrivateMounts=yes'],
        'breaks services that mount file systems for the rest of the system',
      ),
      when(
        bad(u, 'ProtectProc'),
        ['ProtectProc=invisible'],
        "hides other users' processes in /proc: breaks monitoring agents and process-based health checks",
      ),
      when(
        bad(u, 'NoNewPrivileges'),
        ['NoNewPrivileges=yes'],
        'set-uid binaries stop working: breaks services that run sudo, su or set-uid helpers (some mail delivery)',
      ),
      when(
        bad(u, 'RestrictSUIDSGID'),
        ['RestrictSUIDSGID=yes'],
        'breaks services that create set-uid/set-gid files (package managers)',
      ),
      when(
        bad(u, 'AmbientCapabilities'),
        ['AmbientCapabilities='],
        'a non-root service loses the capabilities it was given: breaks binding ports < 1024 without root, among others',
      ),
      unprivilegedUser(u)
        ? when(
            capsOf(u, [...RARE_CAP_ROWS, ...COMMON_CAP_ROWS]).length > 0,
            ['CapabilityBoundingSet='],
            'a non-root service without ambient capabilities needs none: breaks only set-uid or file-capability binaries it runs',
          )
        : when(
            capsOf(u, RARE_CAP_ROWS).length > 0,
            [`CapabilityBoundingSet=~${capsOf(u, RARE_CAP_ROWS).join(' ')}`],
            'capabilities services seldom need: breaks network configuration (CAP_NET_ADMIN), chroot()ing daemons (CAP_SYS_CHROOT), debuggers (CAP_SYS_PTRACE); remove those it needs from the list',
          ),
    ],
  },
  {
    title: 'System calls, address families and the rest',
    candidates: (u) => {
      const sc = u.model.syscalls.mode;
      const badGroups = [...u.rows.keys()]
        .filter((id) => id.startsWith('SystemCallFilter_') && bad(u, id))
        .map((id) => `@${id.slice('SystemCallFilter_'.length).replace('_', '-')}`);
      return [
        when(
          bad(u, 'SystemCallArchitectures'),
          ['SystemCallArchitectures=native'],
          'breaks 32-bit binaries on a 64-bit host',
        ),
        when(
          sc === 'none' && badGroups.length > 0,
          ['SystemCallFilter=@system-service'],
          'only the calls ordinary services use: breaks services that mount, load modules, set the clock, reboot, swap or debug',
        ),
        when(
          badGroups.length > 0,
          [`SystemCallFilter=~${sc === 'none' ? '@privileged @resources' : badGroups.join(' ')}`],
          '@privileged holds setuid()/setgid()/chown(): breaks daemons that start as root and drop privileges (re-allow those calls, e.g. SystemCallFilter=setuid setgid setgroups chown); @resources breaks renicing and CPU pinning',
        ),
        addressFamilies(u),
        when(
          ['user', 'mnt', 'ipc', 'pid', 'cgroup', 'net', 'uts'].some((k) =>
            bad(u, `RestrictNamespaces_${k}`),
          ),
          ['RestrictNamespaces=yes'],
          'breaks container runtimes, browsers and build tools that sandbox with namespaces',
        ),
        when(
          bad(u, 'RestrictRealtime'),
          ['RestrictRealtime=yes'],
          'breaks real-time audio (PipeWire, JACK) and anything else that needs real-time scheduling',
        ),
        when(
          bad(u, 'MemoryDenyWriteExecute'),
          ['MemoryDenyWriteExecute=yes'],
          'breaks JIT runtimes: Java, Node.js, .NET, PHP and PCRE with JIT, LuaJIT',
        ),
        when(
          bad(u, 'LockPersonality'),
          ['LockPersonality=yes'],
          'breaks only programs that switch execution domain',
        ),
        when(
          bad(u, 'DeviceAllow') && !bad(u, 'PrivateDevices'),
          ['DevicePolicy=closed'],
          'only the devices listed in DeviceAllow= (and /dev/null, /dev/zero, …): breaks access to any other device node',
        ),
        when(
          bad(u, 'UMask') && (u.rows.get('UMask')?.badness ?? 0) >= 5,
          ['UMask=0027'],
          'new files no longer world-readable: breaks files other users must read (web roots, shared sockets)',
        ),
        when(
          bad(u, 'KeyringMode'),
          ['KeyringMode=private'],
          'breaks sharing kernel keyring keys with other services',
        ),
        when(
          bad(u, 'NotifyAccess'),
          ['NotifyAccess=main'],
          'breaks services whose helper processes send sd_notify() messages',
        ),
        when(
          bad(u, 'Delegate'),
          ['Delegate=no'],
          'breaks container managers and services that manage their own cgroup subtree',
        ),
        when(
          bad(u, 'ProcSubset'),
          ['ProcSubset=pid'],
          'hides /proc/cpuinfo, /proc/meminfo, /proc/net…: breaks monitoring agents and runtimes that size themselves from /proc',
        ),
        when(
          bad(u, 'RemoveIPC'),
          ['RemoveIPC=yes'],
          "removes the user's SysV/POSIX IPC objects when it stops",
        ),
        when(
          bad(u, 'SupplementaryGroups'),
          ['SupplementaryGroups='],
          'breaks file access granted through those groups',
        ),
      ];
    },
  },
  {
    title: 'Identity and network (check against what the service does)',
    candidates: (u) => [
      when(
        bad(u, 'UserOrDynamicUser'),
        ['DynamicUser=yes'],
        'a transient user: breaks services that need a fixed user or root, or own files outside StateDirectory=/CacheDirectory=/LogsDirectory=',
      ),
      unprivilegedUser(u)
        ? null
        : when(
            capsOf(u, COMMON_CAP_ROWS).length > 0,
            [`CapabilityBoundingSet=~${capsOf(u, COMMON_CAP_ROWS).join(' ')}`],
            'what daemons that start as root commonly need: breaks binding ports < 1024, dropping to another user, reading files of other users',
          ),
      when(
        bad(u, 'PrivateNetwork'),
        ['PrivateNetwork=yes'],
        'loopback only: for services that need no network at all (socket activation still works)',
      ),
      when(
        bad(u, 'IPAddressDeny'),
        ['IPAddressDeny=any'],
        'blocks all IP traffic: add IPAddressAllow= for what it talks to (IPAddressAllow=localhost for local-only services)',
      ),
      when(
        bad(u, 'PrivateUsers'),
        ['PrivateUsers=yes'],
        'breaks services that need the real UIDs/GIDs of files or act on other users’ files',
      ),
    ],
  },
];

function addressFamilies(u: PreparedUnit): Candidate | null {
  const cats: [string, string][] = [
    ['RestrictAddressFamilies_AF_NETLINK', 'AF_NETLINK'],
    ['RestrictAddressFamilies_AF_PACKET', 'AF_PACKET'],
  ];
  const all = [...cats.map(([id]) => id), 'RestrictAddressFamilies_OTHER', 'RestrictAddressFamilies_AF_UNIX'];
  if (!all.some((id) => bad(u, id))) return null;
  const unset = ['RestrictAddressFamilies_AF_INET_INET6', ...all].every((id) => bad(u, id));
  if (unset)
    return {
      lines: ['RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6'],
      comment:
        'breaks services that use netlink (network configuration, udev events), packet sockets (DHCP, tcpdump) or Bluetooth',
    };
  const deny = cats.filter(([id]) => bad(u, id)).map(([, f]) => f);
  if (deny.length === 0) return null;
  return {
    lines: [`RestrictAddressFamilies=~${deny.join(' ')}`],
    comment:
      'breaks network configuration and udev events (AF_NETLINK), DHCP clients and packet capture (AF_PACKET)',
  };
}

export function suggestDropIn(a: UnitAssessment, options: WhatIfOptions = {}): Suggestion {
  const u = prepareUnit(a, options);
  const chosen: string[] = [];
  const dropIn = (lines: string[]): DropIn => parseDropIn(`[Service]\n${lines.join('\n')}\n`);
  let current = predictRaw(u, dropIn([]));
  const stages: SuggestionStage[] = [];
  for (const stage of STAGES) {
    const candidates = stage.candidates(u).filter((c): c is Candidate => c !== null);
    const lines: SuggestionLine[] = [];
    // Ordered by what each line removes on its own (given the stages before), then taken in that
    // order with what it still removes given the lines before it; lines that remove nothing go.
    const alone = candidates.map((c) => ({ c, raw: predictRaw(u, dropIn([...chosen, ...c.lines])).raw }));
    alone.sort((x, y) => x.raw - y.raw);
    for (const { c } of alone) {
      const p = predictRaw(u, dropIn([...chosen, ...c.lines]));
      const removes = (current.raw - p.raw) / 10;
      if (removes <= 1e-9) continue;
      chosen.push(...c.lines);
      for (const directive of c.lines)
        lines.push({ directive, comment: c.comment, removes: Math.round(removes * 1000) / 1000 });
      current = p;
    }
    if (lines.length === 0) continue;
    stages.push({
      title: stage.title,
      lines,
      after: current.after,
      exact: current.exact,
      reason: current.reason,
    });
  }
  const still = new Map(current.changes.map((c) => [c.id, c.to]));
  const remaining = [...u.rows.values()]
    .map((r) => ({
      id: r.check.id,
      name: r.check.name,
      badness: still.has(r.check.id) ? still.get(r.check.id) : r.badness,
    }))
    .filter(
      (r): r is { id: string; name: string; badness: number } =>
        typeof r.badness === 'number' && r.badness > 0,
    );
  return {
    unit: a.unit,
    before: current.before,
    stages,
    remaining,
    basis: u.basis,
    basisNote: u.basisNote,
    text: render(a.unit, current.before, stages, remaining),
  };
}

function render(
  unit: string,
  before: number,
  stages: SuggestionStage[],
  remaining: Suggestion['remaining'],
): string {
  const out = [
    `# override.conf suggested by unitscore for ${unit} (exposure now ${before.toFixed(1)}).`,
    `# Install with \`systemctl edit ${unit}\`, restart, check the service, scan again;`,
    '# relax what breaks, and write down why next to the line.',
  ];
  const left =
    remaining.length === 0 ? [] : [`# Still exposed afterwards: ${remaining.map((r) => r.name).join(' ')}`];
  if (stages.length === 0) {
    out.push('# Nothing to add that this model knows would lower the score.', ...left);
    return `${out.join('\n')}\n`;
  }
  out.push('[Service]');
  stages.forEach((s, i) => {
    const note = s.exact ? '' : ` (not exact: ${s.reason})`;
    out.push('', `# Stage ${i + 1}: ${s.title}. Predicted exposure after it: ${s.after.toFixed(1)}${note}`);
    for (const l of s.lines) {
      out.push(`# ${l.removes >= 0.005 ? `-${l.removes.toFixed(2)}` : '-<0.01'}: ${l.comment}`);
      out.push(l.directive);
    }
  });
  if (left.length > 0) out.push('', ...left);
  return `${out.join('\n')}\n`;
}

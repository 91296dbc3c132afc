// Point 3 of issue 4: the score model checked against the real thing. Every unit file of
// /lib/systemd/system is assessed by `systemd-analyze security --offline=true --root=DIR` without
// a drop-in (the baseline the model predicts from), then with each single directive of the
// catalogue as a drop-in, then with seeded random multi-directive drop-ins; each prediction must
// equal what the tool prints (to its 0.1), or have been flagged `exact: false` beforehand.
// (TESTING.md §1: systemd-analyze 252 is on every machine of this project; no running systemd.)

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { analyzeOutput } from '../../server/analyze/analyze-report.js';
import type { UnitAssessment } from '../../server/analyze/model.js';
import { recompute, whatIf } from '../../server/analyze/score/index.js';
import { SYSCALL_GROUPS_252 } from '../../server/analyze/score/syscalls-252.js';
import { catUnit } from '../support/unit-files.js';

const UNIT_DIR = '/usr/lib/systemd/system';
const ENV = {
  PATH: '/usr/bin:/bin',
  LC_ALL: 'C.UTF-8',
  SYSTEMD_COLORS: '0',
  TERM: 'dumb',
  SYSTEMD_ANALYZE_DEBUG: '1',
};
const DROP_IN = 'override.conf';

function systemdAnalyze(args: string[]): string {
  const r = spawnSync('systemd-analyze', args, { env: ENV, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== null && r.status > 1)
    throw new Error(`systemd-analyze ${args[0]} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A tree with the distribution's unit files, where drop-ins can be written per run. */
class OracleRoot {
  readonly dir = mkdtempSync(join(tmpdir(), 'unitscore-oracle-'));
  constructor() {
    mkdirSync(join(this.dir, 'usr/lib/systemd'), { recursive: true });
    cpSync(UNIT_DIR, join(this.dir, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    symlinkSync('usr/lib', join(this.dir, 'lib'));
  }

  /** Assesses the units, each with its drop-in (none when absent), in one call. */
  assess(
    units: readonly string[],
    dropIns: ReadonlyMap<string, string> = new Map(),
  ): Map<string, UnitAssessment> {
    const etc = join(this.dir, 'etc/systemd/system');
    rmSync(etc, { recursive: true, force: true });
    mkdirSync(etc, { recursive: true });
    for (const [unit, text] of dropIns) {
      mkdirSync(join(etc, `${unit}.d`), { recursive: true });
      writeFileSync(join(etc, `${unit}.d`, DROP_IN), text);
    }
    const out = systemdAnalyze(['security', '--offline=true', `--root=${this.dir}`, '--no-pager', ...units]);
    const analysis = analyzeOutput(out);
    assert.deepEqual(analysis.problems, [], 'the tool output parses cleanly');
    // Offline, a template is assessed as its instance "i" (systemd-analyze.md §6.19).
    return new Map(analysis.units.map((u) => [u.unit.replace(/@i\.service$/, '@.service'), u]));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The boolean sandboxing directives, each hardening one assessor when yes. */
const SANDBOX_BOOLEANS = [
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
  'RemoveIPC',
  'RestrictRealtime',
  'RestrictSUIDSGID',
];

/** The catalogue: for every assessor, the directive(s) that harden it. */
const SINGLE_DIRECTIVES: string[] = [
  'DynamicUser=yes',
  'User=unitscore',
  'User=nobody',
  'SupplementaryGroups=',
  ...SANDBOX_BOOLEANS.map((k) => `${k}=yes`),
  'ProtectHome=yes',
  'ProtectHome=read-only',
  'ProtectHome=tmpfs',
  'ProtectSystem=strict',
  'ProtectSystem=full',
  'ProtectSystem=yes',
  'RootDirectory=/srv',
  'RootImage=/srv/image.raw',
  'UMask=0077',
  'KeyringMode=private',
  'ProtectProc=invisible',
  'ProcSubset=pid',
  'NotifyAccess=none',
  'Delegate=no',
  'AmbientCapabilities=',
  'CapabilityBoundingSet=',
  ...[
    'CAP_SYS_ADMIN',
    'CAP_SETUID CAP_SETGID CAP_SETPCAP',
    'CAP_SYS_PTRACE',
    'CAP_SYS_TIME',
    'CAP_NET_ADMIN',
    'CAP_SYS_RAWIO',
    'CAP_SYS_MODULE',
    'CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE',
    'CAP_SYSLOG',
    'CAP_SYS_NICE CAP_SYS_RESOURCE',
    'CAP_MKNOD',
    'CAP_CHOWN CAP_FSETID CAP_SETFCAP',
    'CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_IPC_OWNER',
    'CAP_KILL',
    'CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW',
    'CAP_SYS_BOOT',
    'CAP_MAC_ADMIN CAP_MAC_OVERRIDE',
    'CAP_LINUX_IMMUTABLE',
    'CAP_IPC_LOCK',
    'CAP_SYS_CHROOT',
    'CAP_BLOCK_SUSPEND',
    'CAP_WAKE_ALARM',
    'CAP_LEASE',
    'CAP_SYS_TTY_CONFIG',
    'CAP_SYS_PACCT',
    'CAP_BPF',
  ].map((c) => `CapabilityBoundingSet=~${c}`),
  'RestrictNamespaces=yes',
  ...['user', 'mnt', 'ipc', 'pid', 'cgroup', 'net', 'uts'].map((k) => `RestrictNamespaces=~${k}`),
  'RestrictAddressFamilies=AF_UNIX',
  'RestrictAddressFamilies=none',
  ...['AF_INET AF_INET6', 'AF_UNIX', 'AF_NETLINK', 'AF_PACKET', 'AF_BLUETOOTH'].map(
    (f) => `RestrictAddressFamilies=~${f}`,
  ),
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  ...[
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
  ].map((g) => `SystemCallFilter=~@${g}`),
  'IPAddressDeny=any',
  'DevicePolicy=closed',
];

// ---------------------------------------------------------------------------------------------
// Seeded random drop-ins

/** mulberry32: small, seedable, good enough to spread drop-ins. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomDropIns(seed: number): () => string {
  const rnd = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const some = <T>(a: readonly T[], lo: number, hi: number): T[] => {
    const pool = [...a];
    const n = lo + Math.floor(rnd() * (hi - lo + 1));
    const out: T[] = [];
    while (out.length < n && pool.length > 0)
      out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0] as T);
    return out;
  };
  const tilde = (p: number) => (rnd() < p ? '~' : '');
  // The same list in the order the seeded sequence was made with.
  const bools = [...SANDBOX_BOOLEANS.filter((k) => k !== 'RemoveIPC'), 'RemoveIPC', 'DynamicUser'];
  const caps = [
    'CAP_SYS_ADMIN',
    'CAP_SETUID',
    'CAP_SETGID',
    'CAP_SETPCAP',
    'CAP_SYS_PTRACE',
    'CAP_SYS_TIME',
    'CAP_NET_ADMIN',
    'CAP_SYS_RAWIO',
    'CAP_SYS_MODULE',
    'CAP_AUDIT_WRITE',
    'CAP_AUDIT_CONTROL',
    'CAP_SYSLOG',
    'CAP_SYS_NICE',
    'CAP_MKNOD',
    'CAP_CHOWN',
    'CAP_DAC_OVERRIDE',
    'CAP_DAC_READ_SEARCH',
    'CAP_FOWNER',
    'CAP_KILL',
    'CAP_NET_BIND_SERVICE',
    'CAP_NET_RAW',
    'CAP_SYS_BOOT',
    'CAP_MAC_ADMIN',
    'CAP_LINUX_IMMUTABLE',
    'CAP_IPC_LOCK',
    'CAP_SYS_CHROOT',
    'CAP_WAKE_ALARM',
    'CAP_BPF',
  ];
  const families = [
    'AF_UNIX',
    'AF_INET',
    'AF_INET6',
    'AF_NETLINK',
    'AF_PACKET',
    'AF_BLUETOOTH',
    'AF_VSOCK',
    'AF_CAN',
  ];
  const groups = [
    '@swap',
    '@obsolete',
    '@clock',
    '@cpu-emulation',
    '@debug',
    '@mount',
    '@module',
    '@raw-io',
    '@reboot',
    '@privileged',
    '@resources',
    '@system-service',
    '@default',
    '@file-system',
    '@chown',
    '@setuid',
  ];
  const calls = [
    'chown',
    'mount',
    'reboot',
    'ioperm',
    'swapon',
    'ptrace',
    'settimeofday',
    'init_module',
    'setuid',
    'ioprio_set',
    'chroot',
    'bpf',
    'uselib',
    'modify_ldt',
  ];
  const gens: [number, () => string][] = [
    [6, () => `${pick(bools)}=${rnd() < 0.8 ? 'yes' : 'no'}`],
    [2, () => `ProtectSystem=${pick(['no', 'yes', 'full', 'strict'])}`],
    [2, () => `ProtectHome=${pick(['no', 'yes', 'read-only', 'tmpfs'])}`],
    [1.5, () => `User=${pick(['root', 'nobody', 'unitscore', '', 'daemon'])}`],
    [0.5, () => `SupplementaryGroups=${pick(['adm', ''])}`],
    [0.5, () => `RootDirectory=${pick(['/srv', ''])}`],
    [0.3, () => `RootImage=${pick(['/srv/image.raw', ''])}`],
    [0.5, () => `UMask=${pick(['0000', '0022', '0027', '0077', '0007'])}`],
    [
      1,
      () =>
        pick([
          'KeyringMode=inherit',
          'KeyringMode=private',
          'KeyringMode=shared',
          'ProtectProc=invisible',
          'ProtectProc=noaccess',
          'ProtectProc=default',
          'ProtectProc=ptraceable',
          'ProcSubset=pid',
          'ProcSubset=all',
          'NotifyAccess=all',
          'NotifyAccess=main',
          'Delegate=yes',
          'Delegate=no',
          'Delegate=pids',
        ]),
    ],
    [
      3,
      () =>
        pick([
          'CapabilityBoundingSet=',
          'CapabilityBoundingSet=~',
          `CapabilityBoundingSet=${tilde(0.6)}${some(caps, 1, 4).join(' ')}`,
          `CapabilityBoundingSet=${tilde(0.6)}${some(caps, 1, 4).join(' ')}`,
          `CapabilityBoundingSet=${tilde(0.6)}${some(caps, 1, 4).join(' ')}`,
        ]),
    ],
    [
      1,
      () =>
        rnd() < 0.3
          ? 'AmbientCapabilities='
          : `AmbientCapabilities=${tilde(0.3)}${some(caps, 1, 2).join(' ')}`,
    ],
    [
      2,
      () =>
        pick([
          'RestrictNamespaces=yes',
          'RestrictNamespaces=no',
          'RestrictNamespaces=',
          `RestrictNamespaces=${tilde(0.5)}${some(['user', 'mnt', 'ipc', 'pid', 'cgroup', 'net', 'uts'], 1, 3).join(' ')}`,
          `RestrictNamespaces=${tilde(0.5)}${some(['user', 'mnt', 'ipc', 'pid', 'cgroup', 'net', 'uts'], 1, 3).join(' ')}`,
        ]),
    ],
    [
      2.5,
      () =>
        pick([
          'RestrictAddressFamilies=none',
          'RestrictAddressFamilies=',
          ...Array.from(
            { length: 6 },
            () => `RestrictAddressFamilies=${tilde(0.4)}${some(families, 1, 3).join(' ')}`,
          ),
        ]),
    ],
    [1, () => `SystemCallArchitectures=${pick(['native', 'native x86', ''])}`],
    [
      3,
      () =>
        rnd() < 0.08
          ? 'SystemCallFilter='
          : `SystemCallFilter=${tilde(0.5)}${[...some(groups, 1, 2), ...(rnd() < 0.3 ? some(calls, 1, 2) : [])].join(' ')}`,
    ],
    [1.5, () => `IPAddressDeny=${pick(['any', '0.0.0.0/0', '::/0', '', '10.0.0.0/8', '0.0.0.0/0 ::/0'])}`],
    [1, () => `IPAddressAllow=${pick(['localhost', '127.0.0.1', '10.0.0.0/8', '::1', '', '127.0.0.0/8'])}`],
    [0.3, () => `${pick(['IPIngressFilterPath', 'IPEgressFilterPath'])}=${pick(['/sys/fs/bpf/filter', ''])}`],
    [1.5, () => `DevicePolicy=${pick(['auto', 'closed', 'strict'])}`],
    [1, () => `DeviceAllow=${pick(['/dev/null rw', 'char-rtc r', ''])}`],
    [0.7, () => `[Unit]DefaultDependencies=${pick(['no', 'yes'])}`],
  ];
  const total = gens.reduce((s, [w]) => s + w, 0);
  const line = (): string => {
    let r = rnd() * total;
    for (const [w, g] of gens) {
      r -= w;
      if (r < 0) return g();
    }
    return (gens[0] as [number, () => string])[1]();
  };
  return () => {
    const service: string[] = [];
    const unit: string[] = [];
    const n = 2 + Math.floor(rnd() * 5);
    for (let i = 0; i < n; i++) {
      const l = line();
      if (l.startsWith('[Unit]')) unit.push(l.slice('[Unit]'.length));
      else service.push(l);
    }
    return `${unit.length > 0 ? `[Unit]\n${unit.join('\n')}\n` : ''}[Service]\n${service.join('\n')}\n`;
  };
}

// ---------------------------------------------------------------------------------------------

interface Tally {
  predictions: number;
  /** Prediction equals the tool and was flagged exact. */
  exact: number;
  /** Flagged exact: false, and equal anyway. */
  flaggedEqual: number;
  /** Flagged exact: false, and not equal. */
  flaggedMissed: number;
  /** Not equal although flagged exact: the contract broken. */
  wrong: string[];
  flaggedMissedCases: string[];
  /** How often each reason flagged a prediction exact: false. */
  flagReasons: Record<string, number>;
}

const newTally = (): Tally => ({
  predictions: 0,
  exact: 0,
  flaggedEqual: 0,
  flaggedMissed: 0,
  wrong: [],
  flaggedMissedCases: [],
  flagReasons: {},
});

/** What the prediction starts from: the checks alone, or the checks and the unit's files. */
interface Basis {
  assessment: UnitAssessment;
  configuration?: string;
}

function compare(
  tally: Tally,
  unit: string,
  dropIn: string,
  base: Basis,
  real: UnitAssessment | undefined,
): void {
  tally.predictions++;
  const p = whatIf(base.assessment, dropIn, {
    mode: 'offline',
    systemdVersion: 252,
    configuration: base.configuration ?? null,
  });
  if (base.configuration !== undefined)
    assert.equal(p.basis, 'configuration', `${unit}: its files explain its checks (${p.basisNote})`);
  const label = `${unit} + ${JSON.stringify(dropIn)}: predicted ${p.after.toFixed(1)}, tool ${real ? ((real.exposure ?? 0) / 10).toFixed(1) : 'nothing'}`;
  const equal = real !== undefined && Math.round(p.after * 10) === real.exposure;
  if (!p.exact)
    for (const r of (p.reason ?? '').replace(/ \(between .*\)$/, '').split('; '))
      tally.flagReasons[r] = (tally.flagReasons[r] ?? 0) + 1;
  if (equal && p.exact) tally.exact++;
  else if (equal) tally.flaggedEqual++;
  else if (!p.exact) {
    tally.flaggedMissed++;
    tally.flaggedMissedCases.push(`${label} (${p.reason})`);
  } else tally.wrong.push(label);
}

function report(t: TestContext, name: string, tally: Tally): void {
  const pct = (n: number) => `${((100 * n) / tally.predictions).toFixed(1)}%`;
  const equal = tally.exact + tally.flaggedEqual;
  t.diagnostic(
    `${name}: ${tally.predictions} predictions; equal to the tool ${equal} (${pct(equal)}), of which flagged exact ${tally.exact}; ` +
      `flagged exact:false ${tally.flaggedEqual + tally.flaggedMissed} (${tally.flaggedMissed} of them off); unflagged mismatches ${tally.wrong.length}`,
  );
  for (const c of tally.flaggedMissedCases.slice(0, 8)) t.diagnostic(`  flagged and off: ${c}`);
  mkdirSync('test-artifacts', { recursive: true });
  writeFileSync(join('test-artifacts', `score-oracle-${name}.json`), `${JSON.stringify(tally, null, 2)}\n`);
}

describe('score model against systemd-analyze --offline --root', { timeout: 180_000 }, () => {
  let root: OracleRoot;
  let baseline: Map<string, UnitAssessment>;
  /** Each unit's files before any drop-in, as `systemctl cat` prints them (what reports carry). */
  let configs: Map<string, string>;
  let units: string[];

  before(() => {
    const version = /^systemd (\d+)/.exec(systemdAnalyze(['--version']))?.[1];
    assert.equal(
      version,
      '252',
      'the oracle needs systemd-analyze 252 (TESTING.md §1): the model carries 252 tables',
    );
    root = new OracleRoot();
    const files = readdirSync(UNIT_DIR)
      .filter((f) => f.endsWith('.service') && !lstatSync(join(UNIT_DIR, f)).isSymbolicLink())
      .sort();
    baseline = root.assess(files);
    units = [...baseline.keys()];
    configs = new Map(units.map((u) => [u, catUnit(root.dir, u)]));
    assert.ok(units.length >= 90, `only ${units.length} unit files could be assessed`);
  });

  after(() => root?.remove());

  it('the embedded system-call groups are those of this systemd', () => {
    const text = systemdAnalyze(['syscall-filter', '--no-pager']);
    const groups = new Map<string, string[]>();
    let current: string[] | null = null;
    for (const line of text.split('\n')) {
      if (line.startsWith('@')) {
        current = [];
        groups.set(line.trim(), current);
      } else if (/^ {4}[@a-z0-9_-]+$/.test(line) && current) current.push(line.trim());
      else if (!line.startsWith('    #')) current = null;
    }
    for (const [name, members] of Object.entries(SYSCALL_GROUPS_252))
      assert.deepEqual(members, groups.get(name), name);
  });

  it('recomputes every baseline unit exactly (point 1), with and without the debug columns', (t) => {
    for (const [unit, a] of baseline) {
      assert.equal(recompute(a).matchesHost, true, unit);
      const plain = {
        ...a,
        checks: a.checks.map((c) => ({ ...c, weight: null, badness: null, range: null })),
      };
      assert.equal(recompute(plain).matchesHost, true, `${unit} without debug columns`);
    }
    t.diagnostic(`${baseline.size} units recomputed`);
  });

  it('predicts every single directive of the catalogue on every unit', (t) => {
    const withFiles = newTally();
    const checksOnly = newTally();
    for (const directive of SINGLE_DIRECTIVES) {
      const text = `[Service]\n${directive}\n`;
      const real = root.assess(units, new Map(units.map((u) => [u, text])));
      for (const u of units) {
        const assessment = baseline.get(u) as UnitAssessment;
        compare(withFiles, u, text, { assessment, configuration: configs.get(u) as string }, real.get(u));
        compare(checksOnly, u, text, { assessment }, real.get(u));
      }
    }
    report(t, 'single', withFiles);
    report(t, 'single-checks-only', checksOnly);
    assert.ok(withFiles.predictions >= SINGLE_DIRECTIVES.length * units.length);
    // With the unit's files (what reports carry), every single directive is exact and right.
    assert.deepEqual(withFiles.wrong, [], 'every prediction flagged exact equals the tool');
    assert.equal(withFiles.exact, withFiles.predictions, 'every single-directive prediction is exact');
    // From the checks alone some settings are hidden (an explicit User=root under DynamicUser=yes,
    // DeviceAllow= entries under DevicePolicy=auto): those predictions must say so.
    assert.deepEqual(checksOnly.wrong, [], 'from the checks alone, every miss was flagged exact: false');
    assert.ok(checksOnly.flaggedMissed <= 6, `${checksOnly.flaggedMissed} flagged predictions off`);
  });

  it('predicts at least 3,000 seeded random multi-directive drop-ins', (t) => {
    const tally = newTally();
    const checksOnly = newTally();
    const next = randomDropIns(20240611);
    const batches = Math.ceil(3000 / units.length) + 1;
    for (let b = 0; b < batches; b++) {
      const texts = new Map(units.map((u) => [u, next()]));
      const real = root.assess(units, texts);
      // Every other batch predicts from the table as a host without the debug columns prints it.
      const strip = (a: UnitAssessment): UnitAssessment =>
        b % 2 === 0
          ? a
          : { ...a, checks: a.checks.map((c) => ({ ...c, weight: null, badness: null, range: null })) };
      for (const u of units) {
        const assessment = strip(baseline.get(u) as UnitAssessment);
        const text = texts.get(u) as string;
        compare(tally, u, text, { assessment, configuration: configs.get(u) as string }, real.get(u));
        compare(checksOnly, u, text, { assessment }, real.get(u));
      }
    }
    report(t, 'random', tally);
    report(t, 'random-checks-only', checksOnly);
    for (const x of [tally, checksOnly]) {
      assert.ok(x.predictions >= 1000);
      assert.deepEqual(x.wrong, [], 'every prediction that differs from the tool was flagged exact: false');
      const equal = x.exact + x.flaggedEqual;
      assert.ok(equal / x.predictions >= 0.99, `${equal}/${x.predictions} equal to the tool`);
    }
  });
});

// Collection at fleet scale (issue 7, point 7): a simulated fleet of SSH hosts (ssh2 Servers,
// each on its own loopback address with its own host key, answering with recorded real
// reports) is scanned by unitscore (scanRound, concurrency 64, every result parsed and stored
// in SQLite through ScanWriter, wired as server/main.ts does), and then, against the same
// fleet in the same run, by OpenSSH's `ssh` doing the same exec under `xargs -P 64`. Figures,
// never assertions (TESTING.md §6).
//
//   node dist/bench/collect.bench.js [--hosts 2000] [--concurrency 64] [--order first,again,ssh]
//
// Runs, in --order: `first`, unitscore's first round of this fleet (every report new: parsed,
// its units' history written); `again`, a second round (the hosts unchanged: each report is
// recognised as its host's last one, stored as a repeat, not parsed: the steady state of a
// fleet scanned every hour); `ssh`, OpenSSH.
//
// The fleet runs in a child process (this same file with --fleet-child), so the peak RSS
// printed is the scanning side's alone. The child needs one descriptor per host plus the
// connections: it is started with its soft RLIMIT_NOFILE raised to the hard limit, and says so
// when even that is too low (raise it with `ulimit -Hn` as root, or LimitNOFILE= in a unit).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AnalysePool } from '../server/collect/analyse-pool.js';
import { saveAnalysed } from '../server/collect/save-analysed.js';
import { type RoundProgress, scanRound } from '../server/collect/scan-round.js';
import { collectScript } from '../server/collect/script.js';
import type { ScanStatus } from '../server/collect/status.js';
import type { HostTarget } from '../server/config/config.js';
import { loadDemoReports, simulatedSpecs, startSimulatedFleet } from '../server/demo/fleet.js';
import { openDb } from '../server/store/db.js';
import { syncInventory } from '../server/store/hosts.js';
import { ScanWriter } from '../server/store/scans.js';

const OCTET = 47; // 127.47.x.y: no other fleet of the project uses it

function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1] ?? 'unlimited';
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

// ---------------------------------------------------------------------------------------------
// The fleet child: start the fleet, print it as one JSON line, serve until stdin closes.

async function fleetChild(dir: string, size: number): Promise<void> {
  const needed = size + 256;
  if (openFilesLimit() < needed) {
    console.error(
      `the fleet needs about ${needed} open files, the limit is ${openFilesLimit()}: raise it (ulimit -n ${needed}; as root, or LimitNOFILE=)`,
    );
    process.exit(2);
  }
  const started = performance.now();
  const fleet = await startSimulatedFleet(dir, simulatedSpecs(size), OCTET);
  const startMs = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ hosts: fleet.hosts, startMs })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await fleet.close();
    process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------
// The bench

interface Figures {
  what: string;
  wallS: number;
  cpuS: number;
  fleetCpuS: number;
  failures: number;
  rssMb: number | null;
}

async function startFleet(
  dir: string,
  size: number,
): Promise<{ child: ChildProcess; hosts: HostTarget[]; startMs: number; lines: AsyncIterator<string> }> {
  const self = fileURLToPath(import.meta.url);
  // Soft limit up to the hard one (no privilege needed), then node.
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"',
      'sh',
      process.execPath,
      self,
      '--fleet-child',
      dir,
      '--hosts',
      String(size),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error('the fleet child ended before it printed its hosts');
  const { hosts, startMs } = JSON.parse(first.value) as { hosts: HostTarget[]; startMs: number };
  return { child, hosts, startMs, lines };
}

/**
 * The store, wired as server/main.ts's scanRecorder does: repeat detection, reports analysed on
 * the worker pool (one thread per core), one writer on the main thread.
 */
function openStore(hosts: HostTarget[], dir: string) {
  const db = openDb(join(dir, 'bench.db'));
  const ids = syncInventory(db, hosts);
  return { db, ids, writer: new ScanWriter(db), pool: new AnalysePool() };
}

async function runUnitscore(
  label: string,
  hosts: HostTarget[],
  store: ReturnType<typeof openStore>,
  concurrency: number,
  fleetPid: number,
) {
  const { ids, writer, pool } = store;
  const statuses = new Map<ScanStatus, number>();
  let units = 0;
  let repeats = 0;
  const fleetCpu = cpuSecondsOf(fleetPid);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await scanRound(
    hosts,
    { concurrency, connectTimeoutMs: 60_000, timeoutMs: 300_000 },
    ({ target, result, done }: RoundProgress) => {
      saveAnalysed(writer, ids.get(target.name) as number, result);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      units += result.prepared?.units.length ?? result.units.length;
      if (result.repeatOf !== undefined) repeats++;
      if (process.stderr.isTTY && done % 50 === 0)
        process.stderr.write(`\r${label}: ${done}/${hosts.length}`);
    },
    undefined,
    (target) => {
      const hostId = ids.get(target.name) as number;
      return {
        repeatOf: (report) => writer.repeatOf(hostId, report),
        analyse: (report: Buffer) => pool.analyse(report, writer.lastOkReport(hostId)),
      };
    },
  );
  const wallS = (performance.now() - started) / 1000;
  if (process.stderr.isTTY) process.stderr.write('\n');
  const used = process.cpuUsage(cpu);
  return {
    figures: {
      what: label,
      wallS,
      cpuS: (used.user + used.system) / 1e6,
      fleetCpuS: cpuSecondsOf(fleetPid) - fleetCpu,
      failures: hosts.length - (statuses.get('ok') ?? 0),
      rssMb: process.resourceUsage().maxRSS / 1024,
    } satisfies Figures,
    note: `${label}: ${[...statuses].map(([st, n]) => `${st} ${n}`).join(', ')}; ${units} units parsed and stored, ${repeats} reports seen before (not parsed)`,
  };
}

async function runOpenSsh(hosts: HostTarget[], dir: string, concurrency: number, fleetPid: number) {
  const first = hosts[0] as HostTarget;
  // The same stdin the collector sends: the boundary line, then collect.sh.
  const script = join(dir, 'stdin');
  writeFileSync(script, `UNITSCORE_BOUNDARY=${randomBytes(12).toString('hex')}\n${await collectScript()}`);
  const list = join(dir, 'hosts');
  writeFileSync(list, `${hosts.map((h) => `${h.address} ${h.port}`).join('\n')}\n`);
  const failed = join(dir, 'ssh-failed');
  writeFileSync(failed, '');
  const ssh = [
    'ssh -F /dev/null -T',
    `-i ${first.identityFile}`,
    `-o UserKnownHostsFile=${first.knownHosts}`,
    '-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes',
    '-o IdentitiesOnly=yes -o LogLevel=ERROR -o ConnectTimeout=60',
    `-p "$2" ${first.user}@"$1" sh -s`,
  ].join(' ');
  // `times` prints the CPU of the shell's waited-for descendants: xargs, every sh and ssh.
  const pipeline = `xargs -P ${concurrency} -L 1 sh -c '${ssh} <${script} >/dev/null || echo "$1" >>${failed}' _ <${list}; times`;
  const fleetCpu = cpuSecondsOf(fleetPid);
  const started = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', pipeline], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  const wallS = (performance.now() - started) / 1000;
  // `times`: "0m0.01s 0m0.00s\n3m1.50s 0m40.20s" (shell; children).
  const children = output.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return {
    what: `OpenSSH ssh ${sshVersion()}, xargs -P ${concurrency} (output to /dev/null)`,
    wallS,
    cpuS: seconds.reduce((a, b) => a + b, 0),
    fleetCpuS: cpuSecondsOf(fleetPid) - fleetCpu,
    failures: readFileSync(failed, 'utf8').split('\n').filter(Boolean).length,
    rssMb: null,
  } satisfies Figures;
}

function sshVersion(): string {
  const { stderr } = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  return /OpenSSH_[^\s,]+/.exec(stderr ?? '')?.[0] ?? '';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '64' },
      order: { type: 'string', default: 'first,again,ssh' },
      'fleet-child': { type: 'string' },
    },
  });
  const size = Number(values.hosts);
  if (values['fleet-child']) return fleetChild(values['fleet-child'], size);
  const concurrency = Number(values.concurrency);
  const order = (values.order as string).split(',');

  const dir = mkdtempSync(join(tmpdir(), 'unitscore-collect-bench-'));
  try {
    const fleet = await startFleet(join(dir, 'fleet'), size);
    const fleetPid = fleet.child.pid as number;
    // The fleet replays the recorded reports round-robin: their mean size is a report's.
    const recorded = loadDemoReports().map((r) => Buffer.byteLength(r.text));
    const reportBytes = recorded.reduce((a, b) => a + b, 0) / recorded.length;
    console.log(
      `collect bench: ${size} simulated SSH hosts on 127.${OCTET}.x.y (each its own address and ed25519 host key, ` +
        `recorded systemd 252 reports of ~${(reportBytes / 1e6).toFixed(2)} MB), fleet started in ${(fleet.startMs / 1000).toFixed(1)} s in a child process`,
    );
    const results: Figures[] = [];
    const notes: string[] = [];
    const store = openStore(fleet.hosts, dir);
    for (const which of order) {
      if (which === 'first' || which === 'again') {
        const label =
          which === 'first'
            ? `unitscore round 1, concurrency ${concurrency}: all new, parsed + stored`
            : `unitscore round 2, concurrency ${concurrency}: unchanged hosts`;
        const r = await runUnitscore(label, fleet.hosts, store, concurrency, fleetPid);
        results.push(r.figures);
        notes.push(r.note);
      } else if (which === 'ssh') {
        results.push(await runOpenSsh(fleet.hosts, dir, concurrency, fleetPid));
      } else {
        throw new Error(`unknown run ${which} (first, again, ssh)`);
      }
    }
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    notes.push(
      `database after the unitscore rounds: ${(statSync(join(dir, 'bench.db')).size / 1e6).toFixed(0)} MB`,
    );
    store.db.close();
    await store.pool.close();
    fleet.child.stdin?.end();
    const last = await fleet.lines.next();
    const fleetRss = last.done ? null : (JSON.parse(last.value) as { maxRssKb: number }).maxRssKb / 1024;

    const col = (s: string, n: number) => s.padStart(n);
    console.log(
      `\n${'run'.padEnd(66)}${col('wall s', 8)}${col('hosts/s', 9)}${col('MB/s', 7)}${col('CPU s', 8)}${col('fleet CPU s', 13)}${col('failed', 8)}${col('peak RSS', 10)}`,
    );
    for (const f of results) {
      console.log(
        `${f.what.padEnd(66)}${col(f.wallS.toFixed(1), 8)}${col((size / f.wallS).toFixed(1), 9)}${col(((size * reportBytes) / 1e6 / f.wallS).toFixed(0), 7)}${col(f.cpuS.toFixed(1), 8)}${col(f.fleetCpuS.toFixed(1), 13)}${col(String(f.failures), 8)}${col(f.rssMb === null ? '-' : `${f.rssMb.toFixed(0)} MB`, 10)}`,
      );
    }
    for (const note of notes) console.log(note);
    const theirs = results.find((r) => r.what.startsWith('OpenSSH'));
    for (const ours of results.filter((r) => r.what.startsWith('unitscore'))) {
      if (theirs) {
        console.log(
          `${ours.what}: ${(theirs.wallS / ours.wallS).toFixed(2)}× the throughput of OpenSSH (goal ≥ 1.00)`,
        );
      }
    }
    const peak = Math.max(...results.map((r) => r.rssMb ?? 0));
    console.log(
      `scanner peak RSS ${peak.toFixed(0)} MB (goal < 300 MB; the whole process, both rounds); ` +
        `fleet child peak RSS ${fleetRss?.toFixed(0) ?? '?'} MB`,
    );
    console.log(
      'CPU s: the scanning side (unitscore: this process; OpenSSH: every ssh and sh under xargs). ' +
        'fleet CPU s: the simulated hosts, the same work for both.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

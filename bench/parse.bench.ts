// `npm run bench`: how fast the analyze step reads `systemd-analyze security` output, beside the
// time systemd-analyze itself takes to print it. Figures only, no assertions (TESTING.md §6).
//
// The 150-unit report is real output: the systemd-analyze of this machine, offline, on the
// service files of /lib/systemd/system copied under a temporary --root, topped up to 150 with
// variants of them (hardening drop-ins), in the collector's environment (agents/README.md).
// The recorded demo reports (real online reports of systemd 252 hosts) are parsed too.

import { execFile } from 'node:child_process';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { analyzeOutput, analyzeReport } from '../server/analyze/analyze-report.js';
import { loadDemoReports } from '../server/demo/fleet.js';

const run = promisify(execFile);
const UNIT_DIR = '/lib/systemd/system';
const UNITS = 150;
const RUNS = 15;

const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  LC_ALL: 'C.UTF-8',
  SYSTEMD_COLORS: '0',
  SYSTEMD_URLIFY: '0',
  SYSTEMD_EMOJI: '0',
  TERM: 'dumb',
};

/** Drop-ins that change a copy's score, so the variants are not 35 identical tables. */
const VARIANTS = [
  '[Service]\nPrivateTmp=yes\nProtectSystem=strict\nProtectHome=yes\n',
  '[Service]\nDynamicUser=yes\nPrivateDevices=yes\nNoNewPrivileges=yes\n',
  '[Service]\nCapabilityBoundingSet=\nRestrictNamespaces=yes\nSystemCallFilter=@system-service\n',
  '[Service]\nPrivateNetwork=yes\nIPAddressDeny=any\nRestrictAddressFamilies=AF_UNIX\n',
  '[Service]\nUser=nobody\nProtectProc=invisible\nProcSubset=pid\nUMask=0077\n',
];

/** A root with the service files (no symlinks: masks and aliases) and drop-in variants. */
function buildRoot(): { root: string; names: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'unitscore-bench-'));
  const dir = join(root, 'etc', 'systemd', 'system');
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(UNIT_DIR)
    .filter((f) => f.endsWith('.service') && !f.endsWith('@.service'))
    .filter((f) => !lstatSync(join(UNIT_DIR, f)).isSymbolicLink())
    .sort();
  for (const f of files) copyFileSync(join(UNIT_DIR, f), join(dir, f));
  const names = files.slice(0, UNITS);
  // A copy of a unit that owns a D-Bus name fails to load ("Two services allocated for the same
  // bus name"): variants are made of the others.
  const bases = files.filter((f) => !/^BusName=/m.test(readFileSync(join(UNIT_DIR, f), 'utf8')));
  for (let i = 0; names.length < UNITS && bases.length > 0; i++) {
    const base = bases[i % bases.length] as string;
    const name = `bench-${i}-${base}`;
    copyFileSync(join(UNIT_DIR, base), join(dir, name));
    mkdirSync(join(dir, `${name}.d`));
    writeFileSync(join(dir, `${name}.d`, 'bench.conf'), VARIANTS[i % VARIANTS.length] as string);
    names.push(name);
  }
  return { root, names };
}

interface Produced {
  stdout: string;
  ms: number;
}

/** One offline run; exit status 1 (a unit that cannot load) still printed the others. */
async function produce(root: string, names: string[], extra: string[], debug: boolean): Promise<Produced> {
  const env = debug ? { ...ENV, SYSTEMD_ANALYZE_DEBUG: '1' } : ENV;
  const args = ['security', '--offline=true', `--root=${root}`, '--no-pager', ...extra, ...names];
  const t0 = performance.now();
  let stdout: string;
  try {
    ({ stdout } = await run('systemd-analyze', args, { env, maxBuffer: 256 << 20, encoding: 'utf8' }));
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (e.code !== 1 || e.stdout === undefined) throw err;
    stdout = e.stdout;
  }
  return { stdout, ms: performance.now() - t0 };
}

/** Median wall time of `fn` over RUNS runs, after a few warm-up runs. */
function median(fn: () => unknown): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

const mb = (text: string) => Buffer.byteLength(text) / 1e6;
const fixed = (n: number, digits = 1) => n.toFixed(digits);

function frame(sections: [string, string][]): string {
  const b = 'b3nch';
  let doc = `unitscore-report 1 ${b}\n`;
  for (const [name, body] of sections) doc += `\n@${b} section ${name}\n${body}`;
  return `${doc}\n@${b} end\n`;
}

async function generated(): Promise<void> {
  let version: string;
  try {
    ({ stdout: version } = await run('systemd-analyze', ['--version'], { encoding: 'utf8' }));
  } catch {
    console.log('systemd-analyze is not installed: the generated 150-unit report is skipped.\n');
    return;
  }
  const { root, names } = buildRoot();
  try {
    const text = await produce(root, names, [], false);
    const debug = await produce(root, names, [], true);
    const json = await produce(root, names, ['--json=short'], true);
    const units = analyzeOutput(debug.stdout).units.length;
    const versionLine = version.split('\n')[0] ?? '';
    const number = /^systemd (\d+)/.exec(versionLine)?.[1] ?? '';
    const report = frame([
      ['meta', `systemd=${versionLine}\nsystemd_version=${number}\nanalyze=ok\n`],
      ['unit-list', `${names.join('\n')}\n`],
      ['units', debug.stdout],
      ['units-json', json.stdout],
    ]);
    console.log(`${versionLine}: ${names.length} unit arguments, ${units} tables (offline, --root)\n`);
    const rows = [
      ['text, UTF-8', text.stdout, text.ms, () => analyzeOutput(text.stdout)],
      ['text + debug columns', debug.stdout, debug.ms, () => analyzeOutput(debug.stdout)],
      ['--json=short + debug', json.stdout, json.ms, () => analyzeOutput(json.stdout)],
      ['framed report (text + JSON)', report, debug.ms + json.ms, () => analyzeReport(report)],
    ] as const;
    const table = rows.map(([what, out, toolMs, parse]) => {
      const ms = median(parse);
      return {
        output: what,
        MB: fixed(mb(out), 2),
        'systemd-analyze ms': fixed(toolMs, 0),
        'parse ms (median)': fixed(ms, 1),
        'parse MB/s': fixed(mb(out) / (ms / 1000), 0),
        'parse ms per unit': fixed(ms / units, 3),
        'tool / parse': `${fixed(toolMs / ms, 0)}x`,
      };
    });
    console.table(table);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function demo(): void {
  const reports = loadDemoReports();
  const table = reports.map(({ name, text }) => {
    const a = analyzeReport(text).analysis;
    const ms = median(() => analyzeReport(text));
    return {
      report: name,
      MB: fixed(mb(text), 2),
      units: a.units.length,
      'parse ms (median)': fixed(ms, 1),
      'parse MB/s': fixed(mb(text) / (ms / 1000), 0),
    };
  });
  console.log(`\nRecorded demo reports (server/demo/reports: real online reports, systemd 252)\n`);
  console.table(table);
}

await generated();
demo();

#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { analyzeOutput, analyzeReport } from './analyze/analyze-report.js';
import { DropInError, ScoreModelError, suggestDropIn, whatIf } from './analyze/score/index.js';
import { toParseJson } from './analyze/to-parse-json.js';
import { AUTH_USAGE, AuthUsageError, authMain } from './auth-cli.js';
import { AnalysePool } from './collect/analyse-pool.js';
import { interpretReport } from './collect/scan-host.js';
import { scanRound } from './collect/scan-round.js';
import type { ScanStatus } from './collect/status.js';
import { formatProblem, hostsYaml, inventoryFormat, parseAnsibleInventory } from './config/ansible.js';
import type { Config } from './config/config.js';
import { ConfigError, defaults, loadConfig, parseListen } from './config/load.js';
import { startDemoFleet } from './demo/fleet.js';
import { scanRecorder, startUnitscore } from './main.js';
import { openDb } from './store/db.js';
import { defaultRetention } from './store/housekeeping.js';
import { MigrationError } from './store/migrate.js';
import { type ReparseProgress, reparse } from './store/reparse.js';
import { Views } from './store/views.js';
import { version } from './version.js';

const USAGE = `unitscore ${version}: a fleet dashboard for systemd-analyze security

Usage:
  unitscore serve [--config FILE] [--listen HOST:PORT]
                                             serve the dashboard and scan on schedule
                                             (no config: an embedded demo fleet)
  unitscore scan --config FILE --once [--host NAME]… [--label L]… [--json]
                                             scan now: every host, or those named or labelled;
                                             print the results
  unitscore parse [FILE|-]                   read a systemd-analyze security output (any version,
                                             text or JSON) or a report document; print it as JSON
  unitscore import ansible FILE [--format ini|yaml] [--user NAME]
                                             print the hosts: block for unitscore.yaml from an
                                             Ansible inventory (groups become group=NAME labels)
  unitscore whatif --report FILE --unit UNIT --dropin FILE [--files FILE]
                                             predict a drop-in's effect on a unit's exposure
  unitscore suggest --report FILE --unit UNIT [--files FILE] [--json]
                                             a staged override.conf for the unit
                                             (--files: the unit's files as 'systemctl cat UNIT'
                                             prints them, for a pasted output; reports carry them)
  unitscore reparse --config FILE            rebuild history from the stored raw reports
                                             (after a parser fix); progress on stderr
  unitscore backup --config FILE DEST        online, consistent copy of the database
${AUTH_USAGE}
  unitscore --version | --help

Exit status: 0 success; 1 a host scan did not succeed (scan) or the input had parse problems
(parse); 2 bad usage, config or database.
Environment: UNITSCORE_CONFIG (default for --config), LOG_LEVEL (info).`;

class UsageError extends Error {}

function logger() {
  return pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
}

function demoConfig(): Config {
  return {
    source: null,
    listen: defaults.listen,
    database: resolve(defaults.database),
    scan: {
      intervalMs: 15 * 60_000,
      startSpreadMs: 0,
      concurrency: defaults.concurrency,
      connectTimeoutMs: defaults.connectTimeoutSeconds * 1000,
      timeoutMs: defaults.timeoutSeconds * 1000,
      maxOutputBytes: defaults.maxOutputMegabytes * 1024 * 1024,
    },
    retention: defaultRetention,
    http: { tls: null, trustProxy: false, secureCookies: 'auto' },
    hosts: [],
  };
}

async function serve(configFile: string | undefined, listen: string | undefined): Promise<void> {
  const config = configFile ? loadConfig(configFile) : demoConfig();
  if (listen) {
    if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(listen))
      throw new UsageError(`--listen ${listen}: expected HOST:PORT`);
    config.listen = parseListen(listen);
  }
  const demo = configFile === undefined;
  const fleet = demo ? await startDemoFleet(resolve('data', 'demo')) : null;
  if (fleet) config.hosts = fleet.hosts;
  const running = await startUnitscore(config, { demo, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  process.stderr.write(`unitscore ${version} serving ${running.url}${demo ? ' (DEMO FLEET)' : ''}\n`);
  const shutdown = async () => {
    await running.close();
    await fleet?.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

interface HostOutcome {
  host: string;
  status: ScanStatus;
  systemdVersion: number | null;
  error: string | null;
  units: { unit: string; exposure: number | null; predicate: string | null }[];
}

function formatTable(o: HostOutcome): string {
  const head = `${o.host}: ${o.status}${o.systemdVersion ? ` (systemd ${o.systemdVersion})` : ''}${o.error ? `: ${o.error}` : ''}`;
  if (o.units.length === 0) return head;
  const width = Math.max(4, ...o.units.map((u) => u.unit.length));
  const rows = o.units.map(
    (u) =>
      `  ${u.unit.padEnd(width)}  ${(u.exposure === null ? '-' : u.exposure.toFixed(1)).padStart(8)}  ${u.predicate ?? ''}`,
  );
  return [head, `  ${'UNIT'.padEnd(width)}  ${'EXPOSURE'.padStart(8)}  PREDICATE`, ...rows].join('\n');
}

/** `[#######       ] 12/40 · 2 failed` on a terminal, rewritten in place. */
function progressBar(done: number, total: number, failed: number): string {
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${failed ? ` · ${failed} failed` : ''}`;
}

async function scanOnce(
  configFile: string,
  json: boolean,
  filter: { hosts: string[]; labels: string[] },
): Promise<number> {
  const config = loadConfig(configFile);
  const db = openDb(config.database);
  // On a terminal a progress bar; elsewhere (CI, cron) one structured log line per host.
  const tty = process.stderr.isTTY === true;
  // Reports are parsed on worker threads, as the server does: a fleet's round is CPU-bound.
  const pool = new AnalysePool({ maxReportBytes: config.scan.maxOutputBytes });
  // The whole inventory: the config file's hosts and those added through the API.
  const recorder = scanRecorder(db, config, tty ? pino({ level: 'silent' }) : logger(), undefined, pool);
  const inventory = recorder.inventory.targets();
  const unknown = filter.hosts.filter((name) => !inventory.some((h) => h.name === name));
  const refuse = (message: string) => {
    void pool.close();
    db.close();
    return new UsageError(message);
  };
  if (unknown.length > 0)
    throw refuse(
      `no host named ${unknown.join(', ')} in ${configFile} or among the hosts added through the API`,
    );
  const chosen = inventory.filter(
    (h) =>
      (filter.hosts.length === 0 || filter.hosts.includes(h.name)) &&
      filter.labels.every((l) => h.labels.includes(l)),
  );
  if (chosen.length === 0)
    throw refuse(`no host in the inventory has the labels ${filter.labels.join(', ')}`);
  const scanIds = new Map<string, number>();
  let failed = 0;
  await scanRound(
    chosen,
    {
      concurrency: config.scan.concurrency,
      connectTimeoutMs: config.scan.connectTimeoutMs,
      timeoutMs: config.scan.timeoutMs,
      maxOutputBytes: config.scan.maxOutputBytes,
    },
    (progress) => {
      const scanId = recorder.record(progress);
      if (scanId !== null) scanIds.set(progress.target.name, scanId);
      if (progress.result.status !== 'ok') failed++;
      if (tty) process.stderr.write(progressBar(progress.done, progress.total, failed));
    },
    undefined,
    recorder.hooks,
  ).finally(() => pool.close());
  if (tty) process.stderr.write('\n');
  // Print what was stored, read back the way the dashboard reads it.
  const views = new Views(db);
  const outcomes: HostOutcome[] = chosen.map((h) => {
    const scan = views.scanById(scanIds.get(h.name) ?? null);
    const hostId = recorder.ids.get(h.name);
    const units = scan?.status === 'ok' && hostId !== undefined ? (views.hostUnits(hostId)?.units ?? []) : [];
    return {
      host: h.name,
      status: scan?.status ?? 'command-failed',
      systemdVersion: scan?.systemdVersion ?? null,
      error: scan ? scan.error : 'not scanned',
      units: units.map((u) => ({
        unit: u.unit,
        exposure: u.exposure === null ? null : u.exposure / 10,
        predicate: u.predicate,
      })),
    };
  });
  db.close();
  process.stdout.write(
    json ? `${JSON.stringify(outcomes, null, 2)}\n` : `${outcomes.map(formatTable).join('\n\n')}\n`,
  );
  return outcomes.every((o) => o.status === 'ok') ? 0 : 1;
}

async function parseFile(file: string | undefined): Promise<number> {
  const text = file === undefined || file === '-' ? await readStdin() : readFileSync(file, 'utf8');
  const result = toParseJson(analyzeOutput(text));
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.problems.length > 0 ? 1 : 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reparseAll(configFile: string): number {
  const config = loadConfig(configFile);
  const db = openDb(config.database);
  const progress = process.stderr.isTTY
    ? (p: ReparseProgress) => process.stderr.write(`\rreparse ${p.done}/${p.total} hosts, ${p.scans} scans`)
    : undefined;
  const result = reparse(db, interpretReport, progress);
  if (progress) process.stderr.write('\n');
  db.close();
  process.stdout.write(
    `reparsed ${result.scans} scans of ${result.hosts} hosts; ${result.statusChanged} changed status\n`,
  );
  return 0;
}

async function backup(configFile: string, destination: string | undefined): Promise<number> {
  if (!destination)
    throw new UsageError('backup needs a destination file: unitscore backup --config FILE DEST');
  if (existsSync(destination))
    throw new UsageError(`backup: ${destination} exists; refusing to overwrite it`);
  const config = loadConfig(configFile);
  const db = openDb(config.database);
  // SQLite's online backup: a consistent snapshot while the server keeps writing.
  const started = Date.now();
  await db.backup(destination, {
    progress: ({ totalPages, remainingPages }) => {
      if (process.stderr.isTTY)
        process.stderr.write(`\rbackup ${totalPages - remainingPages}/${totalPages} pages`);
      return 1000;
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  db.close();
  const check = openDb(destination);
  const integrity = check.pragma('integrity_check', { simple: true });
  check.close();
  if (integrity !== 'ok') throw new Error(`backup ${destination} failed its integrity check: ${integrity}`);
  process.stdout.write(`backup written to ${destination} in ${Date.now() - started} ms (integrity ok)\n`);
  return 0;
}

function importAnsible(
  kind: string | undefined,
  file: string | undefined,
  format?: string,
  user?: string,
): number {
  if (kind !== 'ansible' || !file)
    throw new UsageError('usage: unitscore import ansible FILE [--format ini|yaml] [--user NAME]');
  const chosen = format ?? inventoryFormat(file);
  if (chosen !== 'ini' && chosen !== 'yaml') throw new UsageError('--format is ini or yaml');
  const { hosts, problems } = parseAnsibleInventory(readInput(file), chosen, file);
  for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
  process.stdout.write(
    `# ${hosts.length} hosts from ${file} (Ansible ${chosen} inventory): paste into unitscore.yaml\n`,
  );
  process.stdout.write(hostsYaml(hosts, { user, override: user !== undefined }));
  return problems.length > 0 ? 1 : 0;
}

/**
 * The unit's assessment in a report or a pasted output (any version), for the score model, and
 * its files: from the report, or from --files.
 */
function unitFromReport(file: string | undefined, unit: string | undefined, filesFile: string | undefined) {
  if (!file || !unit) throw new UsageError('needs --report FILE and --unit UNIT');
  const text = readInput(file);
  const framed = text.startsWith('unitscore-report ') ? analyzeReport(text) : null;
  const analysis = framed?.analysis ?? analyzeOutput(text);
  const found = analysis.units.find((u) => u.unit === unit);
  if (!found) {
    const names = analysis.units.map((u) => u.unit).slice(0, 10);
    throw new UsageError(
      `${file} has no unit ${JSON.stringify(unit)}${names.length ? ` (it has: ${names.join(', ')}…)` : ''}`,
    );
  }
  // A framed report is collect.sh's online run; a pasted output is taken as online too, the
  // common case (systemd-analyze security UNIT on a running host).
  const configuration = filesFile ? readInput(filesFile) : (framed?.unitFiles.get(unit) ?? null);
  return { assessment: found, systemdVersion: analysis.systemdVersion, configuration };
}

function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function scoreModelFailure(err: unknown): never {
  if (err instanceof DropInError) {
    throw new UsageError(
      `invalid drop-in:\n${err.problems.map((p) => `  line ${p.line}: ${p.message}`).join('\n')}`,
    );
  }
  if (err instanceof ScoreModelError) throw new UsageError(err.message);
  throw err;
}

function whatIfCommand(
  report: string | undefined,
  unit: string | undefined,
  dropin: string | undefined,
  files: string | undefined,
): number {
  if (!dropin) throw new UsageError('whatif needs --dropin FILE');
  const { assessment, systemdVersion, configuration } = unitFromReport(report, unit, files);
  try {
    const r = whatIf(assessment, readInput(dropin), { systemdVersion, configuration });
    const changes = r.changes.map((c) => ({ id: c.id, from: c.from, to: c.to }));
    process.stdout.write(
      `${JSON.stringify({ unit: r.unit, before: r.before, after: r.after, exact: r.exact, reason: r.reason, changes }, null, 2)}\n`,
    );
    return 0;
  } catch (err) {
    return scoreModelFailure(err);
  }
}

function suggestCommand(
  report: string | undefined,
  unit: string | undefined,
  files: string | undefined,
  json: boolean,
): number {
  const { assessment, systemdVersion, configuration } = unitFromReport(report, unit, files);
  try {
    const s = suggestDropIn(assessment, { systemdVersion, configuration });
    process.stdout.write(
      json ? `${JSON.stringify(s, null, 2)}\n` : s.text.endsWith('\n') ? s.text : `${s.text}\n`,
    );
    return 0;
  } catch (err) {
    return scoreModelFailure(err);
  }
}

async function main(argv: string[]): Promise<number> {
  // `user …` and `token …` parse their own options (auth-cli.ts).
  if (argv[0] === 'user' || argv[0] === 'token') {
    return authMain(argv, { configFile: process.env.UNITSCORE_CONFIG });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string' },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      report: { type: 'string' },
      unit: { type: 'string' },
      dropin: { type: 'string' },
      files: { type: 'string' },
      format: { type: 'string' },
      host: { type: 'string', multiple: true },
      label: { type: 'string', multiple: true },
      user: { type: 'string' },
    },
  });
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const configFile = values.config ?? process.env.UNITSCORE_CONFIG;
  switch (command) {
    case 'serve':
      await serve(configFile, values.listen);
      return -1; // keeps running
    case 'parse':
      return parseFile(positionals[1]);
    case 'import':
      return importAnsible(positionals[1], positionals[2], values.format, values.user);
    case 'whatif':
      return whatIfCommand(values.report, values.unit, values.dropin, values.files);
    case 'suggest':
      return suggestCommand(values.report, values.unit, values.files, values.json ?? false);
    case 'reparse':
      if (!configFile) throw new UsageError('reparse needs --config FILE');
      return reparseAll(configFile);
    case 'backup':
      if (!configFile) throw new UsageError('backup needs --config FILE');
      return backup(configFile, positionals[1]);
    case 'scan':
      if (!configFile) throw new UsageError('scan needs --config FILE');
      if (!values.once)
        throw new UsageError('scan runs on a schedule under `serve`; use `scan --once` for one scan now');
      return scanOnce(configFile, values.json ?? false, {
        hosts: values.host ?? [],
        labels: values.label ?? [],
      });
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (
      err instanceof ConfigError ||
      err instanceof MigrationError ||
      err instanceof UsageError ||
      err instanceof AuthUsageError
    ) {
      process.stderr.write(`unitscore: ${err.message}\n`);
    } else if (
      err instanceof TypeError &&
      (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`unitscore: ${err.message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(`unitscore: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = 2;
  },
);

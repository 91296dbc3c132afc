#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { ScanResult } from './collect/scan-host.js';
import { scanRound } from './collect/scan-round.js';
import type { Config } from './config/config.js';
import { ConfigError, defaults, loadConfig, parseListen } from './config/load.js';
import { startDemoFleet } from './demo/fleet.js';
import { scanRecorder, startUnitscore } from './main.js';
import { openDb } from './store/db.js';
import { MigrationError } from './store/migrate.js';
import { version } from './version.js';

const USAGE = `unitscore ${version}: a fleet dashboard for systemd-analyze security

Usage:
  unitscore serve [--config FILE] [--listen HOST:PORT]
                                             serve the dashboard and scan on schedule
                                             (no config: an embedded demo fleet)
  unitscore scan --config FILE --once [--json]
                                             scan every host once, print the results
  unitscore --version | --help

Exit status: 0 success; 1 a host scan did not succeed (scan); 2 bad usage, config or database.
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
      concurrency: defaults.concurrency,
      connectTimeoutMs: defaults.connectTimeoutSeconds * 1000,
      timeoutMs: defaults.timeoutSeconds * 1000,
      maxOutputBytes: defaults.maxOutputMegabytes * 1024 * 1024,
    },
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

function formatTable(result: ScanResult, name: string): string {
  const head = `${name}: ${result.status}${result.systemdVersion ? ` (systemd ${result.systemdVersion})` : ''}${result.error ? `: ${result.error}` : ''}`;
  if (result.units.length === 0) return head;
  const units = [...result.units].sort((a, b) => (b.exposure ?? -1) - (a.exposure ?? -1));
  const width = Math.max(4, ...units.map((u) => u.unit.length));
  const rows = units.map(
    (u) =>
      `  ${u.unit.padEnd(width)}  ${(u.exposure === null ? '-' : (u.exposure / 10).toFixed(1)).padStart(8)}  ${u.predicate ?? ''}`,
  );
  return [head, `  ${'UNIT'.padEnd(width)}  ${'EXPOSURE'.padStart(8)}  PREDICATE`, ...rows].join('\n');
}

async function scanOnce(configFile: string, json: boolean): Promise<number> {
  const config = loadConfig(configFile);
  const db = openDb(config.database);
  const log = logger();
  const record = scanRecorder(db, config, log);
  const results = new Map<string, ScanResult>();
  await scanRound(
    config.hosts,
    {
      concurrency: config.scan.concurrency,
      connectTimeoutMs: config.scan.connectTimeoutMs,
      timeoutMs: config.scan.timeoutMs,
      maxOutputBytes: config.scan.maxOutputBytes,
    },
    (progress) => {
      record(progress);
      results.set(progress.target.name, progress.result);
    },
  );
  db.close();
  const ordered = config.hosts.map((h) => ({ name: h.name, result: results.get(h.name) as ScanResult }));
  if (json) {
    const body = ordered.map(({ name, result }) => ({
      host: name,
      status: result.status,
      systemdVersion: result.systemdVersion,
      error: result.error,
      units: result.units.map((u) => ({
        unit: u.unit,
        exposure: u.exposure === null ? null : u.exposure / 10,
        predicate: u.predicate,
      })),
    }));
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    process.stdout.write(`${ordered.map(({ name, result }) => formatTable(result, name)).join('\n\n')}\n`);
  }
  return ordered.every(({ result }) => result.status === 'ok') ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
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
    case 'scan':
      if (!configFile) throw new UsageError('scan needs --config FILE');
      if (!values.once)
        throw new UsageError('scan runs on a schedule under `serve`; use `scan --once` for one scan now');
      return scanOnce(configFile, values.json ?? false);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof MigrationError || err instanceof UsageError) {
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

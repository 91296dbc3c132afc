import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SSHConfig from 'ssh-config';
import { LineCounter, parseDocument } from 'yaml';
import { defaultRetention } from '../store/housekeeping.js';
import type { Config } from './config.js';
import { type HostDefaults, pathResolver, resolveHostSpec, schemaProblems } from './host-spec.js';
import { ConfigFile, type ConfigFileShape } from './schema.js';
import type { SshDefaults } from './ssh-options.js';

/** One thing wrong with a config file: where (file, line, key) and what. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string | null,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${reason}`);
    this.name = 'ConfigError';
  }
}

export const defaults = {
  listen: { host: '127.0.0.1', port: 8080 },
  database: 'data/unitscore.db',
  intervalMinutes: 60,
  startSpreadSeconds: 60,
  concurrency: 16,
  connectTimeoutSeconds: 10,
  timeoutSeconds: 120,
  maxOutputMegabytes: 32,
} as const;

function pathSegments(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function parseListen(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}

/** The identity passphrase, from the environment or a file; never from the YAML itself. */
function readPassphrase(
  ssh: { passphraseEnv?: string; passphraseFile?: string },
  path: (p: string) => string,
  error: (reason: string) => Error,
): string | undefined {
  if (ssh.passphraseEnv) {
    const value = process.env[ssh.passphraseEnv];
    if (value === undefined)
      throw error(`passphraseEnv: environment variable ${ssh.passphraseEnv} is not set`);
    return value;
  }
  if (ssh.passphraseFile) {
    try {
      return readFileSync(path(ssh.passphraseFile), 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw error(`passphraseFile: cannot read: ${(err as Error).message}`);
    }
  }
  return undefined;
}

/** Read, validate and resolve a config file. Throws ConfigError naming the file, key and line. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, null, null, `cannot read: ${(err as Error).message}`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line ?? null;
    throw new ConfigError(
      file,
      null,
      line,
      `invalid YAML: ${(yamlError.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const lineOf = (pointer: string): number | null => {
    const segments = pathSegments(pointer);
    while (segments.length > 0) {
      const node = doc.getIn(segments, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
      segments.pop();
    }
    return null;
  };

  const [problem] = schemaProblems(ConfigFile, raw);
  if (problem) {
    // A missing key has no line of its own: the line of the object that lacks it.
    const at = problem.reason === 'is required' ? problem.pointer.replace(/\/[^/]*$/, '') : problem.pointer;
    throw new ConfigError(file, problem.key || null, lineOf(at), problem.reason);
  }
  const shape = raw as ConfigFileShape;

  const path = pathResolver(dirname(resolve(file)));
  const seen = new Map<string, number>();
  shape.hosts?.forEach((host, i) => {
    const first = seen.get(host.name);
    if (first !== undefined) {
      throw new ConfigError(
        file,
        `hosts[${i}].name`,
        lineOf(`/hosts/${i}/name`),
        `duplicate host name '${host.name}' (first at hosts[${first}])`,
      );
    }
    seen.set(host.name, i);
  });

  const listen = shape.listen ? parseListen(shape.listen) : defaults.listen;
  if (listen.port < 1 || listen.port > 65535) {
    throw new ConfigError(file, 'listen', lineOf('/listen'), `port ${listen.port} is not in 1-65535`);
  }
  const ssh = shape.ssh ?? {};
  const sshDefaults: SshDefaults = {
    identityFile: path(ssh.identityFile ?? '~/.ssh/id_ed25519'),
    knownHosts: path(ssh.knownHosts ?? '~/.ssh/known_hosts'),
    passphrase: readPassphrase(ssh, path, (reason) => new ConfigError(file, 'ssh', lineOf('/ssh'), reason)),
    sshConfig: null,
    path,
  };
  if (ssh.configFile) {
    try {
      sshDefaults.sshConfig = SSHConfig.parse(readFileSync(path(ssh.configFile), 'utf8'));
    } catch (err) {
      throw new ConfigError(
        file,
        'ssh.configFile',
        lineOf('/ssh/configFile'),
        `cannot read: ${(err as Error).message}`,
      );
    }
  }
  const scan = shape.scan ?? {};
  const hostDefaults: HostDefaults = {
    ssh: sshDefaults,
    labelIntervals: scan.labelIntervals ?? {},
    ...(ssh.agent && process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
  };
  return {
    source: resolve(file),
    listen,
    database: path(shape.database ?? defaults.database),
    scan: {
      intervalMs: (scan.intervalMinutes ?? defaults.intervalMinutes) * 60_000,
      startSpreadMs: (scan.startSpreadSeconds ?? defaults.startSpreadSeconds) * 1000,
      concurrency: scan.concurrency ?? defaults.concurrency,
      connectTimeoutMs: (scan.connectTimeoutSeconds ?? defaults.connectTimeoutSeconds) * 1000,
      timeoutMs: (scan.timeoutSeconds ?? defaults.timeoutSeconds) * 1000,
      maxOutputBytes: Math.round((scan.maxOutputMegabytes ?? defaults.maxOutputMegabytes) * 1024 * 1024),
    },
    http: {
      tls: shape.http?.tls
        ? { certFile: path(shape.http.tls.certFile), keyFile: path(shape.http.tls.keyFile) }
        : null,
      trustProxy: shape.http?.trustProxy ?? false,
      secureCookies: (shape.http?.secureCookies as 'auto' | 'always' | undefined) ?? 'auto',
    },
    retention: {
      reportDays: shape.retention?.reportDays ?? defaultRetention.reportDays,
      scanDays: shape.retention?.scanDays ?? defaultRetention.scanDays,
    },
    hostDefaults,
    hosts: (shape.hosts ?? []).map((h, i) => {
      try {
        return resolveHostSpec(h, hostDefaults);
      } catch (err) {
        throw new ConfigError(file, `hosts[${i}]`, lineOf(`/hosts/${i}`), (err as Error).message);
      }
    }),
  };
}

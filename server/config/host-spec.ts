import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { Static, TSchema } from 'typebox';
import Value from 'typebox/value';
import type { Hop } from '../collect/collect.js';
import type { HostTarget } from './config.js';
import type { HostConfig } from './schema.js';
import { resolveHost, type SshDefaults } from './ssh-options.js';

// One host of the inventory as the config file writes it, and the one way to check and resolve
// it: the config loader and the hosts API both come through here, so a host the API accepts is
// a host the config file would accept, with the same reasons when it is not.

export type HostSpec = Static<typeof HostConfig>;

/** What the config file says for every host: ssh defaults, interval per label, ssh-agent. */
export interface HostDefaults {
  ssh: SshDefaults;
  labelIntervals: Record<string, number>;
  /** The ssh-agent socket to offer keys from, when the config turned the agent on. */
  agent?: string;
}

/** One thing wrong with a value against a schema: where (JSON pointer, readable key) and why. */
export interface SchemaProblem {
  pointer: string;
  /** `hosts[2].port`, the way a person reads YAML; '' for the value itself. */
  key: string;
  reason: string;
}

/** `/hosts/2/port` → `hosts[2].port`. */
export function keyName(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

/**
 * The problems of `value` against `schema`, in the schema's order, one per key: the first, so
 * a value that fits no branch of a union (`jump`, a nullable patch) is told the first reason.
 */
export function schemaProblems(schema: TSchema, value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    if (error.keyword === 'boolean') continue; // the additionalProperties error says it better
    const params = error.params as { additionalProperties?: string[]; requiredProperties?: string[] };
    if (error.keyword === 'additionalProperties' && params.additionalProperties?.length) {
      for (const unknownKey of params.additionalProperties) {
        const pointer = `${error.instancePath}/${unknownKey}`;
        problems.push({ pointer, key: keyName(pointer), reason: 'unknown key' });
      }
      continue;
    }
    if (error.keyword === 'required' && params.requiredProperties?.length) {
      for (const required of params.requiredProperties) {
        const pointer = `${error.instancePath}/${required}`;
        problems.push({ pointer, key: keyName(pointer), reason: 'is required' });
      }
      continue;
    }
    problems.push({ pointer: error.instancePath, key: keyName(error.instancePath), reason: error.message });
  }
  return problems.filter((p, i) => problems.findIndex((q) => q.pointer === p.pointer) === i);
}

/** Resolves paths the way the config file's own are: relative to `base`, `~/` expanded. */
export function pathResolver(base: string): (p: string) => string {
  return (p) => {
    const expanded = p.startsWith('~/') ? `${homedir()}/${p.slice(2)}` : p;
    return isAbsolute(expanded) ? expanded : resolve(base, expanded);
  };
}

/** The defaults of a config file that says nothing (the demo, tools without a config). */
export function defaultHostDefaults(base = process.cwd()): HostDefaults {
  const path = pathResolver(base);
  return {
    ssh: {
      identityFile: path('~/.ssh/id_ed25519'),
      knownHosts: path('~/.ssh/known_hosts'),
      sshConfig: null,
      path,
    },
    labelIntervals: {},
  };
}

/** The host as the scanner needs it. Throws Error with the reason when it cannot be reached. */
export function resolveHostSpec(spec: HostSpec, defaults: HostDefaults): HostTarget {
  const labels = spec.labels ?? [];
  const labelMinutes = labels.flatMap((l) => {
    const minutes = defaults.labelIntervals[l];
    return minutes === undefined ? [] : [minutes];
  });
  const minutes = spec.intervalMinutes ?? (labelMinutes.length ? Math.min(...labelMinutes) : undefined);
  return {
    name: spec.name,
    labels,
    ...resolveHost(spec, defaults.ssh),
    ...(minutes === undefined ? {} : { intervalMs: minutes * 60_000 }),
    ...(spec.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
    ...(defaults.agent ? { agent: defaults.agent } : {}),
  };
}

const hostPort = (address: string, port: number) =>
  `${address.includes(':') ? `[${address}]` : address}${port === 22 ? '' : `:${port}`}`;
const hopSpec = (hop: Hop) => `${hop.user}@${hostPort(hop.address, hop.port)}`;

/**
 * A resolved host written back as a spec: how hosts that came without one (the config file's,
 * resolved at load; the demo's) are shown. Paths equal to the defaults are left out, as a config
 * file would leave them out.
 */
export function specOfTarget(target: HostTarget, defaults?: HostDefaults): HostSpec {
  return {
    name: target.name,
    address: target.address,
    port: target.port,
    user: target.user,
    labels: target.labels,
    ...(target.identityFile === defaults?.ssh.identityFile ? {} : { identityFile: target.identityFile }),
    ...(target.knownHosts === defaults?.ssh.knownHosts ? {} : { knownHosts: target.knownHosts }),
    ...(target.intervalMs === undefined ? {} : { intervalMinutes: target.intervalMs / 60_000 }),
    ...(target.trustOnFirstUse ? { trustOnFirstUse: true } : {}),
    ...(target.jump?.length ? { jump: target.jump.map(hopSpec) } : {}),
  };
}

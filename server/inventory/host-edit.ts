import type { HostTarget } from '../config/config.js';
import { type HostDefaults, type HostSpec, resolveHostSpec, schemaProblems } from '../config/host-spec.js';
import { HostConfig } from '../config/schema.js';

// Checking a host given to the API, and applying a change to one: pure, the config file's own
// schema and resolution (server/config/host-spec.ts), so both accept and refuse the same hosts.

/** Why a host was refused: every problem as `key: reason`, the way the config loader says it. */
export class HostSpecError extends Error {
  override name = 'HostSpecError';
  constructor(readonly problems: { key: string; reason: string }[]) {
    super(problems.map((p) => (p.key ? `${p.key}: ${p.reason}` : p.reason)).join('; '));
  }
}

/** One spelling of a jump chain: a list, as the API shows it. */
function normalized(spec: HostSpec): HostSpec {
  if (typeof spec.jump !== 'string') return spec;
  return { ...spec, jump: spec.jump.split(',') };
}

/** The host checked against the config file's schema and resolved with its defaults. */
export function checkHost(value: unknown, defaults: HostDefaults): { spec: HostSpec; target: HostTarget } {
  const problems = schemaProblems(HostConfig, value);
  if (problems.length > 0) throw new HostSpecError(problems);
  const spec = normalized(value as HostSpec);
  try {
    return { spec, target: resolveHostSpec(spec, defaults) };
  } catch (err) {
    throw new HostSpecError([{ key: '', reason: (err as Error).message }]);
  }
}

/**
 * A partial change: each key given replaces the host's, `null` drops it (back to the default).
 * The name is the host's identity (history, re-adding after removal) and cannot change.
 */
export function patchHost(spec: HostSpec, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    throw new HostSpecError([{ key: '', reason: 'must be object' }]);
  const changes = patch as Record<string, unknown>;
  if ('name' in changes && changes.name !== spec.name)
    throw new HostSpecError([
      {
        key: 'name',
        reason:
          'cannot be changed: a host is known by its name; add it under the new name and remove this one',
      },
    ]);
  const merged: Record<string, unknown> = { ...spec };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

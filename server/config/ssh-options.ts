import type SSHConfig from 'ssh-config';
import type { Hop } from '../collect/collect.js';

// How a host is reached, the way OpenSSH users expect: the YAML first, then an ssh_config file
// the config points to (Host, HostName, User, Port, IdentityFile, ProxyJump), then defaults.

export interface SshDefaults {
  identityFile: string;
  knownHosts: string;
  passphrase?: string;
  sshConfig: SSHConfig | null;
  /** Resolves a path the way the config file's own paths are (relative to it, ~ expanded). */
  path: (p: string) => string;
}

export interface ResolvedHop extends Hop {
  jump?: Hop[];
}

interface Computed {
  HostName?: string;
  User?: string;
  Port?: string;
  IdentityFile?: string[];
  ProxyJump?: string;
}

function lookup(defaults: SshDefaults, alias: string): Computed {
  return (defaults.sshConfig?.compute(alias) as Computed | undefined) ?? {};
}

/** `[user@]host[:port]` or `[user@][v6]:port`, as ProxyJump writes one hop. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port?: number } {
  const at = spec.lastIndexOf('@');
  const user = at === -1 ? undefined : spec.slice(0, at);
  const rest = spec.slice(at + 1);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed)
    return { user, host: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : undefined };
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && /^\d+$/.test(rest.slice(colon + 1))) {
    return { user, host: rest.slice(0, colon), port: Number(rest.slice(colon + 1)) };
  }
  return { user, host: rest };
}

/** One bastion, from its ProxyJump spelling, completed from ssh_config and the defaults. */
function bastion(spec: string, fallbackUser: string, defaults: SshDefaults): Hop {
  const parsed = parseJumpSpec(spec.trim());
  const computed = lookup(defaults, parsed.host);
  return {
    address: computed.HostName ?? parsed.host,
    port: parsed.port ?? (computed.Port ? Number(computed.Port) : 22),
    user: parsed.user ?? computed.User ?? fallbackUser,
    identityFile: computed.IdentityFile?.[0]
      ? defaults.path(computed.IdentityFile[0])
      : defaults.identityFile,
    knownHosts: defaults.knownHosts,
    ...(defaults.passphrase === undefined ? {} : { passphrase: defaults.passphrase }),
  };
}

export interface HostSshSettings {
  address: string;
  port?: number;
  user?: string;
  identityFile?: string;
  knownHosts?: string;
  jump?: string | string[];
}

/** The hops of one host. Throws Error with the reason when something needed is missing. */
export function resolveHost(host: HostSshSettings, defaults: SshDefaults): ResolvedHop {
  const computed = lookup(defaults, host.address);
  const user = host.user ?? computed.User;
  if (!user) throw new Error('no user: set user here or User in the ssh_config file');
  const port = host.port ?? (computed.Port ? Number(computed.Port) : 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${port} is not in 1-65535`);
  const jumpSpecs =
    host.jump === undefined
      ? computed.ProxyJump && computed.ProxyJump !== 'none'
        ? computed.ProxyJump.split(',')
        : []
      : Array.isArray(host.jump)
        ? host.jump
        : host.jump.split(',');
  const knownHosts = host.knownHosts ? defaults.path(host.knownHosts) : defaults.knownHosts;
  const jump = jumpSpecs.map((spec) => bastion(spec, user, { ...defaults, knownHosts }));
  return {
    address: computed.HostName ?? host.address,
    port,
    user,
    identityFile: host.identityFile
      ? defaults.path(host.identityFile)
      : computed.IdentityFile?.[0]
        ? defaults.path(computed.IdentityFile[0])
        : defaults.identityFile,
    knownHosts,
    ...(defaults.passphrase === undefined ? {} : { passphrase: defaults.passphrase }),
    ...(jump.length > 0 ? { jump } : {}),
  };
}

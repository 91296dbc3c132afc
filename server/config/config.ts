// The resolved configuration: every default applied, every path absolute.

import type { Hop } from '../collect/collect.js';
import type { HostDefaults } from './host-spec.js';

export interface HostTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
  identityFile: string;
  knownHosts: string;
  passphrase?: string;
  /** Accept and pin the host key at the first scan when known_hosts does not list it. */
  trustOnFirstUse?: boolean;
  /** How often this host is scanned; the fleet default when absent. */
  intervalMs?: number;
  /** Bastions to go through, in order. */
  jump?: Hop[];
}

export interface Config {
  /** The file it came from, or null for the embedded default. */
  source: string | null;
  listen: { host: string; port: number };
  database: string;
  scan: {
    intervalMs: number;
    startSpreadMs: number;
    concurrency: number;
    connectTimeoutMs: number;
    timeoutMs: number;
    maxOutputBytes: number;
  };
  retention: { reportDays: number; scanDays: number };
  http: {
    tls: { certFile: string; keyFile: string } | null;
    trustProxy: boolean | string | string[];
    secureCookies: 'auto' | 'always';
  };
  /** What hosts added through the API are resolved with; absent: a config that says nothing. */
  hostDefaults?: HostDefaults;
  hosts: HostTarget[];
}

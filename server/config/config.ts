// The resolved configuration: every default applied, every path absolute.

import type { Hop } from '../collect/collect.js';

export interface HostTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
  identityFile: string;
  knownHosts: string;
  passphrase?: string;
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
    concurrency: number;
    connectTimeoutMs: number;
    timeoutMs: number;
    maxOutputBytes: number;
  };
  retention: { reportDays: number; scanDays: number };
  hosts: HostTarget[];
}

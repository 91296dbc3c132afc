// The resolved configuration: every default applied, every path absolute.

export interface HostTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  labels: string[];
  identityFile: string;
  knownHosts: string;
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

import { createHash, createHmac } from 'node:crypto';

// An OpenSSH known_hosts file, read the way ssh(1) reads it (sshd(8) "SSH_KNOWN_HOSTS FILE
// FORMAT"): plain and hashed (|1|salt|hmac) host patterns, [host]:port for non-22 ports,
// wildcards and negation, @revoked markers. @cert-authority lines are kept but not used: host
// certificates are not accepted by the collector.

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | null;
  patterns: string;
  keyType: string;
  /** The raw public key blob, as the server sends it. */
  key: Buffer;
  line: number;
}

export type HostKeyVerdict =
  | { verdict: 'match' }
  | { verdict: 'unknown' }
  | { verdict: 'changed'; knownFingerprints: string[] }
  | { verdict: 'revoked' };

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0] === '@revoked') marker = 'revoked';
    else if (fields[0] === '@cert-authority') marker = 'cert-authority';
    if (marker) fields.shift();
    const [patterns, keyType, keyBase64] = fields;
    if (!patterns || !keyType || !keyBase64) continue;
    const key = Buffer.from(keyBase64, 'base64');
    if (key.length === 0) continue;
    entries.push({ marker, patterns, keyType, key, line: i + 1 });
  }
  return entries;
}

/** The name ssh looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** SHA256:base64 without padding, as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

// Compiled once per pattern: a fleet's known_hosts has an entry per host, and every connection
// looks its host up in all of them (2,000 regex compilations per connection otherwise).
const wildcards = new Map<string, RegExp>();

function wildcardMatch(pattern: string, name: string): boolean {
  // ssh's match_pattern: `*` any run, `?` one character, case-insensitive for host names.
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern.toLowerCase() === name.toLowerCase();
  let compiled = wildcards.get(pattern);
  if (!compiled) {
    let regex = '^';
    for (const ch of pattern.toLowerCase()) {
      if (ch === '*') regex += '.*';
      else if (ch === '?') regex += '.';
      else regex += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
    }
    compiled = new RegExp(`${regex}$`);
    wildcards.set(pattern, compiled);
  }
  return compiled.test(name.toLowerCase());
}

function hashedMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('|');
  const salt = parts[2];
  const hash = parts[3];
  if (parts[1] !== '1' || !salt || !hash) return false;
  const hmac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return hmac === hash;
}

export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.patterns.startsWith('|')) return hashedMatch(entry.patterns, name);
  let matched = false;
  for (const pattern of entry.patterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/**
 * A known_hosts file's entries, looked up by name the way ssh does it but without a walk of the
 * whole file per connection: a fleet's file has an entry per host, and a round connects to all of
 * them (2,000 × 2,000 pattern matches otherwise). Entries whose patterns are plain names are
 * indexed by name; hashed, wildcard and negated ones are still matched one by one.
 */
export class KnownHosts {
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly matched: KnownHostEntry[] = [];
  private readonly revoked: KnownHostEntry[] = [];

  constructor(readonly entries: readonly KnownHostEntry[]) {
    for (const e of entries) {
      if (e.marker === 'revoked') this.revoked.push(e);
      if (e.marker !== null) continue;
      const patterns = e.patterns.split(',');
      if (e.patterns.startsWith('|') || patterns.some((p) => /[*?!]/.test(p))) {
        this.matched.push(e);
        continue;
      }
      for (const name of new Set(patterns.map((p) => p.toLowerCase()))) {
        const list = this.byName.get(name);
        if (list) list.push(e);
        else this.byName.set(name, [e]);
      }
    }
  }

  /** The host's unmarked entries, in file order. */
  forName(name: string): KnownHostEntry[] {
    const indexed = this.byName.get(name.toLowerCase()) ?? [];
    const matched = this.matched.filter((e) => entryMatchesHost(e, name));
    if (matched.length === 0) return indexed;
    return [...indexed, ...matched].sort((a, b) => a.line - b.line);
  }

  /** A revoked key is refused wherever it appears, whatever host pattern it carries. */
  revokes(key: Buffer): boolean {
    return this.revoked.some((e) => e.key.equals(key));
  }
}

const indexed = (known: KnownHosts | readonly KnownHostEntry[]): KnownHosts =>
  known instanceof KnownHosts ? known : new KnownHosts(known);

/** Key types known for this host, to offer only those host key algorithms (as ssh does). */
export function knownKeyTypes(
  known: KnownHosts | readonly KnownHostEntry[],
  host: string,
  port: number,
): string[] {
  return [
    ...new Set(
      indexed(known)
        .forName(hostLookupName(host, port))
        .map((e) => e.keyType),
    ),
  ];
}

export function verifyHostKey(
  known: KnownHosts | readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const hosts = indexed(known);
  if (hosts.revokes(key)) return { verdict: 'revoked' };
  const forHost = hosts.forName(hostLookupName(host, port));
  if (forHost.some((e) => e.key.equals(key))) return { verdict: 'match' };
  if (forHost.length === 0) return { verdict: 'unknown' };
  return { verdict: 'changed', knownFingerprints: forHost.map((e) => fingerprint(e.key)) };
}

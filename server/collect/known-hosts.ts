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

/** Key types known for this host, to offer only those host key algorithms (as ssh does). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = hostLookupName(host, port);
  const types = new Set<string>();
  for (const e of entries) {
    if (e.marker === null && entryMatchesHost(e, name)) types.add(e.keyType);
  }
  return [...types];
}

export function verifyHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = hostLookupName(host, port);
  // A revoked key is refused wherever it appears, whatever host pattern it carries.
  if (entries.some((e) => e.marker === 'revoked' && e.key.equals(key))) return { verdict: 'revoked' };
  const forHost = entries.filter((e) => e.marker === null && entryMatchesHost(e, name));
  if (forHost.some((e) => e.key.equals(key))) return { verdict: 'match' };
  if (forHost.length === 0) return { verdict: 'unknown' };
  return { verdict: 'changed', knownFingerprints: forHost.map((e) => fingerprint(e.key)) };
}

import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { fingerprint, KnownHosts, knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.js';
import { collectScript } from './script.js';
import type { ScanStatus } from './status.js';

/** One SSH server on the way: a bastion, or the scanned host itself. */
export interface Hop {
  address: string;
  port: number;
  user: string;
  identityFile: string;
  knownHosts: string;
  /** Passphrase of the identity file, when it has one. */
  passphrase?: string;
  /** Use the ssh-agent at this socket (SSH_AUTH_SOCK) as well as the identity file. */
  agent?: string;
  /**
   * For a host known_hosts does not list: the fingerprint pinned in the database, or (when the
   * operator turned it on for this host) trust on first use. known_hosts always wins.
   */
  pin?: { fingerprint: string | null; trustOnFirstUse: boolean };
}

export interface CollectTarget extends Hop {
  name: string;
  /** Bastions to go through, in order (OpenSSH's ProxyJump); each host key verified. */
  jump?: Hop[];
}

export interface CollectOptions {
  /** TCP connect + SSH handshake + authentication, per hop. */
  connectTimeoutMs?: number;
  /** The whole collection, from connect to the last byte. */
  timeoutMs?: number;
  /** stdout + stderr; a host that prints more is cut off. */
  maxOutputBytes?: number;
}

export interface CollectResult {
  status: ScanStatus;
  error: string | null;
  /** The raw report document (stdout bytes), when the command ran to the end. */
  report: Buffer | null;
  /** The scanned host's key as presented (not a bastion's). */
  hostKey: { type: string; fingerprint: string } | null;
  /** How the host key was accepted: known_hosts, the pin in the database, or first use (pin it). */
  hostKeyVia?: 'known-hosts' | 'pinned' | 'first-use';
  startedAt: Date;
  finishedAt: Date;
}

export const collectDefaults = {
  connectTimeoutMs: 10_000,
  timeoutMs: 60_000,
  maxOutputBytes: 32 * 1024 * 1024,
} as const;

const STDERR_KEPT = 4096;

/** A collection that ends without a report: its status and a sentence a person can act on. */
class Refusal extends Error {
  constructor(
    readonly status: ScanStatus,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Ask first for the key types known_hosts holds for this host, then the rest, as ssh(1) does:
 * a host that now only offers another type is then caught as a changed key, not mistaken for
 * a handshake failure.
 */
function hostKeyAlgorithms(keyTypes: string[]): ConnectConfig['algorithms'] | undefined {
  if (keyTypes.length === 0) return undefined;
  const known = keyTypes.flatMap((t) =>
    t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t],
  );
  // ssh2 applies these in order: take the known ones out of the default list, put them in front.
  // biome-ignore lint/suspicious/noExplicitAny: ssh2's algorithm list type is a closed union of literals
  return { serverHostKey: { remove: known, prepend: known } as any };
}

function keyTypeOf(blob: Buffer): string {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  return blob.subarray(4, 4 + length).toString('latin1');
}

function networkRefusal(err: NodeJS.ErrnoException & { level?: string }, where: string): Refusal {
  if (err.level === 'client-authentication') {
    return new Refusal('auth-failed', `${where}authentication refused: the host did not accept the key`);
  }
  if (err.level === 'client-timeout') {
    return new Refusal('timeout', `${where}SSH handshake did not complete in time`);
  }
  return new Refusal('unreachable', `${where}${err.code ? `${err.code}: ${err.message}` : err.message}`);
}

// Files read for every connection (known_hosts, identity files), kept while unchanged: each
// connection stats the file (so an edit counts at once) but reads and parses it again only when
// its inode, size, mtime or ctime moved (any write or replacement moves ctime). A round of a
// large fleet otherwise reads and walks the same known_hosts once per host.
const readFiles = new Map<string, { stamp: string; value: unknown }>();

async function readCached<T>(file: string, parse: (bytes: Buffer) => T): Promise<T> {
  // Synchronous: a local file's stat takes microseconds, where the thread pool's round trip
  // cost ~1 ms of the main thread per connection on a busy 2-core machine.
  const s = statSync(file, { bigint: true });
  const stamp = `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  const cached = readFiles.get(file);
  if (cached?.stamp === stamp) return cached.value as T;
  const value = parse(await readFile(file));
  readFiles.set(file, { stamp, value });
  return value;
}

async function readKnownHosts(file: string): Promise<KnownHosts> {
  try {
    return await readCached(file, (bytes) => new KnownHosts(parseKnownHosts(bytes.toString('utf8'))));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new KnownHosts([]);
    throw new Refusal('hostkey-unknown', `cannot read known_hosts ${file}: ${(err as Error).message}`);
  }
}

async function readIdentity(file: string): Promise<Buffer> {
  try {
    return await readCached(file, (bytes) => bytes);
  } catch (err) {
    throw new Refusal('auth-failed', `cannot read identity file ${file}: ${(err as Error).message}`);
  }
}

interface HopConnection {
  client: Client;
  hostKey: { type: string; fingerprint: string } | null;
  via: 'known-hosts' | 'pinned' | 'first-use';
}

/** Connect to one hop (over `sock` when behind a bastion), its host key checked first. */
async function connectHop(
  hop: Hop,
  label: string,
  sock: Duplex | undefined,
  connectTimeoutMs: number,
  track: (client: Client, presented: () => HopConnection['hostKey']) => void,
): Promise<HopConnection> {
  const known = await readKnownHosts(hop.knownHosts);
  const privateKey = await readIdentity(hop.identityFile);
  return new Promise<HopConnection>((resolve, reject) => {
    const client = new ssh2.Client();
    let presented: HopConnection['hostKey'] = null;
    track(client, () => presented);
    let refusal: Refusal | null = null;
    let via: HopConnection['via'] = 'known-hosts';
    client.once('ready', () => resolve({ client, hostKey: presented, via }));
    client.on('error', (err: NodeJS.ErrnoException & { level?: string }) =>
      reject(refusal ?? networkRefusal(err, label)),
    );
    client.once('close', () =>
      reject(refusal ?? new Refusal('unreachable', `${label}connection closed during the handshake`)),
    );
    client.connect({
      host: hop.address,
      port: hop.port,
      username: hop.user,
      privateKey,
      passphrase: hop.passphrase,
      agent: hop.agent,
      sock,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: 15_000,
      algorithms: hostKeyAlgorithms(knownKeyTypes(known, hop.address, hop.port)),
      hostVerifier: (key: Buffer) => {
        presented = { type: keyTypeOf(key), fingerprint: fingerprint(key) };
        const verdict = verifyHostKey(known, hop.address, hop.port, key);
        switch (verdict.verdict) {
          case 'match':
            return true;
          case 'unknown':
            if (hop.pin?.fingerprint) {
              if (hop.pin.fingerprint === presented.fingerprint) {
                via = 'pinned';
                return true;
              }
              refusal = new Refusal(
                'hostkey-changed',
                `${label}HOST KEY CHANGED: host presented ${presented.fingerprint}, the pinned key is ${hop.pin.fingerprint}`,
              );
              return false;
            }
            if (hop.pin?.trustOnFirstUse) {
              via = 'first-use';
              return true;
            }
            refusal = new Refusal(
              'hostkey-unknown',
              `${label}host key ${presented.fingerprint} is not in ${hop.knownHosts}`,
            );
            return false;
          case 'changed':
            refusal = new Refusal(
              'hostkey-changed',
              `${label}HOST KEY CHANGED: host presented ${presented.fingerprint}, known_hosts has ${verdict.knownFingerprints.join(', ')}`,
            );
            return false;
          case 'revoked':
            refusal = new Refusal(
              'hostkey-changed',
              `${label}host key ${presented.fingerprint} is revoked in ${hop.knownHosts}`,
            );
            return false;
        }
      },
    });
    // TCP_NODELAY, as ssh(1) sets it: with Nagle on, delayed ACKs hold back each small packet of
    // the handshake and the exec (~4x longer to log in to a real sshd). No-op on a jump channel.
    client.setNoDelay(true);
  });
}

/** Open a TCP channel from `via` to the next hop (ssh -J). */
function forward(via: Client, to: Hop, label: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, to.address, to.port, (err, channel) => {
      if (err)
        reject(
          new Refusal(
            'unreachable',
            `${label}cannot reach ${to.address}:${to.port} through it: ${err.message}`,
          ),
        );
      else resolve(channel);
    });
  });
}

/** Run the collection script over one exec; the report bytes, or why there are none. */
function runScript(
  client: Client,
  maxOutputBytes: number,
  script: string,
): Promise<{ report: Buffer; warning: string | null }> {
  return new Promise((resolve, reject) => {
    client.exec('sh -s', (err, channel) => {
      if (err) return reject(new Refusal('command-failed', `exec refused: ${err.message}`));
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let size = 0;
      let stderrSize = 0;
      let over = false;
      const count = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxOutputBytes && !over) {
          over = true;
          reject(
            new Refusal('output-too-large', `the host printed more than ${maxOutputBytes} bytes; cut off`),
          );
          channel.close();
        }
      };
      channel.on('data', (chunk: Buffer) => {
        count(chunk);
        if (!over) stdout.push(chunk);
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        count(chunk);
        if (stderrSize < STDERR_KEPT) stderr.push(chunk);
        stderrSize += chunk.length;
      });
      channel.on('close', (code: number | null, signal?: string) => {
        if (over) return;
        const report = Buffer.concat(stdout);
        const errText = Buffer.concat(stderr).toString('utf8').slice(0, STDERR_KEPT).trim();
        if (code !== 0 && report.toString('latin1').trim() === '') {
          const why = signal ? `killed by ${signal}` : `exit status ${code ?? 'unknown'}`;
          return reject(
            new Refusal('command-failed', `collect.sh failed (${why})${errText ? `: ${errText}` : ''}`),
          );
        }
        resolve({ report, warning: code === 0 ? null : `collect.sh exit status ${code}` });
      });
      // The boundary is fresh per scan, so nothing the host printed before can pose as a frame.
      const boundary = randomBytes(12).toString('hex');
      channel.end(`UNITSCORE_BOUNDARY=${boundary}\n${script}`);
    });
  });
}

/**
 * Run agents/collect.sh on one host over one SSH exec (through its bastions, if any) and return
 * its report, or the reason there is none. Never throws for anything a host or the network does.
 */
export async function collect(target: CollectTarget, options: CollectOptions = {}): Promise<CollectResult> {
  const startedAt = new Date();
  const connectTimeoutMs = options.connectTimeoutMs ?? collectDefaults.connectTimeoutMs;
  const timeoutMs = options.timeoutMs ?? collectDefaults.timeoutMs;
  const maxOutputBytes = options.maxOutputBytes ?? collectDefaults.maxOutputBytes;
  const clients: Client[] = [];
  let presentedKey: () => CollectResult['hostKey'] = () => null;
  let hostKeyVia: CollectResult['hostKeyVia'];
  const result = (status: ScanStatus, error: string | null, report: Buffer | null = null): CollectResult => ({
    status,
    error,
    report,
    hostKey: presentedKey(),
    ...(hostKeyVia ? { hostKeyVia } : {}),
    startedAt,
    finishedAt: new Date(),
  });

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Refusal('timeout', `no complete report within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
  });
  const work = async () => {
    const script = await collectScript();
    const hops = [...(target.jump ?? []), target];
    let sock: Duplex | undefined;
    let previous: Client | undefined;
    for (const [i, hop] of hops.entries()) {
      const isTarget = i === hops.length - 1;
      const label = isTarget ? '' : `bastion ${hop.address}:${hop.port}: `;
      if (previous) {
        const via = hops[i - 1] as Hop;
        sock = await forward(previous, hop, `bastion ${via.address}:${via.port}: `);
      }
      const connection = await connectHop(hop, label, sock, connectTimeoutMs, (client, presented) => {
        clients.push(client);
        // The scanned host's key is recorded even when it is refused: the alert needs both.
        if (isTarget) presentedKey = presented;
      });
      previous = connection.client;
      if (isTarget) hostKeyVia = connection.via;
    }
    return runScript(previous as Client, maxOutputBytes, script);
  };
  try {
    const { report, warning } = await Promise.race([work(), deadline]);
    return result('ok', warning, report);
  } catch (err) {
    if (err instanceof Refusal) return result(err.status, err.message);
    return result('command-failed', `collector error: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    // Close from the scanned host back to the first bastion.
    for (const client of clients.reverse()) {
      client.end();
      client.destroy();
    }
  }
}

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2, { type ClientChannel, type ConnectConfig } from 'ssh2';
import { fingerprint, knownKeyTypes, parseKnownHosts, verifyHostKey } from './known-hosts.js';
import { collectScript } from './script.js';
import type { ScanStatus } from './status.js';

export interface CollectTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  identityFile: string;
  knownHosts: string;
}

export interface CollectOptions {
  /** TCP connect + SSH handshake + authentication. */
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
  hostKey: { type: string; fingerprint: string } | null;
  startedAt: Date;
  finishedAt: Date;
}

export const collectDefaults = {
  connectTimeoutMs: 10_000,
  timeoutMs: 60_000,
  maxOutputBytes: 32 * 1024 * 1024,
} as const;

const STDERR_KEPT = 4096;

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

function networkStatus(err: NodeJS.ErrnoException & { level?: string }): {
  status: ScanStatus;
  error: string;
} {
  if (err.level === 'client-authentication') {
    return { status: 'auth-failed', error: 'authentication refused: the host did not accept the key' };
  }
  if (err.level === 'client-timeout') {
    return { status: 'timeout', error: 'SSH handshake did not complete in time' };
  }
  return { status: 'unreachable', error: err.code ? `${err.code}: ${err.message}` : err.message };
}

/**
 * Run agents/collect.sh on one host over one SSH exec and return its report, or the reason
 * there is none. Never throws for anything the host or the network does.
 */
export async function collect(target: CollectTarget, options: CollectOptions = {}): Promise<CollectResult> {
  const startedAt = new Date();
  const connectTimeoutMs = options.connectTimeoutMs ?? collectDefaults.connectTimeoutMs;
  const timeoutMs = options.timeoutMs ?? collectDefaults.timeoutMs;
  const maxOutputBytes = options.maxOutputBytes ?? collectDefaults.maxOutputBytes;
  const done = (
    status: ScanStatus,
    error: string | null,
    report: Buffer | null = null,
    hostKey = presented,
  ) => ({
    status,
    error,
    report,
    hostKey,
    startedAt,
    finishedAt: new Date(),
  });
  let presented: CollectResult['hostKey'] = null;

  let privateKey: Buffer;
  let knownHostsText: string;
  try {
    privateKey = await readFile(target.identityFile);
  } catch (err) {
    return done('auth-failed', `cannot read identity file ${target.identityFile}: ${(err as Error).message}`);
  }
  try {
    knownHostsText = await readFile(target.knownHosts, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      return done(
        'hostkey-unknown',
        `cannot read known_hosts ${target.knownHosts}: ${(err as Error).message}`,
      );
    }
    knownHostsText = '';
  }
  const known = parseKnownHosts(knownHostsText);
  const script = await collectScript();

  return new Promise<CollectResult>((resolve) => {
    const client = new ssh2.Client();
    let settled = false;
    let hostKeyRefusal: { status: ScanStatus; error: string } | null = null;
    const finish = (result: CollectResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      client.end();
      client.destroy();
      resolve(result);
    };
    const deadline = setTimeout(
      () => finish(done('timeout', `no complete report within ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );

    client.on('error', (err: NodeJS.ErrnoException & { level?: string }) => {
      if (hostKeyRefusal) return finish(done(hostKeyRefusal.status, hostKeyRefusal.error));
      const { status, error } = networkStatus(err);
      finish(done(status, error));
    });
    client.on('close', () => {
      if (hostKeyRefusal) finish(done(hostKeyRefusal.status, hostKeyRefusal.error));
      else finish(done('unreachable', 'connection closed before the report was complete'));
    });

    client.on('ready', () => {
      client.exec('sh -s', (err, channel) => {
        if (err) return finish(done('command-failed', `exec refused: ${err.message}`));
        runScript(channel);
      });
    });

    const runScript = (channel: ClientChannel) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let size = 0;
      let stderrSize = 0;
      const count = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxOutputBytes) {
          finish(done('output-too-large', `the host printed more than ${maxOutputBytes} bytes; cut off`));
        }
      };
      channel.on('data', (chunk: Buffer) => {
        count(chunk);
        stdout.push(chunk);
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        count(chunk);
        if (stderrSize < STDERR_KEPT) stderr.push(chunk);
        stderrSize += chunk.length;
      });
      channel.on('close', (code: number | null, signal?: string) => {
        const report = Buffer.concat(stdout);
        const errText = Buffer.concat(stderr).toString('utf8').slice(0, STDERR_KEPT).trim();
        if (code !== 0 && report.toString('latin1').trim() === '') {
          const why = signal ? `killed by ${signal}` : `exit status ${code ?? 'unknown'}`;
          return finish(done('command-failed', `collect.sh failed (${why})${errText ? `: ${errText}` : ''}`));
        }
        finish(done('ok', code === 0 ? null : `collect.sh exit status ${code}`, report));
      });
      // The boundary is fresh per scan, so nothing the host printed before can pose as a frame.
      const boundary = randomBytes(12).toString('hex');
      channel.end(`UNITSCORE_BOUNDARY=${boundary}\n${script}`);
    };

    client.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      privateKey,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: 15_000,
      algorithms: hostKeyAlgorithms(knownKeyTypes(known, target.address, target.port)),
      hostVerifier: (key: Buffer) => {
        presented = { type: keyTypeOf(key), fingerprint: fingerprint(key) };
        const verdict = verifyHostKey(known, target.address, target.port, key);
        switch (verdict.verdict) {
          case 'match':
            return true;
          case 'unknown':
            hostKeyRefusal = {
              status: 'hostkey-unknown',
              error: `host key ${presented.fingerprint} is not in ${target.knownHosts}`,
            };
            return false;
          case 'changed':
            hostKeyRefusal = {
              status: 'hostkey-changed',
              error: `HOST KEY CHANGED: host presented ${presented.fingerprint}, known_hosts has ${verdict.knownFingerprints.join(', ')}`,
            };
            return false;
          case 'revoked':
            hostKeyRefusal = {
              status: 'hostkey-changed',
              error: `host key ${presented.fingerprint} is revoked`,
            };
            return false;
        }
      },
    });
  });
}

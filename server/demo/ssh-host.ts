import { randomBytes, timingSafeEqual } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import ssh2, { type ParsedKey, type ServerChannel } from 'ssh2';

// ssh2 is CommonJS; Node cannot name its exports statically.
const { Server, utils } = ssh2;

// One simulated SSH host: a real SSH server (ssh2's Server) with its own host key, accepting
// one client key, answering `sh -s` with a recorded report. The collector cannot tell it from
// a real host, which is the point: the demo runs through the same code as a real fleet.
//
// A host can also misbehave, the way real hosts and networks do (fault tests, the demo's broken
// hosts). The behaviour can change between connections (`setBehaviour`), so a test can scan a
// healthy fleet, break part of it, and scan again.

export const HOST_BEHAVIOURS = [
  /** The report, exit 0. */
  'answer',
  /** Nothing listens on the port any more (connection refused). */
  'down',
  /** TCP is accepted, then not a byte: no SSH banner, ever (a wedged host, a black-holing middlebox). */
  'silent',
  /** SSH login works, the command is accepted and never answers or ends. */
  'hang',
  /** About half of the report, then the TCP connection is reset. */
  'drop',
  /** The exec request is refused (a server that allows no commands). */
  'exec-refused',
  /** No output, a shell's error on stderr, exit status 127. */
  'exit-error',
  /** The report of a host without systemd-analyze (`analyze=missing`). */
  'no-analyze',
  /** The report of a host whose systemd is older than 240 (`analyze=unsupported`). */
  'old-systemd',
  /** Random bytes instead of a report, exit 0. */
  'garbage',
  /** Report bytes without end, for as long as the client reads: over any size cap. */
  'flood',
  /** Every login refused, whatever the key (a user the host does not let in). */
  'auth-refused',
] as const;

export type HostBehaviour = (typeof HOST_BEHAVIOURS)[number];

export interface DemoHostOptions {
  address: string;
  /** Listen port; default the kernel's pick. */
  port?: number;
  hostKey: string;
  clientPublicKey: string;
  /** The report to answer with, given the boundary the collector chose. */
  respond: (boundary: string) => string;
  behaviour?: HostBehaviour;
}

export interface DemoHost {
  address: string;
  port: number;
  behaviour(): HostBehaviour;
  /**
   * What the host does from the next connection on. `down` closes the listening socket (its
   * port stays this host's); any other behaviour listens again on the same port. `hostKey`
   * replaces the key the host presents (a reinstalled host).
   */
  setBehaviour(behaviour: HostBehaviour, options?: { hostKey?: string }): Promise<void>;
  close(): Promise<void>;
}

function parsed(key: string): ParsedKey {
  const result = utils.parseKey(key);
  if (result instanceof Error) throw result;
  return Array.isArray(result) ? (result[0] as ParsedKey) : result;
}

/** A recorded report cut after its meta section, the way collect.sh ends without a usable tool. */
export function reportWithoutAnalyze(report: string, analyze: 'missing' | 'unsupported'): string {
  const header = report.slice(0, report.indexOf('\n'));
  const boundary = header.split(' ')[2] ?? '';
  const metaStart = report.indexOf(`\n@${boundary} section meta\n`);
  const metaEnd = report.indexOf(`\n@${boundary} `, metaStart + 1);
  if (metaStart < 0 || metaEnd < 0) throw new Error('not a report with a meta section');
  let meta = report
    .slice(metaStart, metaEnd)
    .split('\n')
    .filter((l) => !/^(systemd|systemd_version|analyze)=/.test(l));
  if (analyze === 'unsupported') meta = [...meta, 'systemd=systemd 239 (239-41.el8)', 'systemd_version=239'];
  return `${header}${meta.join('\n')}\nanalyze=${analyze}\n\n@${boundary} end\n`;
}

/** Writes `text` then calls `after`, minding the channel's flow control. */
function send(stream: ServerChannel, text: string | Buffer, after: () => void): void {
  if (stream.write(text)) after();
  else stream.once('drain', after);
}

export async function startDemoHost(options: DemoHostOptions): Promise<DemoHost> {
  const allowed = parsed(options.clientPublicKey);
  const allowedBlob = allowed.getPublicSSH();
  let behaviour: HostBehaviour = options.behaviour ?? 'answer';
  let hostKey = options.hostKey;
  // Raw TCP sockets, so `silent` can hold one and `drop` can reset one; by remote address:port.
  const sockets = new Map<string, Socket>();
  const sshServers = new Map<string, InstanceType<typeof Server>>();

  const sshServer = (key: string) => {
    let server = sshServers.get(key);
    if (server) return server;
    server = new Server({ hostKeys: [key] }, (client, info) => {
      const socket = sockets.get(`${info.ip}:${info.port}`);
      // What the host does is fixed when the connection comes in.
      const mode = behaviour;
      client.on('error', () => client.end());
      client.on('authentication', (ctx) => {
        if (mode === 'auth-refused') return ctx.reject(['publickey']);
        if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type) return ctx.reject(['publickey']);
        const blob = ctx.key.data;
        if (blob.length !== allowedBlob.length || !timingSafeEqual(blob, allowedBlob))
          return ctx.reject(['publickey']);
        if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
          return ctx.reject(['publickey']);
        }
        ctx.accept();
      });
      client.on('ready', () => {
        client.on('session', (acceptSession) => {
          const session = acceptSession();
          session.on('exec', (accept, reject, info) => {
            if (info.command !== 'sh -s' || mode === 'exec-refused') return reject();
            const stream = accept();
            let input = '';
            stream.on('data', (chunk: Buffer) => {
              input += chunk.toString('utf8');
            });
            stream.on('end', () => {
              const boundary = /^UNITSCORE_BOUNDARY=([A-Za-z0-9]+)$/m.exec(input)?.[1] ?? 'demo';
              answer(mode, stream, boundary, socket);
            });
          });
        });
      });
    });
    sshServers.set(key, server);
    return server;
  };

  const answer = (mode: HostBehaviour, stream: ServerChannel, boundary: string, socket?: Socket) => {
    const finish = (code: number) => {
      stream.exit(code);
      stream.end();
    };
    switch (mode) {
      case 'hang':
        return; // the command runs for ever; only the client's deadline ends this
      case 'exit-error':
        stream.stderr.write('sh: 1: sh: not found\n');
        return finish(127);
      case 'garbage':
        return send(stream, randomBytes(64 * 1024), () => finish(0));
      case 'no-analyze':
      case 'old-systemd': {
        const report = options.respond(boundary);
        return send(
          stream,
          reportWithoutAnalyze(report, mode === 'no-analyze' ? 'missing' : 'unsupported'),
          () => finish(0),
        );
      }
      case 'drop': {
        const report = options.respond(boundary);
        return send(stream, report.slice(0, report.length >> 1), () => {
          // Let the bytes leave, then cut the wire as a crashing host or a broken link would.
          setTimeout(() => socket?.resetAndDestroy(), 50);
        });
      }
      case 'flood': {
        const report = Buffer.from(options.respond(boundary));
        let closed = false;
        stream.on('close', () => {
          closed = true;
        });
        const more = () => {
          if (!closed) send(stream, report, () => setImmediate(more));
        };
        return more();
      }
      default:
        return send(stream, options.respond(boundary), () => finish(0));
    }
  };

  const listener = net.createServer((socket) => {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    sockets.set(key, socket);
    socket.once('close', () => sockets.delete(key));
    socket.on('error', () => socket.destroy());
    if (behaviour === 'silent') return; // accepted, and nothing more
    // As sshd does (TCP_NODELAY): without it, Nagle and delayed ACKs add ~40 ms to each
    // round trip of the handshake, and the simulated fleet would be slower than real hosts.
    socket.setNoDelay(true);
    sshServer(hostKey).injectSocket(socket);
  });

  let listening = false;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, options.address, () => {
        listener.off('error', reject);
        listening = true;
        resolve((listener.address() as AddressInfo).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      listener.close(() => resolve());
    });

  sshServer(hostKey); // made now, so a key ssh2 cannot read fails the start, not a connection
  const port = await listen(options.port ?? 0);
  if (behaviour === 'down') await stopListening();
  return {
    address: options.address,
    port,
    behaviour: () => behaviour,
    async setBehaviour(next, change = {}) {
      if (change.hostKey) {
        sshServer(change.hostKey);
        hostKey = change.hostKey;
      }
      behaviour = next;
      if (next === 'down') await stopListening();
      else if (!listening) await listen(port);
    },
    async close() {
      const closing = stopListening();
      for (const socket of sockets.values()) socket.destroy();
      await closing;
    },
  };
}

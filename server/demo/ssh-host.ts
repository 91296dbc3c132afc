import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2, { type ParsedKey } from 'ssh2';

// ssh2 is CommonJS; Node cannot name its exports statically.
const { Server, utils } = ssh2;

// One simulated SSH host: a real SSH server (ssh2's Server) with its own host key, accepting
// one client key, answering `sh -s` with a recorded report. The collector cannot tell it from
// a real host, which is the point: the demo runs through the same code as a real fleet.

export interface DemoHostOptions {
  address: string;
  hostKey: string;
  clientPublicKey: string;
  /** The report to answer with, given the boundary the collector chose. */
  respond: (boundary: string) => string;
}

export interface DemoHost {
  address: string;
  port: number;
  close(): Promise<void>;
}

function parsed(key: string): ParsedKey {
  const result = utils.parseKey(key);
  if (result instanceof Error) throw result;
  return Array.isArray(result) ? (result[0] as ParsedKey) : result;
}

export function startDemoHost(options: DemoHostOptions): Promise<DemoHost> {
  const allowed = parsed(options.clientPublicKey);
  const allowedBlob = allowed.getPublicSSH();
  const server = new Server({ hostKeys: [options.hostKey] }, (client) => {
    client.on('error', () => client.end());
    client.on('authentication', (ctx) => {
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
          if (info.command !== 'sh -s') return reject();
          const stream = accept();
          let input = '';
          stream.on('data', (chunk: Buffer) => {
            input += chunk.toString('utf8');
          });
          stream.on('end', () => {
            const boundary = /^UNITSCORE_BOUNDARY=([A-Za-z0-9]+)$/m.exec(input)?.[1] ?? 'demo';
            stream.write(options.respond(boundary));
            stream.exit(0);
            stream.end();
          });
        });
      });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.address, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        address: options.address,
        port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

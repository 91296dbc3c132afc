import { readFileSync } from 'node:fs';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

// The web defences every response gets: secure headers with a strict Content-Security-Policy,
// no caching of API answers, rate limits (applied per route: login), request size limits, and
// TLS when a certificate is configured.

export interface HttpOptions {
  /** Serve HTTPS with this PEM certificate (chain) and key; omitted: plain HTTP. */
  tls?: { certFile: string; keyFile: string } | null;
  /**
   * Behind a reverse proxy: which proxies to believe about the client's address and protocol
   * (X-Forwarded-For, X-Forwarded-Proto). Fastify's trustProxy: `true` (any: only when nothing
   * but the proxy can reach unitscore) or the proxy's addresses or CIDRs ('127.0.0.1',
   * ['10.0.0.0/8']). Default false: the socket's address is the client.
   */
  trustProxy?: boolean | string | string[];
  /** The largest request body any route takes, in bytes (routes default to 64 KiB). */
  bodyLimit?: number;
}

/** Options for the Fastify constructor. */
export function httpServerOptions(options: HttpOptions = {}): FastifyServerOptions {
  const server: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } = {
    trustProxy: options.trustProxy ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
  };
  if (options.tls) {
    // Read at start: a missing or unreadable file stops the server with the path in the error.
    server.https = { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) };
  }
  // Typed as plain HTTP options: with TLS the server is an https.Server, which Fastify's API hides.
  return server;
}

/** The web app's policy: only its own scripts, styles and API; never framed; no inline anything. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
  scriptSrcAttr: ["'none'"],
};

export async function registerWebSecurity(app: FastifyInstance, options: HttpOptions = {}): Promise<void> {
  const tls = Boolean(options.tls);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        ...CONTENT_SECURITY_POLICY,
        // Over plain HTTP this would break every asset; with TLS it keeps them on HTTPS.
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only where this server speaks TLS itself; a TLS-terminating proxy sets its own.
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onSend', async (request, reply) => {
    // API answers carry fleet data and CSRF tokens: no browser or proxy cache keeps them.
    if (request.url.startsWith('/api/') || request.url === '/metrics')
      reply.header('cache-control', 'no-store');
  });
  // Per route only (config.rateLimit): login, setup and password change.
  await app.register(rateLimit, { global: false, keyGenerator: (request) => request.ip });
}

import { constants, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

// A body kept as JSON bytes (large lists, memoised until the data changes): made once by the
// route's own serializer, so it is byte for byte what the route would send, then sent as is.
// Bytes, not a string: a string is encoded to UTF-8 again on every send, megabytes each time.
// Browsers accept gzip, and the hosts list of 10,000 hosts is megabytes of repeated keys: the
// compressed copy is made once too, on first demand, instead of compressing every response.

export class JsonBody {
  private gzipped: Buffer | null = null;

  constructor(readonly bytes: Buffer) {}

  /** The same bytes gzipped, made on the first call. Level 1: most of the gain, a few ms per MB. */
  gzip(): Buffer {
    this.gzipped ??= gzipSync(this.bytes, { level: constants.Z_BEST_SPEED });
    return this.gzipped;
  }
}

/** The route's 200 body as UTF-8 JSON, by the route's response schema. */
export function serializeBody(reply: FastifyReply, body: Record<string, unknown>): JsonBody {
  // A route that also answers CSV keys its 200 schema by content type, which reply.serialize()
  // does not look into: ask for the JSON one, else the route's only one.
  const serialize =
    reply.getSerializationFunction('200', 'application/json') ?? reply.getSerializationFunction('200');
  if (!serialize) throw new TypeError('the route has no 200 schema to serialize with');
  const text = serialize(body);
  if (typeof text !== 'string') throw new TypeError('the route serializer did not make JSON text');
  return new JsonBody(Buffer.from(text, 'utf8'));
}

/** gzip listed in Accept-Encoding, and not refused with q=0. */
export function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** Send kept JSON, gzipped when the client takes it: Fastify passes a Buffer through untouched. */
export function sendJsonBody(request: FastifyRequest, reply: FastifyReply, body: JsonBody): FastifyReply {
  // Added to a Vary the route set (one that also answers CSV varies on Accept).
  const vary = reply.getHeader('vary');
  reply
    .type('application/json; charset=utf-8')
    .header('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
  if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(body.bytes);
  return reply.header('content-encoding', 'gzip').send(body.gzip());
}

import type { FastifyReply } from 'fastify';

// A body kept as JSON bytes (large lists, memoised until the data changes): made once by the
// route's own serializer, so it is byte for byte what the route would send, then sent as is.
// Bytes, not a string: a string is encoded to UTF-8 again on every send, megabytes each time.

/** The route's 200 body as UTF-8 JSON, by the route's response schema. */
export function serializeBody(reply: FastifyReply, body: unknown): Buffer {
  const text = reply.serialize(body);
  if (typeof text !== 'string') throw new TypeError('the route serializer did not make JSON text');
  return Buffer.from(text, 'utf8');
}

/** Send JSON bytes: Fastify passes a Buffer with a content type through untouched. */
export function sendJsonBody(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}

import type { FastifyReply } from 'fastify';

// A body kept as JSON text (large lists, memoised until the data changes): made once by the
// route's own serializer, so it is byte for byte what the route would send, then sent as is.

/** The route's 200 body as JSON text, by the route's response schema. */
export function serializeBody(reply: FastifyReply, body: unknown): string {
  const text = reply.serialize(body);
  if (typeof text !== 'string') throw new TypeError('the route serializer did not make JSON text');
  return text;
}

/** Send JSON text: Fastify passes a string with a JSON content type through unserialized. */
export function sendJsonText(reply: FastifyReply, text: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(text);
}

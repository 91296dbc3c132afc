import type { FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import type { CheckFlip } from '../../store/queries/check-flips.js';
import type { Distribution } from '../../store/queries/distribution.js';

// Shared by the fleet and history routes: tenths → decimals, and the CSV side of a response.

export const score = (tenths: number | null): number | null => (tenths === null ? null : tenths / 10);

export const iso = (ms: number): string => new Date(ms).toISOString();

export function presentDistribution(d: Distribution) {
  return {
    units: d.units,
    median: score(d.median),
    p90: score(d.p90),
    worst: score(d.worst),
    bands: d.bands,
  };
}

/** A 200 that is JSON (the schema) or CSV (Accept: text/csv, ?format=csv); both in the OpenAPI document. */
export function csvContent<T extends TSchema>(schema: T) {
  return {
    description: 'JSON, or CSV with every row when asked for text/csv',
    content: {
      'application/json': { schema },
      'text/csv': { schema: Type.String({ description: 'RFC 4180 with a header row' }) },
    },
  };
}

/** The same URL answers JSON or CSV by the Accept header: tell caches. */
export function varyOnAccept(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('vary', 'Accept');
    return payload;
  });
}

const yesNo = (set: boolean | null) => (set === null ? 'n/a' : set ? 'yes' : 'no');

/** Flipped checks in one CSV cell: `PrivateTmp no->yes; ProtectHome yes->no`. */
export const flipsCell = (flips: CheckFlip[]): string =>
  flips.map((f) => `${f.check} ${yesNo(f.from)}->${yesNo(f.to)}`).join('; ');

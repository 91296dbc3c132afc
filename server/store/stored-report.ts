import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';
import { normaliseReport } from './report-digest.js';

// A raw report as the reports table keeps it: normalised (report-digest.ts), content-addressed by
// the SHA-256 of the normalised bytes, compressed. Pure: no database here, so it can run on any
// thread.

export type ReportCodec = 'gzip' | 'br';

export interface StoredReport {
  /** SHA-256 of the normalised report: reportDigest(report). */
  digest: Buffer;
  /** Normalised size in bytes. */
  size: number;
  codec: ReportCodec;
  body: Buffer;
}

// Quality 5 with a 16 MB window: ~8 KB for a 0.95 MB report in ~4 ms, where gzip -6 gives
// ~21 KB in ~4 ms. The window spans the whole report, whose units repeat each other's checks.
const BROTLI = {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 5,
    [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  },
};

/** Normalise once, hash and compress that; `digest` when the caller already has it. */
export function storedReport(report: Buffer | string, digest?: Buffer): StoredReport {
  const normal = normaliseReport(report);
  return {
    digest: digest ?? createHash('sha256').update(normal).digest(),
    size: normal.length,
    codec: 'br',
    body: brotliCompressSync(normal, {
      ...BROTLI,
      params: { ...BROTLI.params, [constants.BROTLI_PARAM_SIZE_HINT]: normal.length },
    }),
  };
}

/** The normalised report bytes back from a stored body. */
export function readStoredReport(body: Buffer, codec: ReportCodec): Buffer {
  return codec === 'br' ? brotliDecompressSync(body) : gunzipSync(body);
}

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

// Quality 4 with a window just over the report (the units repeat each other's checks, so the
// window must span the whole report; a larger one only costs time and memory): ~9.6 KB for a
// 0.95 MB report in ~2 ms, where quality 5 with a 16 MB window took ~5 ms for 7.8 KB and gzip -6
// gives ~21 KB in ~4 ms. Raw reports are kept 30 days by default: time matters more than bytes.
const QUALITY = 4;
const windowBits = (size: number) =>
  Math.min(
    constants.BROTLI_MAX_WINDOW_BITS,
    Math.max(constants.BROTLI_MIN_WINDOW_BITS, Math.ceil(Math.log2(size + 1))),
  );

/** Normalise once, hash and compress that; `digest` when the caller already has it. */
export function storedReport(report: Buffer | string, digest?: Buffer): StoredReport {
  const normal = normaliseReport(report);
  return {
    digest: digest ?? createHash('sha256').update(normal).digest(),
    size: normal.length,
    codec: 'br',
    body: brotliCompressSync(normal, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: windowBits(normal.length),
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: normal.length,
      },
    }),
  };
}

/** The normalised report bytes back from a stored body. */
export function readStoredReport(body: Buffer, codec: ReportCodec): Buffer {
  return codec === 'br' ? brotliDecompressSync(body) : gunzipSync(body);
}

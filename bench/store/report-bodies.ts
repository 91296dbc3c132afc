import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { normaliseReport } from '../../server/store/report-digest.js';
import { type StoredReport, storedReport } from '../../server/store/stored-report.js';
import { framedReport, templateCount } from './framed-reports.js';

// Stored raw reports for the scale phase, where making, hashing and compressing 150,000 reports
// of ~5 MB would take an hour (the ingest phase measures that work). A 150-unit report is stood
// in for by three recorded 57-unit ones framed as one and compressed by the store's own codec;
// a few such bodies are made once and stored under each host state's own digest, so every state
// takes the room a real report would.

const STAND_INS = 6;

const standIns = Array.from({ length: STAND_INS }, (_, k) =>
  Buffer.concat(
    [0, 1, 2].map((j) =>
      framedReport({ host: k, template: (k + j) % templateCount, version: j }, 'stored', new Date(0)),
    ),
  ),
);
const bodies: StoredReport[] = standIns.map((report) => storedReport(report));

/** The stored report of host `host` in state `version`. */
export function reportOf(host: number, version: number): StoredReport {
  const body = bodies[(host + version) % bodies.length] as StoredReport;
  return { ...body, digest: createHash('sha256').update(`${host}:${version}`).digest() };
}

export const meanBodyBytes = bodies.reduce((n, b) => n + b.body.length, 0) / bodies.length;
export const meanReportBytes = bodies.reduce((n, b) => n + b.size, 0) / bodies.length;
/** The same with gzip -6, as reports were stored before migration 0007. */
export const meanGzipBytes =
  standIns.reduce((n, r) => n + gzipSync(normaliseReport(r)).length, 0) / standIns.length;

import { prepareScan } from '../store/prepared-scan.js';
import { reportDigest } from '../store/report-digest.js';
import { interpretReport, type ScanResult } from './scan-host.js';

// From report bytes to what the store writes, without the store: the repeat check against the
// host's last report, parsing, and the store's encoding (prepared-scan.ts). Pure, so it runs in
// an analysing worker (analyse-pool.ts) as well as inline.

/** The host's last successful scan and the digest of its report. */
export interface LastReport {
  id: number;
  hash: Buffer;
}

export type Analysis =
  | { repeatOf: number }
  | (Pick<ScanResult, 'status' | 'error' | 'meta' | 'systemdVersion' | 'errors'> &
      Required<Pick<ScanResult, 'prepared'>>);

export function analyse(report: Buffer, last: LastReport | null): Analysis {
  // Hashed once: the repeat check's digest is the stored report's content address.
  const digest = reportDigest(report);
  if (last?.hash.equals(digest)) return { repeatOf: last.id };
  const { units, ...interpreted } = interpretReport(report.toString('utf8'));
  return { ...interpreted, prepared: prepareScan({ report, units }, digest) };
}

import { MissingAssessment, type ScanWriter } from '../store/scans.js';
import { analyse } from './analyse.js';
import type { ScanResult } from './scan-host.js';

/**
 * Store a scan. An analysing worker leaves out the checks of assessments it sent before (most of
 * a fleet's units are the same assessments, ~1 MB a report to copy between threads); when the
 * store does not have one after all (the scan that brought it was not stored: its host left the
 * inventory mid-round, its write failed), the report is prepared again here, in full, and stored.
 */
export function saveAnalysed(writer: ScanWriter, hostId: number, scan: ScanResult): number {
  try {
    return writer.save(hostId, scan);
  } catch (err) {
    if (!(err instanceof MissingAssessment) || scan.report === null) throw err;
    const again = analyse(scan.report, null);
    if ('repeatOf' in again) throw err;
    return writer.save(hostId, { ...scan, prepared: again.prepared });
  }
}

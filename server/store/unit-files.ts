import { ReportFormatError, readReport } from '../analyze/report.js';
import { parseUnitFiles } from '../analyze/unit-files.js';
import type { Db } from './db.js';
import { type ReportCodec, readStoredReport } from './stored-report.js';

// The unit files a scan's report carried (agents/collect.sh sends each unit's scored lines),
// read back from the stored raw report for the score model. Reports are kept for the report
// retention only: past it, or for reports from older agents, there are none and the model works
// from the checks alone. Reports never change (content-addressed), so a few are kept decoded.

const CACHED_REPORTS = 16;

export class UnitFilesReader {
  private readonly reportOfScan;
  private readonly cache = new Map<number, Map<string, string>>();

  constructor(db: Db) {
    this.reportOfScan = db.prepare(
      'SELECT r.id AS id, r.body, r.codec FROM scans s JOIN reports r ON r.id = s.report_id WHERE s.id = ?',
    );
  }

  /** The unit's files as the scan's report carried them, or null when it did not. */
  forScan(scanId: number, unit: string): string | null {
    const row = this.reportOfScan.get(scanId) as { id: number; body: Buffer; codec: ReportCodec } | undefined;
    if (!row) return null;
    let files = this.cache.get(row.id);
    if (!files) {
      try {
        files = parseUnitFiles(
          readReport(readStoredReport(row.body, row.codec).toString('utf8')).sections.get('unit-files'),
        );
      } catch (err) {
        // A report the parser cannot frame had no usable unit files either.
        if (!(err instanceof ReportFormatError)) throw err;
        files = new Map();
      }
      if (this.cache.size >= CACHED_REPORTS) this.cache.delete(this.cache.keys().next().value as number);
      this.cache.set(row.id, files);
    }
    return files.get(unit) ?? null;
  }
}

import { createHash } from 'node:crypto';

// A report as stored: the per-scan boundary and the collection time taken out (the scan row
// keeps the time), so the same host state is the same bytes and the same digest. Still a valid
// report document, readable by the parser.

const STORED_BOUNDARY = 'stored';
const HEADER = /^(unitscore-report \d+ )([A-Za-z0-9]+)\n/;
const COLLECTED_AT = '\ncollected_at=';

/**
 * Visit the normalised report in pieces, without building it: a 2 MB report is hashed on
 * every scan, and stored only when it is new.
 */
function visitNormalised(report: string, visit: (piece: string) => void): void {
  const header = HEADER.exec(report);
  if (!header) {
    visit(report);
    return;
  }
  const needle = `@${header[2]} `;
  const replacement = `@${STORED_BOUNDARY} `;
  visit(`${header[1]}${STORED_BOUNDARY}\n`);
  let at = header[0].length;
  // collected_at sits in the meta section at the top: blank its value once.
  const timeAt = report.indexOf(COLLECTED_AT, at);
  const timeEnd = timeAt === -1 ? -1 : report.indexOf('\n', timeAt + 1);
  while (at < report.length) {
    const next = report.indexOf(needle, at);
    const end = next === -1 ? report.length : next;
    if (timeAt >= at && timeAt < end && timeEnd !== -1) {
      visit(report.slice(at, timeAt + COLLECTED_AT.length));
      visit(report.slice(timeEnd, end));
    } else {
      visit(report.slice(at, end));
    }
    if (next === -1) break;
    visit(replacement);
    at = next + needle.length;
  }
}

export function normaliseReport(report: string): string {
  const pieces: string[] = [];
  visitNormalised(report, (p) => pieces.push(p));
  return pieces.join('');
}

/** SHA-256 of normaliseReport(report), computed without building it. */
export function reportDigest(report: string): Buffer {
  const hash = createHash('sha256');
  visitNormalised(report, (p) => hash.update(p));
  return hash.digest();
}

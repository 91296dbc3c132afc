import { createHash } from 'node:crypto';

// A report as stored: the per-scan boundary and the collection time taken out (the scan row
// keeps the time), so the same host state is the same bytes and the same digest. Still a valid
// report document, readable by the parser. Works on the bytes as they came off the wire: a
// repeat of the last report is recognised without decoding or copying its ~2 MB.

const STORED_BOUNDARY = 'stored';
const HEADER = /^(unitscore-report \d+ )([A-Za-z0-9]+)\n/;
const COLLECTED_AT = Buffer.from('\ncollected_at=');
const NEWLINE = 0x0a;

function visitNormalised(report: Buffer, visit: (piece: Buffer) => void): void {
  const header = HEADER.exec(report.subarray(0, 256).toString('latin1'));
  if (!header) {
    visit(report);
    return;
  }
  const needle = Buffer.from(`@${header[2]} `);
  const replacement = Buffer.from(`@${STORED_BOUNDARY} `);
  visit(Buffer.from(`${header[1]}${STORED_BOUNDARY}\n`));
  let at = header[0].length;
  // collected_at sits in the meta section at the top: blank its value once.
  const timeAt = report.indexOf(COLLECTED_AT, at);
  const timeEnd = timeAt === -1 ? -1 : report.indexOf(NEWLINE, timeAt + 1);
  while (at < report.length) {
    const next = report.indexOf(needle, at);
    const end = next === -1 ? report.length : next;
    if (timeAt >= at && timeAt < end && timeEnd !== -1) {
      visit(report.subarray(at, timeAt + COLLECTED_AT.length));
      visit(report.subarray(timeEnd, end));
    } else {
      visit(report.subarray(at, end));
    }
    if (next === -1) break;
    visit(replacement);
    at = next + needle.length;
  }
}

const bytes = (report: Buffer | string) => (typeof report === 'string' ? Buffer.from(report) : report);

export function normaliseReport(report: Buffer | string): Buffer {
  const pieces: Buffer[] = [];
  visitNormalised(bytes(report), (p) => pieces.push(p));
  return Buffer.concat(pieces);
}

/** SHA-256 of normaliseReport(report), computed without building it. */
export function reportDigest(report: Buffer | string): Buffer {
  const hash = createHash('sha256');
  visitNormalised(bytes(report), (p) => hash.update(p));
  return hash.digest();
}

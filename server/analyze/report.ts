// The framed report document written by agents/collect.sh (format: agents/README.md). Splits it
// into meta, sections and exit statuses, keeping every section's bytes exactly as the command
// printed them. Nothing here interprets systemd output.

import type { ParseProblem } from './model.js';

export type ReportFormatCode = 'empty' | 'not-a-report' | 'unsupported-version' | 'bad-boundary';

/** The document is not a unitscore report at all: nothing in it can be read. */
export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
  constructor(
    readonly code: ReportFormatCode,
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export type ReportProblemCode =
  | 'stray-text' // bytes outside any section (after an exit frame, before the first frame)
  | 'unknown-frame'
  | 'bad-exit'
  | 'duplicate-section'
  | 'after-end'
  | 'bad-meta-line'
  | 'cut'; // no end frame: the document was cut off

export interface ReportProblem extends ParseProblem {
  code: ReportProblemCode;
}

export interface Report {
  boundary: string;
  meta: Record<string, string>;
  /** Section name → body, exactly the bytes the command printed. */
  sections: Map<string, string>;
  /** Section name → 1-based document line of the body's first line, to report problems in place. */
  sectionLines: Map<string, number>;
  exits: Map<string, number>;
  /** The end frame was seen. */
  complete: boolean;
  /** The section that was being written when the document was cut off, if any. */
  cutSection: string | null;
  problems: ReportProblem[];
}

const MAGIC = 'unitscore-report';

export function readReport(doc: string): Report {
  const headerEnd = doc.indexOf('\n');
  const header = stripCR(headerEnd < 0 ? doc : doc.slice(0, headerEnd));
  const boundary = readHeader(header);
  // A document that went through CRLF conversion has "\r\n" as the frame's own newline too.
  const crlf = headerEnd > 0 && doc[headerEnd - 1] === '\r';
  const report: Report = {
    boundary,
    meta: {},
    sections: new Map(),
    sectionLines: new Map(),
    exits: new Map(),
    complete: false,
    cutSection: null,
    problems: [],
  };
  if (headerEnd < 0) {
    report.problems.push({ line: 1, code: 'cut', reason: 'document ends after its first line' });
    return report;
  }

  const marker = `\n@${boundary} `;
  const lines = new LineCounter(doc);
  let open: string | null = null; // section whose body runs up to the next frame
  let bodyStart = headerEnd + 1;
  let pos = headerEnd;
  for (;;) {
    const at = doc.indexOf(marker, pos);
    const bodyEnd = at < 0 ? doc.length : crlf && doc[at - 1] === '\r' ? at - 1 : at;
    const body = bodyStart <= bodyEnd ? doc.slice(bodyStart, bodyEnd) : '';
    if (report.complete) {
      if (body.replace(/[\r\n]/g, '') !== '' || at >= 0) {
        report.problems.push({
          line: lines.at(bodyStart),
          code: 'after-end',
          reason: 'data after the end frame',
        });
      }
      break;
    }
    if (open !== null) {
      closeSection(report, open, body, lines.at(bodyStart), at < 0);
    } else if (body !== '') {
      report.problems.push({
        line: lines.at(bodyStart),
        code: 'stray-text',
        reason: 'text outside any section',
      });
    }
    if (at < 0) {
      report.cutSection = open;
      report.problems.push({
        line: lines.at(doc.length),
        code: 'cut',
        reason: 'document ends without its end frame',
      });
      break;
    }
    const frameStart = at + 1;
    const frameEnd = doc.indexOf('\n', frameStart);
    const frame = stripCR(doc.slice(frameStart + marker.length - 1, frameEnd < 0 ? doc.length : frameEnd));
    open = readFrame(report, frame, lines.at(frameStart));
    bodyStart = frameEnd < 0 ? doc.length : frameEnd + 1;
    pos = frameEnd < 0 ? doc.length : frameEnd;
    if (frameEnd < 0 && !report.complete) {
      // The document stops inside a frame line: nothing of that frame can be trusted.
      report.cutSection = null;
      report.problems.push({
        line: lines.at(frameStart),
        code: 'cut',
        reason: 'document ends inside a frame line',
      });
      break;
    }
  }
  return report;
}

function readHeader(header: string): string {
  if (header === '') throw new ReportFormatError('empty', 1, 'empty document');
  const [magic, version, boundary, ...extra] = header.split(' ');
  if (magic !== MAGIC) throw new ReportFormatError('not-a-report', 1, 'not a unitscore report');
  if (version !== '1')
    throw new ReportFormatError('unsupported-version', 1, `unsupported report version ${version}`);
  if (boundary === undefined || extra.length > 0 || !/^[A-Za-z0-9]+$/.test(boundary)) {
    throw new ReportFormatError('bad-boundary', 1, 'invalid boundary');
  }
  return boundary;
}

/** Applies one frame line; returns the section it opens, if any. */
function readFrame(report: Report, frame: string, line: number): string | null {
  const words = frame.split(' ');
  const [kind, name = '', status] = words;
  const validName = /^[a-z0-9][a-z0-9-]*$/.test(name);
  if (kind === 'end' && words.length === 1) {
    report.complete = true;
    return null;
  }
  if (kind === 'section' && words.length === 2 && validName) {
    if (!report.sections.has(name)) return name;
    report.problems.push({ line, code: 'duplicate-section', reason: `section ${name} appears twice` });
    return null;
  }
  if (kind === 'exit' && words.length === 3 && validName) {
    if (status !== undefined && /^[0-9]{1,3}$/.test(status)) report.exits.set(name, Number(status));
    else report.problems.push({ line, code: 'bad-exit', reason: `unreadable exit status of ${name}` });
    return null;
  }
  report.problems.push({ line, code: 'unknown-frame', reason: 'unknown frame' });
  return null;
}

function closeSection(report: Report, name: string, body: string, line: number, cut: boolean): void {
  report.sections.set(name, body);
  report.sectionLines.set(name, line);
  if (name === 'meta') readMeta(report, body, line, cut);
}

function readMeta(report: Report, body: string, firstLine: number, cut: boolean): void {
  const lines = body.split('\n');
  // A value cut off mid-line would be read as a wrong value: drop it.
  if (cut && !body.endsWith('\n')) lines.pop();
  lines.forEach((raw, i) => {
    const l = stripCR(raw);
    if (l === '') return;
    const eq = l.indexOf('=');
    if (eq <= 0) {
      report.problems.push({
        line: firstLine + i,
        code: 'bad-meta-line',
        reason: 'meta line without key=value',
      });
      return;
    }
    report.meta[l.slice(0, eq)] = l.slice(eq + 1);
  });
}

function stripCR(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** 1-based line numbers of offsets, for offsets asked in increasing order: linear overall. */
class LineCounter {
  private offset = 0;
  private line = 1;
  constructor(private readonly doc: string) {}
  at(index: number): number {
    for (
      let i = this.doc.indexOf('\n', this.offset);
      i >= 0 && i < index;
      i = this.doc.indexOf('\n', i + 1)
    ) {
      this.line++;
      this.offset = i + 1;
    }
    if (this.offset < index) this.offset = index;
    return this.line;
  }
}

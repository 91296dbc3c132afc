// The text output of `systemd-analyze security`: per-unit tables, each ended by its summary line,
// then possibly the overview table; stderr lines may be mixed in when a user pasted `2>&1`.
// A table that does not end in its summary line, or that has lines which are not rows, is kept
// with `partial: true`, and every line that could not be read is reported with its number.

import type { Check, OverviewRow, ParseProblem, UnitAssessment, UnitError } from './model.js';
import { predicateFor } from './numbers.js';
import { isOverviewHeader, parseOverviewRow } from './overview-table.js';
import { MAX_PROBLEMS, omittedProblems } from './problems.js';
import { parseSummaryLine } from './summary-line.js';
import { parseTableHeader, parseTableRow, type TableLayout } from './table-row.js';
import { textDialectFor } from './text-dialect.js';
import { endsMidLine, splitLines, stripEscapes } from './text-lines.js';
import { classifyStderrLine } from './unit-errors.js';

export interface TextParseOptions {
  /** The host's systemd version, to pick the dialect; null/absent = any known version. */
  version?: number | null;
  /** The output is known to be cut (document without end frame): its last line may be incomplete. */
  cut?: boolean;
}

export interface TextParse {
  /** In output order. A unit whose name is unknown (cut before its summary line) has unit ''. */
  units: UnitAssessment[];
  /** 1-based line of each unit's first line (header, first row or lone summary), same order. */
  unitLines: number[];
  overview: OverviewRow[];
  errors: UnitError[];
  problems: ParseProblem[];
}

/**
 * The longest line read as a row, summary or overview line. systemd's widest rows are a few hundred
 * characters (more with colours and links); anything far longer is not output of the tool, and
 * would only cost time.
 */
export const MAX_LINE_LENGTH = 16_384;

/** systemd has 81 assessors; a table far longer than that is not its output. */
export const MAX_TABLE_ROWS = 1000;

interface OpenTable {
  layout: TableLayout | null;
  line: number;
  checks: Check[];
  broken: boolean;
}

export function parseSecurityText(text: string, options: TextParseOptions = {}): TextParse {
  const d = textDialectFor(options.version ?? null);
  const out: TextParse = { units: [], unitLines: [], overview: [], errors: [], problems: [] };
  // Past MAX_PROBLEMS only counted: a million garbage lines need not cost a million objects.
  let omitted: ParseProblem | null = null;
  const problem = (line: number, reason: string) => {
    if (out.problems.length < MAX_PROBLEMS) out.problems.push({ line, reason });
    else if (omitted) omitted.omitted = (omitted.omitted ?? 0) + 1;
    else omitted = { line, reason: '', omitted: 1 };
  };
  const lines = splitLines(text);
  if (options.cut && endsMidLine(text) && lines.length > 0) {
    lines.pop();
    problem(lines.length + 1, 'line cut off');
  }

  let table = null as OpenTable | null;
  let inOverview = false;

  const closeCut = (line: number) => {
    if (!table) return;
    problem(line, 'table ends without its "Overall exposure level" line');
    out.units.push({ unit: '', exposure: null, predicate: null, checks: table.checks, partial: true });
    out.unitLines.push(table.line);
    table = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i] as string;
    if (raw.length > MAX_LINE_LENGTH) {
      problem(n, 'line too long');
      if (table) table.broken = true;
      continue;
    }
    const line = stripEscapes(raw);
    if (line.trim() === '') continue;

    const layout = parseTableHeader(line, d);
    if (layout) {
      closeCut(n);
      inOverview = false;
      table = { layout, line: n, checks: [], broken: false };
      continue;
    }
    if (isOverviewHeader(line, d)) {
      closeCut(n);
      inOverview = true;
      continue;
    }

    const summary = parseSummaryLine(line, d);
    if (summary?.ok) {
      const { unit, exposure, predicate } = summary.summary;
      if (predicateFor(exposure) !== predicate) problem(n, 'predicate does not match the exposure');
      if (!table) problem(n, 'summary line without its table');
      else if (table.checks.length === 0) problem(n, 'table without rows');
      const checks = table?.checks ?? [];
      const partial = !table || table.broken || checks.length === 0;
      out.units.push({ unit, exposure, predicate, checks, partial });
      out.unitLines.push(table?.line ?? n);
      table = null;
      inOverview = false;
      continue;
    }
    if (summary) {
      problem(n, summary.reason);
      if (table) table.broken = true;
      continue;
    }

    // Rows first: a description may contain words that also appear in error messages.
    if (inOverview) {
      const row = parseOverviewRow(line);
      if (row.ok) {
        out.overview.push(row.row);
        continue;
      }
    }
    if (table && table.checks.length >= MAX_TABLE_ROWS) {
      problem(n, 'more rows than a table of systemd-analyze has');
      table.broken = true;
      continue;
    }
    const row = parseTableRow(line, table?.layout ?? null, d);
    if (row.ok && table) {
      table.checks.push(row.check);
      continue;
    }
    if (row.ok && !inOverview) {
      // Rows without a header (a grepped table): kept, but the table can never be whole.
      problem(n, 'table rows without a header line');
      table = { layout: null, line: n, checks: [row.check], broken: true };
      continue;
    }

    const stderr = classifyStderrLine(line);
    if (stderr.kind === 'error') out.errors.push(stderr.error);
    if (stderr.kind !== 'unknown') continue;
    problem(n, !row.ok && table ? row.reason : 'unrecognised line');
    if (table) table.broken = true;
  }
  // Reported on the line after the last one, unless the output ends without a newline: then on
  // its last line (never past the input).
  closeCut(Math.min(lines.length + 1, physicalLines(text)));
  if (omitted) out.problems.push(omittedProblems(omitted));
  return out;
}

/** Lines as an editor numbers them: a final newline starts one more (empty) line. */
function physicalLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

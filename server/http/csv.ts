import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

// CSV export of every table (RFC 4180: CRLF lines, a header row, quoted cells where needed).
// Host data is hostile: a unit name like `=HYPERLINK(...)` would be a live formula in a
// spreadsheet, so a text cell starting with = + - @ (or tab/CR, which some spreadsheets skip
// before those) gets a leading single quote. Numbers are written as numbers.

export type Cell = string | number | boolean | null | undefined;

export interface Column<T> {
  header: string;
  cell: (row: T) => Cell;
}

/** Columns that are the row's own fields, headed by their names. */
export function fields<T>(...keys: (keyof T & string)[]): Column<T>[] {
  return keys.map((key) => ({ header: key, cell: (row: T) => row[key] as Cell }));
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: readonly Cell[]): string => `${cells.map(csvCell).join(',')}\r\n`;

/** The document in chunks of about 64 KiB: the header, then one line per row. */
export function* csvChunks<T>(columns: readonly Column<T>[], rows: Iterable<T>): Generator<string> {
  let chunk = csvLine(columns.map((c) => c.header));
  for (const row of rows) {
    chunk += csvLine(columns.map((c) => c.cell(row)));
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let bestSpecificity = -1;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity < bestSpecificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    bestSpecificity = specificity;
    best = Number.isFinite(value) ? value : 0;
  }
  return best;
}

/** CSV when asked with ?format=csv, or when Accept prefers text/csv to application/json. */
export function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format) return format === 'csv';
  const accept = request.headers.accept;
  if (!accept) return false;
  const csv = quality(accept, 'text/csv');
  return csv > 0 && csv > quality(accept, 'application/json');
}

/**
 * Send rows as a CSV download. `rows` is consumed lazily as the client reads: pass a generator
 * that fetches page by page for lists that can be long, never an open database iterator (the
 * connection is shared with the scan writer).
 */
export function sendCsv<T>(
  reply: FastifyReply,
  name: string,
  columns: readonly Column<T>[],
  rows: Iterable<T>,
) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(Readable.from(csvChunks(columns, rows), { objectMode: false }));
}

// The overview table: `UNIT EXPOSURE PREDICATE HAPPY` (systemd-analyze.md §3.4), printed online
// with no unit argument, or after the per-unit tables when two or more units are named. No cell
// can contain a space (unit names are escaped, the smiley is one word), so words are cells.

import type { OverviewRow } from './model.js';
import { isPredicate, parseTenths } from './numbers.js';
import { spaceSeparatedWords } from './table-row.js';
import type { TextDialect } from './text-dialect.js';

export function isOverviewHeader(line: string, d: TextDialect): boolean {
  if (!line.includes(d.overviewHeaders[d.overviewHeaders.length - 1] ?? '')) return false;
  const words = spaceSeparatedWords(line);
  return words.length === d.overviewHeaders.length && words.every((w, i) => w === d.overviewHeaders[i]);
}

export type OverviewResult = { ok: true; row: OverviewRow } | { ok: false; reason: string };

const NOT_OVERVIEW_ROW: OverviewResult = { ok: false, reason: 'not an overview row' };

export function parseOverviewRow(line: string): OverviewResult {
  const words = spaceSeparatedWords(line);
  // The HAPPY cell is absent only if a tool stripped trailing text; the row is still readable.
  if (words.length < 3 || words.length > 4) return NOT_OVERVIEW_ROW;
  const [unit = '', score = '', predicate = ''] = words;
  const exposure = parseTenths(score);
  if (exposure === null || !isPredicate(predicate)) return NOT_OVERVIEW_ROW;
  return { ok: true, row: { unit, exposure, predicate } };
}

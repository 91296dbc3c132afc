// One row of a per-unit table. Cells are cut at the header's column offsets, counted in code
// points (✓, ✗ and … are one code point and one terminal cell each), because descriptions may
// contain runs of spaces and only the header says where a cell ends. When a row does not fit the
// offsets (a wide character such as an emoji in a policy description shifts everything after
// it), the right-hand number cells are read from the end of the line instead.

import { checkIdForName } from './checks.js';
import type { Check } from './model.js';
import { isDigits, parseBadness, parseTenths, parseUnsigned } from './numbers.js';
import type { TextDialect } from './text-dialect.js';

export interface TableLayout {
  nameStart: number;
  descStart: number;
  /** Start offsets of WEIGHT, BADNESS, RANGE (SYSTEMD_ANALYZE_DEBUG=1), or null. */
  debug: { weight: number; badness: number; range: number } | null;
  exposureStart: number;
}

/** The layout of a header line such as `  NAME   DESCRIPTION   EXPOSURE`, or null if it is not one. */
export function parseTableHeader(line: string, d: TextDialect): TableLayout | null {
  const layout = headerOffsets(line, d);
  if (!layout) return null;
  // Rows always start with the glyph cell and a separator. A header pasted without its leading
  // blanks (a selection started at NAME) is shifted back to where the rows put their cells.
  const shift = Math.max(0, 2 - layout.nameStart);
  if (shift === 0) return layout;
  const debug = layout.debug && {
    weight: layout.debug.weight + shift,
    badness: layout.debug.badness + shift,
    range: layout.debug.range + shift,
  };
  return {
    nameStart: layout.nameStart + shift,
    descStart: layout.descStart + shift,
    debug,
    exposureStart: layout.exposureStart + shift,
  };
}

function headerOffsets(line: string, d: TextDialect): TableLayout | null {
  // Most lines are rows: skip the word split unless both ends of a header are there.
  if (!line.includes(d.nameHeader) || !line.includes(d.exposureHeader)) return null;
  const words = spaceSeparatedWords(line);
  const plain = [d.nameHeader, d.descriptionHeader, d.exposureHeader];
  const debug = [d.nameHeader, d.descriptionHeader, ...d.debugHeaders, d.exposureHeader];
  const isDebug = sameWords(words, debug);
  if (!isDebug && !sameWords(words, plain)) return null;
  // The header is ASCII, so string offsets are code point offsets.
  const at = (word: string, from: number) => line.indexOf(word, from);
  const nameStart = at(d.nameHeader, 0);
  const descStart = at(d.descriptionHeader, nameStart);
  if (!isDebug) {
    return { nameStart, descStart, debug: null, exposureStart: at(d.exposureHeader, descStart) };
  }
  const [w, b, r] = d.debugHeaders;
  const weight = at(w, descStart);
  const badness = at(b, weight);
  const range = at(r, badness);
  return {
    nameStart,
    descStart,
    debug: { weight, badness, range },
    exposureStart: at(d.exposureHeader, range),
  };
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** The words of a line separated by runs of spaces (what `trim().split(/ +/)` gives). */
export function spaceSeparatedWords(line: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const space = i === line.length || line.charCodeAt(i) === 0x20;
    if (space && start >= 0) {
      words.push(line.slice(start, i));
      start = -1;
    } else if (!space && start < 0) {
      start = i;
    }
  }
  return words.length > 0 ? words : [''];
}

export type RowResult = { ok: true; check: Check } | { ok: false; reason: string };

const NOT_A_ROW: RowResult = { ok: false, reason: 'not a table row' };
const DOES_NOT_FIT: RowResult = { ok: false, reason: 'row does not fit the table columns' };

/**
 * A line's code points, indexable like an array. Most lines are BMP-only (✓ ✗ … are one UTF-16
 * unit each): then the string itself is used, and only lines with surrogate pairs (an emoji in a
 * policy description) are split into an array.
 */
interface CodePoints {
  length: number;
  at(i: number): string | undefined;
  cut(from: number, to?: number): string;
}

function codePoints(line: string): CodePoints {
  if (!/[\uD800-\uDFFF]/.test(line)) {
    return { length: line.length, at: (i) => line[i], cut: (from, to) => line.slice(from, to) };
  }
  const cps = Array.from(line);
  return { length: cps.length, at: (i) => cps[i], cut: (from, to) => cps.slice(from, to).join('') };
}

/**
 * Parses a row with the table's layout, or with no layout for rows printed without their header
 * (a `grep`ped table): then the name is the first word and the numbers are read from the end.
 */
export function parseTableRow(line: string, layout: TableLayout | null, d: TextDialect): RowResult {
  const nameStart = layout ? layout.nameStart : 2;
  // Cheap rejection first (most lines of garbage or of other tables): the glyph cell holds only
  // blanks and glyphs, all of them single UTF-16 units.
  for (let i = 0; i < nameStart && i < line.length; i++) {
    const c = line[i] as string;
    if (c !== ' ' && !d.goodGlyphs.includes(c) && !d.badGlyphs.includes(c)) return NOT_A_ROW;
  }
  const cps = codePoints(line);
  const set = glyphValue(cps.cut(0, nameStart).trim(), d);
  if (set === undefined || (nameStart > 0 && cps.at(nameStart - 1) !== ' ')) return NOT_A_ROW;
  const cells = (layout && sliceCells(cps, layout)) || tailCells(cps, nameStart, layout);
  if (!cells) return DOES_NOT_FIT;
  if (layout === null && !cells.name.includes('=')) return NOT_A_ROW;
  const check: Check = {
    id: checkIdForName(cells.name),
    name: cells.name,
    description: cells.description === '' ? null : cells.description,
    set,
    exposure: cells.exposure,
    weight: cells.weight,
    badness: cells.badness,
    range: cells.range,
  };
  return { ok: true, check };
}

function glyphValue(cell: string, d: TextDialect): boolean | null | undefined {
  if (cell === '') return null;
  if (d.goodGlyphs.includes(cell)) return true;
  if (d.badGlyphs.includes(cell)) return false;
  return undefined;
}

interface Cells {
  name: string;
  description: string;
  weight: number | null;
  badness: number | null;
  range: number | null;
  exposure: number | null;
}

/** Cells cut at the header offsets; null when any cell is not what its column holds. */
function sliceCells(cps: CodePoints, l: TableLayout): Cells | null {
  const cut = cps.cut;
  // Every cell but the last is followed by a one-space separator: anything else means overflow.
  const sepOk = (at: number) => at >= cps.length || cps.at(at - 1) === ' ';
  const descEnd = l.debug ? l.debug.weight : l.exposureStart;
  if (!sepOk(l.descStart) || !sepOk(descEnd) || !sepOk(l.exposureStart)) return null;
  const name = cut(l.nameStart, l.descStart).trim();
  if (name === '' || /\s/.test(name)) return null;
  const exposureCell = cut(l.exposureStart).trim();
  const exposure = exposureCell === '' ? null : parseTenths(exposureCell);
  if (exposureCell !== '' && exposure === null) return null;
  const cells: Cells = {
    name,
    description: cut(l.descStart, descEnd).trim(),
    weight: null,
    badness: null,
    range: null,
    exposure,
  };
  if (!l.debug) return cells;
  const weight = parseUnsigned(cut(l.debug.weight, l.debug.badness).trim());
  const badness = parseBadness(cut(l.debug.badness, l.debug.range).trim());
  const range = parseUnsigned(cut(l.debug.range, l.exposureStart).trim());
  if (weight === undefined || badness === undefined || range === undefined) return null;
  return { ...cells, weight, badness, range };
}

/**
 * Cells read without trusting the offsets: the name is the first word after the glyph, the
 * exposure and (when the header said so, or for a header-less row when three integers end the
 * line) the debug columns are the last words, the description is what lies between.
 */
function tailCells(cps: CodePoints, nameStart: number, layout: TableLayout | null): Cells | null {
  const rest = cps.cut(nameStart);
  const nameEnd = rest.indexOf(' ');
  const name = nameEnd < 0 ? rest : rest.slice(0, nameEnd);
  if (name === '') return null;
  let tail = nameEnd < 0 ? '' : rest.slice(nameEnd).trimEnd();
  const pop = (): string => {
    const sp = tail.lastIndexOf(' ');
    const word = tail.slice(sp + 1);
    tail = sp < 0 ? '' : tail.slice(0, sp).trimEnd();
    return word;
  };
  const peek = (): string => tail.slice(tail.lastIndexOf(' ') + 1);
  const exposure = tail !== '' && parseTenths(peek()) !== null ? parseTenths(pop()) : null;
  let weight: number | null = null;
  let badness: number | null = null;
  let range: number | null = null;
  const wantDebug = layout ? layout.debug !== null : endsWithThreeIntegers(tail);
  if (wantDebug) {
    const r = parseUnsigned(pop());
    const b = parseBadness(pop());
    const w = parseUnsigned(pop());
    if (r === undefined || b === undefined || w === undefined) return null;
    [weight, badness, range] = [w, b, r];
  }
  return { name, description: tail.trim(), weight, badness, range, exposure };
}

function endsWithThreeIntegers(tail: string): boolean {
  const words = tail
    .trimEnd()
    .split(' ')
    .filter((w) => w !== '');
  return words.length >= 4 && words.slice(-3).every(isDigits);
}

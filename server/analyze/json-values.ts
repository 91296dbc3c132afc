// `systemd-analyze security --json=…` writes one JSON array per unit, one after another (one per
// line offline, separated by blank lines online), not one document. This splits such a stream
// into its top-level values in one linear pass, without trusting it to be valid.

import type { ParseProblem } from './model.js';

export interface JsonValue {
  /** 1-based line where the value starts. */
  line: number;
  value: unknown;
  /**
   * The text ended inside this array: `value` holds its complete elements only (the output was
   * cut off). Never set for a value that closed.
   */
  cut: boolean;
}

export interface JsonValues {
  values: JsonValue[];
  problems: ParseProblem[];
}

export function splitJsonValues(text: string): JsonValues {
  const out: JsonValues = { values: [], problems: [] };
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') line++;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i++;
      continue;
    }
    const startLine = line;
    const whole = wholeLine(text, i);
    if (whole !== undefined) {
      out.values.push({ line: startLine, value: whole.value, cut: false });
      i = whole.end;
      continue;
    }
    if (c !== '[' && c !== '{') {
      // Not JSON: report it once and resume at the next line.
      out.problems.push({ line: startLine, reason: 'text outside JSON values' });
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    const end = valueEnd(text, i);
    line += countNewlines(text, i, end.index);
    if (!end.closed) {
      out.problems.push({ line: startLine, reason: 'JSON value cut off' });
      const kept =
        c === '[' && end.lastElementEnd > 0 ? salvage(text.slice(i, end.lastElementEnd)) : undefined;
      if (kept !== undefined) out.values.push({ line: startLine, value: kept, cut: true });
      break;
    }
    try {
      out.values.push({ line: startLine, value: JSON.parse(text.slice(i, end.index)), cut: false });
    } catch {
      out.problems.push({ line: startLine, reason: 'invalid JSON' });
    }
    i = end.index;
  }
  return out;
}

/**
 * `--json=short` prints each array on a line of its own: when the rest of the line from `start`
 * is one JSON value, V8's parser finds its end far faster than valueEnd's walk. A line that is
 * not (pretty output, a cut or garbage line) throws at once or at its end and is walked instead.
 */
function wholeLine(text: string, start: number): { value: unknown; end: number } | undefined {
  const c = text.charCodeAt(start);
  if (c !== OPEN_ARRAY && c !== OPEN_OBJECT) return undefined;
  const nl = text.indexOf('\n', start);
  const end = nl < 0 ? text.length : nl;
  const last = text.charCodeAt(end - 1 - (text.charCodeAt(end - 1) === 0x0d ? 1 : 0));
  if (last !== CLOSE_ARRAY && last !== CLOSE_OBJECT) return undefined;
  try {
    return { value: parseLine(text.slice(start, end)), end };
  } catch {
    return undefined;
  }
}

// A fleet runs the same units on the same systemd: most of a report's arrays are byte for byte
// arrays seen before, on this host or another. Their parse is kept (least recently used first
// out), so each is parsed once per thread, and the same value object comes back, on which the
// readers' own identity memos hang (parse-json.ts, prepared-scan.ts). Values are frozen: shared
// between reports, they must never be changed. Small values are not worth a slot.
const LINE_MEMO_LIMIT = 256;
const MEMO_MIN = 512;
const MEMO_MAX = 256 * 1024;
const lineMemo = new Map<string, unknown>();

function parseLine(source: string): unknown {
  if (source.length < MEMO_MIN || source.length > MEMO_MAX) return JSON.parse(source);
  const known = lineMemo.get(source);
  if (known !== undefined) {
    lineMemo.delete(source);
    lineMemo.set(source, known);
    return known;
  }
  const value = deepFreeze(JSON.parse(source));
  if (lineMemo.size >= LINE_MEMO_LIMIT) lineMemo.delete(lineMemo.keys().next().value as string);
  lineMemo.set(source, value);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The complete elements of an array cut after them (`[{…},{…}` → its two objects). */
function salvage(head: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(`${head}]`);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

interface ValueEnd {
  /** Just past the value, or the text's end when it does not close. */
  index: number;
  closed: boolean;
  /** Just past the last element that closed directly inside the outer bracket; 0 if none did. */
  lastElementEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Where the value starting at `start` (a bracket) ends, by depth counting outside strings.
 * Strings (most of a unit's JSON: descriptions) are skipped with indexOf, not walked by hand.
 */
function valueEnd(text: string, start: number): ValueEnd {
  let depth = 0;
  let lastElementEnd = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = closingQuote(text, i + 1);
      if (close < 0) break;
      i = close;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
      if (depth === 0) return { index: i + 1, closed: true, lastElementEnd };
      if (depth === 1) lastElementEnd = i + 1;
    }
  }
  return { index: text.length, closed: false, lastElementEnd };
}

/** The quote that ends a string whose text starts at `from` (one after an odd run of backslashes is escaped); -1 if none. */
function closingQuote(text: string, from: number): number {
  for (let q = text.indexOf('"', from); q >= 0; q = text.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (q - 1 - backslashes >= from && text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

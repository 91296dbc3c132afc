// `systemd-analyze security --json=short|pretty` (v250+, systemd-analyze.md §3.7): one array of
// check objects per unit that loaded, then online an overview array. The arrays carry no unit
// name: analyze-report.ts pairs them with the text tables, which do.

import { checkIdForJsonField, checkIdForName } from './checks.js';
import { splitJsonValues } from './json-values.js';
import type { Check, OverviewRow, ParseProblem } from './model.js';
import { isNaBadness, isPredicate, parseBadness, parseTenths } from './numbers.js';
import { stripEscapes } from './text-lines.js';

export interface JsonTable {
  /** 1-based line where the array starts. */
  line: number;
  checks: Check[];
  /** The output ended inside this array: `checks` are its complete objects only. */
  cut: boolean;
}

export interface JsonParse {
  tables: JsonTable[];
  overview: OverviewRow[];
  problems: ParseProblem[];
}

export function parseSecurityJson(text: string): JsonParse {
  // --json=pretty on a tty (or with SYSTEMD_COLORS=1) colours its keys and values; JSON
  // strings escape ESC, so any raw escape sequence is colour, not data.
  const clean = text.includes('\x1b') ? text.split('\n').map(stripEscapes).join('\n') : text;
  const { values, problems } = splitJsonValues(clean);
  const out: JsonParse = { tables: [], overview: [], problems };
  for (const { line, value, cut } of values) {
    if (!Array.isArray(value) || value.length === 0) {
      problems.push({ line, reason: 'JSON value is not a non-empty array' });
      continue;
    }
    if (value.every((e) => isObject(e) && 'unit' in e)) {
      for (const e of value) {
        const row = overviewRow(e as Record<string, unknown>);
        if (row) out.overview.push(row);
        else problems.push({ line, reason: 'unreadable overview entry' });
      }
      continue;
    }
    out.tables.push({ line, checks: tableChecks(value, line, problems), cut });
  }
  problems.sort((a, b) => a.line - b.line);
  return out;
}

// By the parsed array's identity: an array json-values.ts kept is read into checks once, and
// the same frozen list comes back (prepared-scan.ts encodes it once in turn).
const checksOf = new WeakMap<readonly unknown[], readonly Check[]>();

function tableChecks(value: readonly unknown[], line: number, problems: ParseProblem[]): Check[] {
  const known = checksOf.get(value);
  if (known) return known as Check[];
  const checks: Check[] = [];
  let readable = true;
  value.forEach((e, i) => {
    const c = isObject(e) ? jsonCheck(e) : null;
    if (c) checks.push(c);
    else {
      readable = false;
      problems.push({ line, reason: `unreadable check #${i + 1}` });
    }
  });
  if (readable && Object.isFrozen(value)) {
    for (const c of checks) Object.freeze(c);
    checksOf.set(value, Object.freeze(checks));
  }
  return checks;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonCheck(e: Record<string, unknown>): Check | null {
  const { name, json_field, set, description, exposure } = e;
  if (typeof name !== 'string' || name === '') return null;
  if (set !== null && typeof set !== 'boolean') return null;
  if (description !== null && typeof description !== 'string') return null;
  const tenths = exposure === null || exposure === undefined ? null : toTenths(exposure);
  if (tenths === undefined) return null;
  const weight = debugNumber(e.weight);
  const badness = debugBadness(e.badness);
  const range = debugNumber(e.range);
  if (weight === undefined || badness === undefined || range === undefined) return null;
  return {
    id:
      typeof json_field === 'string' && json_field !== ''
        ? checkIdForJsonField(json_field)
        : checkIdForName(name),
    name,
    description: description === '' ? null : description,
    set,
    exposure: tenths,
    weight,
    badness,
    range,
  };
}

function toTenths(v: unknown): number | undefined {
  return typeof v === 'string' ? (parseTenths(v) ?? undefined) : undefined;
}

/** Absent (no SYSTEMD_ANALYZE_DEBUG) → null; present but not an unsigned integer → undefined. */
function debugNumber(v: unknown): number | null | undefined {
  if (v === undefined) return null;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** UINT64_MAX comes out of JSON.parse as 18446744073709552000: anything ≥ 2^53 is N/A. */
function debugBadness(v: unknown): number | null | undefined {
  if (typeof v === 'string') return parseBadness(v);
  const n = debugNumber(v);
  return n !== null && n !== undefined && isNaBadness(n) ? null : n;
}

function overviewRow(e: Record<string, unknown>): OverviewRow | null {
  const { unit, exposure, predicate } = e;
  if (typeof unit !== 'string' || unit === '' || typeof predicate !== 'string' || !isPredicate(predicate)) {
    return null;
  }
  const tenths = toTenths(exposure);
  return tenths === undefined ? null : { unit, exposure: tenths, predicate };
}

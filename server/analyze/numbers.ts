// Number cells as systemd prints them. Exposures are kept as integers in tenths so that nothing
// depends on floating point: "9.6" → 96, exactly as systemd computes it (systemd-analyze.md §1.3).

import { PREDICATES, type Predicate } from './model.js';

/** "9.6" → 96, "10.0" → 100; null when the cell is not a one-decimal number in 0.0 … 10.0. */
export function parseTenths(cell: string): number | null {
  const dot = cell.indexOf('.');
  if (dot < 1 || dot !== cell.length - 2 || dot > 2) return null;
  const whole = cell.slice(0, dot);
  const frac = cell.slice(dot + 1);
  if (!isDigits(whole) || !isDigits(frac)) return null;
  const tenths = Number(whole) * 10 + Number(frac);
  return tenths <= 100 ? tenths : null;
}

/** An unsigned integer cell; undefined when the cell is not one. */
export function parseUnsigned(cell: string): number | undefined {
  if (!isDigits(cell)) return undefined;
  return Number(cell);
}

/** Badness: a number, null for N/A (UINT64_MAX, or anything that lost precision), undefined if not a number. */
export function parseBadness(cell: string): number | null | undefined {
  const n = parseUnsigned(cell);
  if (n === undefined) return undefined;
  return isNaBadness(n) ? null : n;
}

export function isNaBadness(n: number): boolean {
  return n >= 2 ** 53;
}

export function isDigits(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

export function isPredicate(word: string): word is Predicate {
  return (PREDICATES as readonly string[]).includes(word);
}

/** The predicate systemd prints for an exposure in tenths (§1.5). */
export function predicateFor(tenths: number): Predicate {
  if (tenths >= 100) return 'DANGEROUS';
  if (tenths >= 90) return 'UNSAFE';
  if (tenths >= 75) return 'EXPOSED';
  if (tenths >= 50) return 'MEDIUM';
  if (tenths >= 10) return 'OK';
  if (tenths >= 1) return 'SAFE';
  return 'PERFECT';
}

// The line that ends each per-unit table (systemd-analyze.md §3.3):
//   → Overall exposure level for UNIT: 9.6 UNSAFE 😨      (ASCII: "-> …: 9.6 UNSAFE :-{")
// Parsed by hand, not with a backtracking regex: the line comes from an untrusted host.

import type { Predicate } from './model.js';
import { isPredicate, parseTenths } from './numbers.js';
import type { TextDialect } from './text-dialect.js';

export interface SummaryLine {
  unit: string;
  exposure: number;
  predicate: Predicate;
}

export type SummaryResult = { ok: true; summary: SummaryLine } | { ok: false; reason: string } | null;

/** null when the line is not a summary line at all; a failure when it is one but unreadable. */
export function parseSummaryLine(line: string, d: TextDialect): SummaryResult {
  if (!line.includes(d.summaryText)) return null;
  let rest = line.trimStart();
  const arrow = d.arrows.find((a) => rest.startsWith(`${a} `));
  if (arrow) rest = rest.slice(arrow.length + 1);
  if (!rest.startsWith(d.summaryText)) return null;
  rest = rest.slice(d.summaryText.length);
  // Unit names may contain ':' but never ': ' (systemd escapes spaces).
  const sep = rest.indexOf(': ');
  if (sep <= 0) return { ok: false, reason: 'summary line without a score' };
  const unit = rest.slice(0, sep);
  const [score = '', word = ''] = rest.slice(sep + 2).split(' ', 2);
  const exposure = parseTenths(score);
  if (exposure === null) return { ok: false, reason: 'summary line with an unreadable score' };
  if (!isPredicate(word)) return { ok: false, reason: 'summary line with an unknown predicate' };
  return { ok: true, summary: { unit, exposure, predicate: word } };
}

// Problems are listed one by one up to a limit: a garbage output gives one per line, and a list
// of a million is of no use to anyone and costs memory. Past the limit they are counted, and one
// entry says how many were left out and where the first of them is.

import type { ParseProblem } from './model.js';

export const MAX_PROBLEMS = 1000;

export function omittedProblems(p: ParseProblem): ParseProblem {
  const count = p.omitted ?? 1;
  return {
    line: p.line,
    reason: `${count} more problem${count === 1 ? '' : 's'} not listed`,
    omitted: count,
  };
}

/**
 * At most MAX_PROBLEMS entries in line order: the first MAX_PROBLEMS - 1 problems, then one entry
 * for all the others (its line is the first of them), counting the ones parsers already left out.
 */
export function capProblems(problems: ParseProblem[]): ParseProblem[] {
  const sorted = problems.sort((a, b) => a.line - b.line);
  let total = 0;
  for (const p of sorted) total += p.omitted ?? 1;
  if (total <= MAX_PROBLEMS) return sorted;
  const kept: ParseProblem[] = [];
  let firstLeftOut: number | null = null;
  for (const p of sorted) {
    if (p.omitted === undefined && kept.length < MAX_PROBLEMS - 1) kept.push(p);
    else if (firstLeftOut === null || p.line < firstLeftOut) firstLeftOut = p.line;
  }
  kept.push(omittedProblems({ line: firstLeftOut ?? 1, reason: '', omitted: total - kept.length }));
  return kept;
}

// Pairs the JSON arrays with the text tables. Neither has a unit that failed to load, and both
// are in argument order, so they are walked together; a pair is only accepted when both list
// the same checks in the same order, so a unit missing from one side shifts nothing. The JSON
// wins on values (exact json_field, description, debug numbers); disagreements are reported.

import { assessorByName } from './checks.js';
import type { Check, ParseProblem, UnitAssessment } from './model.js';
import type { JsonTable } from './parse-json.js';

export interface MergeResult {
  units: UnitAssessment[];
  /** Lines are those of the JSON text. */
  problems: ParseProblem[];
}

export function mergeJsonTables(units: readonly UnitAssessment[], tables: readonly JsonTable[]): MergeResult {
  const merged = [...units];
  const problems: ParseProblem[] = [];
  let cursor = 0;
  for (const table of tables) {
    // A cut array (reported where it was split) adds nothing the text table does not have.
    if (table.cut) continue;
    const at = findMatch(merged, cursor, table.checks);
    if (at < 0) {
      problems.push({ line: table.line, reason: 'JSON array matches no text table' });
      continue;
    }
    const unit = merged[at] as UnitAssessment;
    const checks = table.checks.map((j, i) => mergeCheck(unit.checks[i], j, table.line, problems));
    merged[at] = { ...unit, checks: unit.partial ? checks.slice(0, unit.checks.length) : checks };
    cursor = at + 1;
  }
  return { units: merged, problems };
}

function findMatch(units: readonly UnitAssessment[], from: number, json: readonly Check[]): number {
  for (let i = from; i < units.length; i++) {
    const text = (units[i] as UnitAssessment).checks;
    const sameLength = text.length === json.length;
    // A cut table has fewer rows than its array; its rows must still be a prefix of the array.
    const prefix = (units[i] as UnitAssessment).partial && text.length > 0 && text.length < json.length;
    if ((sameLength || prefix) && text.every((c, k) => c.name === json[k]?.name)) return i;
  }
  return -1;
}

function mergeCheck(text: Check | undefined, json: Check, line: number, problems: ParseProblem[]): Check {
  if (!text) return json;
  const disagree = (what: string) =>
    problems.push({ line, reason: `text and JSON disagree on ${what} of ${json.name}` });
  if (text.set !== json.set) disagree('the mark');
  if (text.exposure !== json.exposure) disagree('the exposure');
  if ((text.description ?? '') !== (json.description ?? '').trim()) disagree('the description');
  if (assessorByName(text.name) && text.id !== json.id) disagree('the id');
  for (const k of ['weight', 'badness', 'range'] as const) {
    if (text[k] !== null && json[k] !== null && text[k] !== json[k]) disagree(`the ${k}`);
  }
  return {
    ...json,
    weight: json.weight ?? text.weight,
    badness: json.weight !== null ? json.badness : text.badness,
    range: json.range ?? text.range,
  };
}

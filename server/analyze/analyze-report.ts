// The analyze step: a report document (or a bare `systemd-analyze security` output) in, the
// normalised Analysis out. Never throws on host data: whatever cannot be read becomes a problem
// with the document line where it is.

import { recomputeExposure } from './exposure.js';
import { mergeJsonTables } from './json-merge.js';
import type { Analysis, OverviewRow, ParseProblem, UnitAssessment, UnitError } from './model.js';
import { predicateFor } from './numbers.js';
import { type JsonTable, parseSecurityJson } from './parse-json.js';
import { parseSecurityText } from './parse-text.js';
import { capProblems } from './problems.js';
import { type Report, ReportFormatError, readReport } from './report.js';
import { parseStderr } from './unit-errors.js';
import { parseUnitFiles } from './unit-files.js';

export interface ReportAnalysis {
  meta: Record<string, string>;
  analysis: Analysis;
  /** The document's end frame was seen. */
  complete: boolean;
  /** Each unit's own files (scored keys only), when the agent sent them. */
  unitFiles: Map<string, string>;
}

const STDERR_SECTIONS = ['overview-stderr', 'units-stderr', 'units-json-stderr'] as const;

export function analyzeReport(doc: string): ReportAnalysis {
  let report: Report;
  try {
    report = readReport(doc);
  } catch (err) {
    if (!(err instanceof ReportFormatError)) throw err;
    return {
      meta: {},
      analysis: emptyAnalysis(null, [{ line: err.line, reason: err.message }]),
      complete: false,
      unitFiles: new Map(),
    };
  }
  const version = /^[0-9]{1,4}$/.test(report.meta.systemd_version ?? '')
    ? Number(report.meta.systemd_version)
    : null;
  const analysis = emptyAnalysis(version, [...report.problems]);
  const { problems, errors } = analysis;
  const section = (name: string) => {
    const text = report.sections.get(name);
    const first = report.sectionLines.get(name) ?? 1;
    // Section-relative line numbers → document line numbers.
    const at = (list: ParseProblem[]) => list.map((p) => ({ ...p, line: first + p.line - 1 }));
    return { text, cut: report.cutSection === name, at };
  };

  const units = section('units');
  let unitLines: number[] = [];
  if (units.text !== undefined) {
    const parsed = parseSecurityText(units.text, { version, cut: units.cut });
    analysis.units = parsed.units;
    unitLines = parsed.unitLines;
    append(problems, units.at(parsed.problems));
    append(errors, parsed.errors);
    if (parsed.overview.length > 0) analysis.overview = parsed.overview;
  }

  const json = section('units-json');
  if (json.text !== undefined) {
    const parsed = parseSecurityJson(json.text);
    append(problems, json.at(parsed.problems));
    if (units.text !== undefined) {
      const merged = mergeJsonTables(analysis.units, parsed.tables);
      analysis.units = merged.units;
      append(problems, json.at(merged.problems));
    } else {
      // collect.sh 2 on systemd ≥ 250 sends the JSON alone (agents/README.md).
      const named: ParseProblem[] = [];
      analysis.units = jsonUnits(parsed.tables, parsed.overview, named);
      append(problems, json.at(named));
      if (parsed.overview.length > 0) analysis.overview = parsed.overview;
    }
  }

  const overview = section('overview');
  if (overview.text !== undefined) {
    const parsed = parseSecurityText(overview.text, { version, cut: overview.cut });
    // The no-argument run covers every loaded long-running service: it wins over the overview
    // printed after the named units, which is only used when this one is missing.
    if (parsed.overview.length > 0 || analysis.overview.length === 0) analysis.overview = parsed.overview;
    append(problems, overview.at(parsed.problems));
    append(errors, parsed.errors);
  }

  for (const name of STDERR_SECTIONS) {
    const s = section(name);
    if (s.text === undefined) continue;
    const parsed = parseStderr(s.text);
    append(errors, parsed.errors);
    append(problems, s.at(parsed.problems));
  }
  append(errors, exitErrors(report));
  analysis.errors = dedupe(errors);

  nameCutUnits(analysis.units, unitList(report), analysis.errors);
  append(problems, units.at(crossCheck(analysis.units, unitLines)));
  analysis.problems = capProblems(problems);
  return {
    meta: report.meta,
    analysis,
    complete: report.complete,
    unitFiles: parseUnitFiles(report.sections.get('unit-files')),
  };
}

/**
 * Any `systemd-analyze security` output on its own (pasted, or `unitscore parse FILE`): text or
 * JSON, of any version; a framed report document (first line `unitscore-report 1 …`) is read
 * with analyzeReport() so the same entry point takes both.
 */
export function analyzeOutput(input: string): Analysis {
  // A byte order mark from an editor is not part of the output.
  const text = input.startsWith('\ufeff') ? input.slice(1) : input;
  if (text.startsWith('unitscore-report ')) return analyzeReport(text).analysis;
  const analysis = emptyAnalysis(null, []);
  // `[{` or `[]`, not a pasted prompt such as `[root@host ~]# systemd-analyze security`.
  if (/^\s*\[\s*[{\]]/.test(text)) {
    const parsed = parseSecurityJson(text);
    analysis.overview = parsed.overview;
    analysis.problems = parsed.problems;
    analysis.units = jsonUnits(parsed.tables, parsed.overview, analysis.problems);
    analysis.problems = capProblems(analysis.problems);
    return analysis;
  }
  const parsed = parseSecurityText(text);
  analysis.units = parsed.units;
  analysis.overview = parsed.overview;
  analysis.errors = dedupe(parsed.errors);
  analysis.problems = parsed.problems;
  append(analysis.problems, crossCheck(parsed.units, parsed.unitLines));
  analysis.problems = capProblems(analysis.problems);
  return analysis;
}

/**
 * JSON arrays do not carry their unit's name or score (§3.7). Online with two or more units the
 * overview array that follows lists the analysed units in the same order as the arrays: it names
 * them and gives their scores. Otherwise the unit is nameless (''), and its score is recomputed
 * from the debug numbers when the host printed them (SYSTEMD_ANALYZE_DEBUG=1), else unknown.
 */
function jsonUnits(tables: readonly JsonTable[], overview: readonly OverviewRow[], problems: ParseProblem[]) {
  const whole = tables.filter((t) => !t.cut).length;
  const named = overview.length > 0 && overview.length === whole;
  return tables.map((t, i): UnitAssessment => {
    const row = named && !t.cut ? overview[i] : undefined;
    const recomputed = t.cut ? null : recomputeExposure(t.checks);
    if (row && recomputed !== null && recomputed !== row.exposure) {
      problems.push({
        line: t.line,
        reason: `exposure recomputed from the weights (${recomputed}) differs from the printed one (${row.exposure})`,
      });
    }
    const exposure = row ? row.exposure : recomputed;
    return {
      unit: row?.unit ?? '',
      exposure,
      predicate: row ? row.predicate : exposure === null ? null : predicateFor(exposure),
      checks: t.checks,
      partial: t.cut,
    };
  });
}

/** Appends without spreading into arguments: a garbage output can give a million problems. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

function emptyAnalysis(systemdVersion: number | null, problems: ParseProblem[]): Analysis {
  return { systemdVersion, units: [], overview: [], errors: [], problems };
}

function unitList(report: Report): string[] {
  return (report.sections.get('unit-list') ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A crash (SIGABRT on an assertion, SIGSEGV) is a tool failure, never a score (§6.16). */
function exitErrors(report: Report): UnitError[] {
  const out: UnitError[] = [];
  for (const [name, status] of report.exits) {
    if (status > 128)
      out.push({ unit: null, message: `systemd-analyze (${name}) died with exit status ${status}` });
  }
  return out;
}

function dedupe(errors: UnitError[]): UnitError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.unit}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A table cut before its summary line has no unit name in the text, and JSON arrays have none
 * unless their overview array (online, two or more units, not cut) names them. The tables follow
 * the unit-list order, less the units that failed, so a nameless one is the next listed unit
 * after the last named one that did not fail. Only done when that last unit is found in the list.
 */
function nameCutUnits(units: UnitAssessment[], list: readonly string[], errors: readonly UnitError[]): void {
  const failed = new Set(errors.map((e) => e.unit));
  let next = 0;
  for (const u of units) {
    if (u.unit !== '') {
      const at = list.indexOf(u.unit, next);
      next = at < 0 ? list.length : at + 1;
      continue;
    }
    while (next < list.length && failed.has(list[next] as string)) next++;
    if (next < list.length) u.unit = list[next++] as string;
  }
}

/**
 * When the host printed its weights, the overall exposure is recomputed with systemd's formula
 * (§1.3) and compared with the printed one: a mismatch means rows were lost or misread.
 */
function crossCheck(units: readonly UnitAssessment[], lines: readonly number[]): ParseProblem[] {
  const problems: ParseProblem[] = [];
  units.forEach((u, i) => {
    if (u.partial || u.exposure === null) return;
    const recomputed = recomputeExposure(u.checks);
    if (recomputed !== null && recomputed !== u.exposure) {
      problems.push({
        line: lines[i] ?? 1,
        reason: `exposure recomputed from the weights (${recomputed}) differs from the printed one (${u.exposure})`,
      });
    }
  });
  return problems;
}

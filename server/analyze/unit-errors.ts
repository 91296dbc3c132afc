// The messages systemd-analyze prints on stderr when it cannot analyse a unit or cannot run at
// all (systemd-analyze.md §3.6). Online and offline wordings differ; both are read.

import type { ParseProblem, UnitError } from './model.js';
import { splitLines, stripEscapes } from './text-lines.js';

/** Per-unit messages: "Unit <name><tail>". Unit names are escaped by systemd, so no spaces. */
const UNIT_TAILS: readonly string[] = [
  ' not found, cannot analyze.', // online
  ' not found.', // offline
  ' is masked, cannot analyze.',
  ' is masked.',
  ' not loaded properly, cannot analyze.',
  ' is not a service unit, refusing.', // online: also stops the whole run
];

/** Per-unit messages that end in an errno text: "Unit <name><tail>: <error>". */
const UNIT_TAIL_PREFIXES: readonly string[] = [
  // offline 252, e.g. a second unit claiming a D-Bus name: "…: File exists"
  ' failed to load properly, please adjust/correct and reload service manager',
];

/** Whole-run failures: nothing after them can be trusted to be complete. */
const RUN_PREFIXES: readonly string[] = [
  'Failed to connect to bus',
  'System has not been booted with systemd',
  'Failed to list units',
  'Failed to get unit properties',
  'Failed to mangle unit name',
  'Failed to parse threshold',
  'Failed to parse ',
  'Assertion ',
];

const ACCESS_DENIED: readonly string[] = [
  'Access denied',
  'Permission denied',
  'Interactive authentication required',
];

export type StderrLine = { kind: 'error'; error: UnitError } | { kind: 'warning' } | { kind: 'unknown' };

/** Classifies one stderr line (already free of escapes and line terminators). */
export function classifyStderrLine(raw: string): StderrLine {
  const line = raw.trim();
  if (line === '') return { kind: 'warning' };
  const perUnit = unitError(line);
  if (perUnit) return { kind: 'error', error: perUnit };
  // Offline argument without a unit suffix: "Failed to prepare filename ssh: Invalid argument".
  const prep = 'Failed to prepare filename ';
  if (line.startsWith(prep)) {
    const colon = line.indexOf(': ', prep.length);
    const unit = line.slice(prep.length, colon < 0 ? undefined : colon);
    return { kind: 'error', error: { unit: unit === '' ? null : unit, message: line } };
  }
  if (LOAD_NOTICES.some((p) => line.startsWith(p))) return { kind: 'warning' };
  if (RUN_PREFIXES.some((p) => line.startsWith(p)) || ACCESS_DENIED.some((p) => line.includes(p))) {
    return { kind: 'error', error: { unit: null, message: line } };
  }
  // systemd's errors all read "Failed to …"; an unknown one is still a failure, of the run.
  if (line.startsWith('Failed to ')) return { kind: 'error', error: { unit: null, message: line } };
  if (isWarning(line)) return { kind: 'warning' };
  return { kind: 'unknown' };
}

function unitError(line: string): UnitError | null {
  if (!line.startsWith('Unit ')) return null;
  const space = line.indexOf(' ', 5);
  if (space < 0) return null;
  const unit = line.slice(5, space);
  const tail = line.slice(space);
  const known = UNIT_TAILS.includes(tail) || UNIT_TAIL_PREFIXES.some((p) => tail.startsWith(p));
  return known && unit !== '' ? { unit, message: line } : null;
}

const UNIT_SUFFIX = /\.(service|socket|target|mount|automount|swap|timer|path|slice|scope|device)$/;

/** Manager notices logged while units load; the unit's own error line, if any, follows them. */
const LOAD_NOTICES: readonly string[] = ['Failed to put bus name to hashmap'];

/**
 * Unit-file warnings from offline loading ("<path>:<line>: …"), the manager's unit-scoped notices
 * ("<unit>: Two services allocated for the same bus name …") and other notices.
 */
function isWarning(line: string): boolean {
  const firstSpace = line.indexOf(' ');
  const head = firstSpace < 0 ? line : line.slice(0, firstSpace);
  if (head.endsWith(':')) {
    const parts = head.slice(0, -1).split(':');
    const lineNo = parts[parts.length - 1] ?? '';
    if (parts.length >= 2 && /^[0-9]+$/.test(lineNo)) return true;
    if (parts.length === 1 && UNIT_SUFFIX.test(parts[0] ?? '')) return true;
  }
  return line.startsWith('Special user ') || line.includes('is deprecated') || line.startsWith('Warning');
}

export interface StderrParse {
  errors: UnitError[];
  problems: ParseProblem[];
}

/** Reads a whole stderr capture: errors, ignoring warnings, and a problem for each unknown line. */
export function parseStderr(text: string): StderrParse {
  const errors: UnitError[] = [];
  const problems: ParseProblem[] = [];
  splitLines(text).forEach((raw, i) => {
    const c = classifyStderrLine(stripEscapes(raw));
    if (c.kind === 'error') errors.push(c.error);
    else if (c.kind === 'unknown') problems.push({ line: i + 1, reason: 'unrecognised stderr line' });
  });
  return { errors, problems };
}

import { analyzeReport } from '../analyze/analyze-report.js';
import type { UnitAssessment, UnitError } from '../analyze/model.js';
import type { Prepared } from '../store/prepared-scan.js';
import type { Analysis } from './analyse.js';
import { type CollectOptions, type CollectResult, type CollectTarget, collect } from './collect.js';
import type { ScanStatus } from './status.js';

/** What one scan of one host produced: handed to the store as one transaction. */
export interface ScanResult {
  status: ScanStatus;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
  hostKey: { type: string; fingerprint: string } | null;
  /** How the host key was accepted (collect.ts); 'first-use' asks the store to pin it. */
  hostKeyVia?: 'known-hosts' | 'pinned' | 'first-use';
  /** The raw report bytes, kept so a parser fix can re-read history. */
  report: Buffer | null;
  meta: Record<string, string>;
  systemdVersion: number | null;
  /** Whole units only: a table cut off in the middle is an error below, never a unit. */
  units: UnitAssessment[];
  errors: UnitError[];
  /** Set when the report equals that of this earlier scan: not parsed, units and errors as then. */
  repeatOf?: number;
  /** The report and units already encoded for the store (by an analysing worker): `units` unused. */
  prepared?: Prepared;
}

export interface ScanHooks {
  /** The earlier scan whose report this one repeats, if any: parsing is then skipped. */
  repeatOf?: (report: Buffer) => number | null;
  /**
   * Repeat check, parsing and the store's encoding elsewhere (analyse-pool.ts), instead of
   * `repeatOf` and parsing on this thread. Returns the report's bytes with the analysis.
   */
  analyse?: (report: Buffer) => Promise<{ report: Buffer; analysis: Analysis }>;
  /** The host key pinned in the database, and whether this host may be trusted on first use. */
  pin?: { fingerprint: string | null; trustOnFirstUse: boolean };
}

/** Turn a report document into the scan's status, units and errors. Pure. */
export function interpretReport(
  report: string,
): Pick<ScanResult, 'status' | 'error' | 'meta' | 'systemdVersion' | 'units' | 'errors'> {
  let parsed: ReturnType<typeof analyzeReport>;
  try {
    parsed = analyzeReport(report);
  } catch (err) {
    return {
      status: 'parse-error',
      error: (err as Error).message,
      meta: {},
      systemdVersion: null,
      units: [],
      errors: [],
    };
  }
  const { meta, analysis, complete } = parsed;
  const base = { meta, systemdVersion: analysis.systemdVersion };
  if (meta.analyze === 'missing') {
    return {
      ...base,
      status: 'unsupported',
      error: 'systemd-analyze is not installed on the host',
      units: [],
      errors: [],
    };
  }
  if (meta.analyze === 'unsupported') {
    return {
      ...base,
      status: 'unsupported',
      error: `${meta.systemd || 'this systemd'} has no "security" verb (needs 240 or newer)`,
      units: [],
      errors: [],
    };
  }
  const whole = analysis.units.filter((u) => !u.partial);
  const errors: UnitError[] = [
    ...analysis.errors,
    ...analysis.units
      .filter((u) => u.partial)
      .map((u) => ({ unit: u.unit, message: 'output cut off: unit not stored' })),
    ...analysis.problems.map((p) => ({ unit: null, message: `report line ${p.line}: ${p.reason}` })),
  ];
  if (!complete) {
    // No header, no meta: what the host printed is no report at all (a banner, a wrapper's
    // message, noise), which "cut off" would misdescribe. Show its start, escaped.
    const unreadable = Object.keys(meta).length === 0 && whole.length === 0 && analysis.problems.length > 0;
    const reason = analysis.problems[0]?.reason ?? '';
    const start = report.slice(0, 60).replace(/[^\x20-\x7e]/g, '.');
    return {
      ...base,
      status: 'parse-error',
      error: unreadable
        ? `the host's output is not a unitscore report${reason === 'not a unitscore report' ? '' : ` (${reason})`}; it starts with "${start}": check what runs for the scanning user there`
        : `the report was cut off after ${Buffer.byteLength(report)} bytes, before its end frame: the connection was lost or collect.sh was stopped on the host`,
      units: whole,
      errors,
    };
  }
  if (whole.length === 0) {
    const hostError = analysis.errors.find((e) => e.unit === null) ?? analysis.errors[0];
    if (hostError) return { ...base, status: 'command-failed', error: hostError.message, units: [], errors };
    if (analysis.problems.length > 0) {
      return {
        ...base,
        status: 'parse-error',
        error: errors[0]?.message ?? 'unreadable report',
        units: [],
        errors,
      };
    }
  }
  return { ...base, status: 'ok', error: null, units: whole, errors };
}

export async function scanHost(
  target: CollectTarget,
  options: CollectOptions = {},
  hooks: ScanHooks = {},
): Promise<ScanResult> {
  const collected = await collect(hooks.pin ? { ...target, pin: hooks.pin } : target, options);
  return resultOf(collected, hooks);
}

/** What the store is handed for what a collection brought back: parsed, or a repeat. */
export async function resultOf(collected: CollectResult, hooks: ScanHooks = {}): Promise<ScanResult> {
  const common = {
    startedAt: collected.startedAt,
    finishedAt: collected.finishedAt,
    hostKey: collected.hostKey,
    ...(collected.hostKeyVia ? { hostKeyVia: collected.hostKeyVia } : {}),
    report: collected.report,
  };
  if (collected.status !== 'ok' || collected.report === null) {
    return {
      ...common,
      status: collected.status,
      error: collected.error,
      meta: {},
      systemdVersion: null,
      units: [],
      errors: [],
    };
  }
  let analysed: { report: Buffer | null; analysis: Analysis | ReturnType<typeof interpretReport> };
  try {
    analysed = hooks.analyse
      ? await hooks.analyse(collected.report)
      : { report: collected.report, analysis: analyseHere(collected.report, hooks) };
  } catch (err) {
    // The analysing worker died with the report (lent to it): the scan fails, history stays.
    return {
      ...common,
      report: null,
      status: 'parse-error',
      error: `the report could not be analysed: ${(err as Error).message}`,
      meta: {},
      systemdVersion: null,
      units: [],
      errors: [],
    };
  }
  const { report, analysis } = analysed;
  if ('repeatOf' in analysis) {
    return {
      ...common,
      report,
      status: 'ok',
      error: null,
      meta: {},
      systemdVersion: null,
      units: [],
      errors: [],
      repeatOf: analysis.repeatOf,
    };
  }
  const interpreted = { units: [], ...analysis, report };
  // Output that is no report at all from a command that exited non-zero (a nologin account, a
  // wrapper that refused): the command failed, and its exit status is the first clue.
  if (
    collected.error !== null &&
    interpreted.status === 'parse-error' &&
    Object.keys(interpreted.meta).length === 0
  ) {
    return {
      ...common,
      ...interpreted,
      status: 'command-failed',
      error: `${collected.error}, and ${interpreted.error}`,
    };
  }
  return { ...common, ...interpreted };
}

/** The repeat check and parsing on this thread. */
function analyseHere(report: Buffer, hooks: ScanHooks): Analysis | ReturnType<typeof interpretReport> {
  const repeatOf = hooks.repeatOf?.(report) ?? null;
  return repeatOf !== null ? { repeatOf } : interpretReport(report.toString('utf8'));
}

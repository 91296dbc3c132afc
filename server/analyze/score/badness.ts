// The numbers behind one row: weight, range and badness. Hosts that printed the
// SYSTEMD_ANALYZE_DEBUG columns give them directly; otherwise the weight and range come from the
// built-in table and the badness from the row's mark and description (systemd-analyze.md §1.6,
// §2.2). Descriptions changed wording across versions (§6.6), so every pattern accepts the old
// and new wordings; a description that matches none leaves the badness unknown, never guessed.

import { assessorById } from '../checks.js';
import type { Check } from '../model.js';

/** Shown when --security-policy gave the row weight 0 (v250+). */
export const POLICY_EXCLUDED = 'Option excluded by policy, skipping';

export interface RowNumbers {
  weight: number;
  range: number;
  /** null: not applicable (N/A or excluded). */
  badness: number | null;
  /** The host printed weight, badness and range. */
  debug: boolean;
}

/** The numbers of a row, or a reason why they cannot be known. */
export function rowNumbers(c: Check): RowNumbers | string {
  if (c.weight !== null && c.range !== null) {
    return { weight: c.weight, range: c.range, badness: c.weight === 0 ? null : c.badness, debug: true };
  }
  const a = assessorById(c.id);
  if (!a) return `${c.name} is not in the built-in assessor table`;
  const badness = derivedBadness(c, a.range);
  if (badness === undefined) return `${c.name}: badness cannot be read from "${c.description ?? ''}"`;
  return { weight: c.description === POLICY_EXCLUDED ? 0 : a.weight, range: a.range, badness, debug: false };
}

/** Badness from the mark and description alone (no debug columns). */
export function derivedBadness(c: Check, range: number): number | null | undefined {
  if (c.set === null) return null;
  if (c.set) return 0;
  if (range === 1) return 1;
  const d = c.description ?? '';
  const pick = (rules: [RegExp, number][]): number | undefined => rules.find(([re]) => re.test(d))?.[1];
  const id = c.id;
  if (id === 'UserOrDynamicUser')
    return pick([
      [/'nobody'/, 9],
      [/root/, 10],
    ]);
  if (id === 'ProtectHome')
    return pick([
      [/read-only/, 5],
      [/fake empty/, 1],
      [/full access/, 10],
    ]);
  if (id === 'ProtectSystem')
    return pick([
      [/very limited/, 3],
      [/limited write/, 5],
      [/full access/, 10],
    ]);
  if (id === 'UMask')
    return pick([
      [/world-writable/, 10],
      [/world-readable/, 5],
      [/group-writable/, 2],
      [/group-readable/, 1],
    ]);
  // ProtectProc=noaccess is the one partial row without text (b = 1 of 3).
  if (id === 'ProtectProc') return c.description === null ? 1 : pick([[/full access/, 3]]);
  if (id === 'SystemCallArchitectures')
    return pick([
      [/all ABIs/, 10],
      [/multiple ABIs/, 8],
    ]);
  if (id.startsWith('SystemCallFilter_')) {
    return pick([
      [/does not filter/, 10],
      [/(allow list|whitelist) .* is included/, 9],
      [/(deny list|blacklist) .* is not included/, 10],
      // v240–v245: a fully denied group scored 5, not 0 (systemd-analyze.md §2.4).
      [/blacklist .* is included/, 5],
    ]);
  }
  if (id === 'IPAddressDeny')
    return pick([
      [/does not define an IP address (allow list|whitelist)/, 10],
      [/non-localhost/, 5],
      [/only localhost/, 2],
    ]);
  if (id === 'DeviceAllow')
    return pick([
      [/no device ACL/, 10],
      [/some special devices/, 5],
    ]);
  return undefined;
}

/** ceil(x / y) on non-negative integers, as systemd computes it. */
export function ceilDiv(x: number, y: number): number {
  return Math.floor((x + y - 1) / y);
}

/** systemd's overall exposure (§1.3) in tenths; null when no row applies (systemd would abort). */
export function exposureOf(
  rows: Iterable<{ weight: number; range: number; badness: number | null }>,
): number | null {
  let badnessSum = 0;
  let weightSum = 0;
  for (const r of rows) {
    if (r.badness === null || r.weight === 0) continue;
    badnessSum += ceilDiv(r.badness * r.weight, r.range);
    weightSum += r.weight;
  }
  return weightSum === 0 ? null : ceilDiv(100 * badnessSum, weightSum);
}

/**
 * The assessors each upstream version's table has, as far as the sources read show (§2.4). The
 * weights and ranges of a row never changed in those sources; versions differ in which rows exist.
 * Distributions backport rows (CAP_BPF in Debian 252.39), so a host's own rows always win: this is
 * only used to say that a table looks unlike its version.
 */
export function expectedRowsDiffer(version: number, ids: ReadonlySet<string>): string[] {
  const notes: string[] = [];
  const since: [string, number, number][] = [
    // [id, first version certainly with it, first version possibly with it]
    ['ProtectHostname', 243, 242],
    ['RestrictSUIDSGID', 243, 242],
    ['ProtectKernelLogs', 250, 246],
    ['ProtectClock', 250, 246],
    ['ProtectProc', 250, 247],
    ['ProcSubset', 250, 247],
    ['CapabilityBoundingSet_CAP_BPF', 255, 252],
  ];
  for (const [id, certain, possible] of since) {
    if (version >= certain && !ids.has(id)) notes.push(`no ${id} row, which systemd ${version} has`);
    if (version < possible && ids.has(id)) notes.push(`a ${id} row, which systemd ${version} does not have`);
  }
  return notes;
}

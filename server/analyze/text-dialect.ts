// What differs between systemd versions in the text output of `systemd-analyze security`, in
// one place. Every version read so far (240 … 255, systemd-analyze.md §2.4, §3) shares this
// layout; names and descriptions changed, which checks.ts and nobody else handles. A version
// with a different layout gets its own dialect here and a case in textDialectFor().

export interface TextDialect {
  /** Glyph cell of a row: ✓ / + is good, ✗ / - is bad or partial, blank is N/A. */
  goodGlyphs: readonly string[];
  badGlyphs: readonly string[];
  /** Arrow before the summary line, UTF-8 and ASCII. */
  arrows: readonly string[];
  summaryText: string;
  /** Header words of the per-unit table; the debug ones appear with SYSTEMD_ANALYZE_DEBUG=1. */
  nameHeader: string;
  descriptionHeader: string;
  debugHeaders: readonly [weight: string, badness: string, range: string];
  exposureHeader: string;
  /** Header words of the overview table (online, no unit or ≥ 2 units). */
  overviewHeaders: readonly string[];
}

export const DIALECT_240: TextDialect = {
  goodGlyphs: ['✓', '+'],
  badGlyphs: ['✗', '-'],
  arrows: ['→', '->'],
  summaryText: 'Overall exposure level for ',
  nameHeader: 'NAME',
  descriptionHeader: 'DESCRIPTION',
  debugHeaders: ['WEIGHT', 'BADNESS', 'RANGE'],
  exposureHeader: 'EXPOSURE',
  overviewHeaders: ['UNIT', 'EXPOSURE', 'PREDICATE', 'HAPPY'],
};

/** The dialect for a host's systemd version; null (unknown) gets the one every known version uses. */
export function textDialectFor(_version: number | null): TextDialect {
  return DIALECT_240;
}

import type { Predicate } from './api/types';

/** Exposure as systemd prints it: one decimal. */
export function formatExposure(exposure: number | null | undefined): string {
  return exposure == null || !Number.isFinite(exposure) ? '—' : exposure.toFixed(1);
}

// systemd's badness_table (src/analyze/analyze-security.c): the first row whose threshold, in
// tenths, the exposure reaches.
const THRESHOLDS: [number, Predicate][] = [
  [100, 'DANGEROUS'],
  [90, 'UNSAFE'],
  [75, 'EXPOSED'],
  [50, 'MEDIUM'],
  [10, 'OK'],
  [1, 'SAFE'],
  [0, 'PERFECT'],
];

export function predicateFor(exposure: number | null | undefined): Predicate | null {
  if (exposure == null || !Number.isFinite(exposure)) return null;
  const tenths = Math.round(exposure * 10);
  for (const [threshold, predicate] of THRESHOLDS) {
    if (tenths >= threshold) return predicate;
  }
  return 'PERFECT';
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown time';
  const seconds = Math.round((then - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds / 60), 'minute');
}

/** A moment still to come: "in 57 min.", "in under a minute", or "due now" once it has passed. */
export function untilTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'at an unknown time';
  const seconds = Math.round((then - now) / 1000);
  if (seconds <= 0) return 'due now';
  if (seconds < 60) return 'in under a minute';
  return relativeTime(iso, now);
}

const absolute = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'long',
});

export function absoluteTime(iso: string): string {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? iso : absolute.format(then);
}

const shortDateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "Nov 5, 10:00": a moment in a dense table, in the viewer's time zone (the full one in a title). */
export function shortTime(iso: string): string {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? iso : shortDateTime.format(then);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

import { dayOf } from '../rollups.js';

// Calendar arithmetic on UTC days ('YYYY-MM-DD'), the keys of every rollup and trend point.

export const DAY_MS = 86_400_000;

/** Milliseconds at 00:00 UTC of a day. */
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00.000Z`);

/** Milliseconds at the end of a day: the next day's start, exclusive. */
export const dayEnd = (day: string): number => dayStart(day) + DAY_MS;

export const addDays = (day: string, n: number): string => dayOf(dayStart(day) + n * DAY_MS);

/** ISO 8601 week of a day, e.g. '2026-W47' (weeks start on Monday; week 1 holds January 4th). */
export function isoWeek(day: string): string {
  const date = new Date(dayStart(day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  // The Thursday of this week decides the week's year.
  const thursday = new Date(date.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursday =
    Date.UTC(year, 0, 1) + ((4 - new Date(Date.UTC(year, 0, 1)).getUTCDay() + 7) % 7) * DAY_MS;
  const week = 1 + Math.round((thursday.getTime() - firstThursday) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export type Bucket = 'day' | 'week';

export interface TrendSlot {
  /** The day whose end-of-day state the point shows. */
  day: string;
  /** The ISO week for weekly points, null for daily ones. */
  week: string | null;
}

/**
 * The points of a trend over `days` days ending with `to` (inclusive): one per day, or one per
 * ISO week at the week's last day in the range (its Sunday, or `to` for the current week).
 */
export function trendSlots(to: string, days: number, bucket: Bucket): TrendSlot[] {
  const all = Array.from({ length: days }, (_, i) => addDays(to, i - days + 1));
  if (bucket === 'day') return all.map((day) => ({ day, week: null }));
  const slots: TrendSlot[] = [];
  for (const day of all) {
    const week = isoWeek(day);
    const last = slots[slots.length - 1];
    if (last && last.week === week) last.day = day;
    else slots.push({ day, week });
  }
  return slots;
}

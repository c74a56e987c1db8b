// Wall clocks and days in IANA time zones, with the runtime's own time-zone data (Intl): the project keeps dates
// as 'YYYY-MM-DD' strings (lib/days.ts) and has no date library, and Node ships the full tz database.
import { parseDay, toDay } from '../days.js';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether the runtime knows `timeZone` as an IANA zone (Europe/Berlin, UTC, ...). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const part = (name: string) => parts[name] ?? 0;
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** The calendar day an instant falls on in `timeZone`. */
export function dayIn(instant: Date, timeZone: string): string {
  const clock = wallClockAt(instant, timeZone);
  return wallClockDay(clock);
}

export function wallClockDay(clock: Pick<WallClock, 'year' | 'month' | 'day'>): string {
  return toDay(new Date(Date.UTC(clock.year, clock.month - 1, clock.day)));
}

function offsetMs(instant: number, timeZone: string): number {
  const clock = wallClockAt(new Date(instant), timeZone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time names in `timeZone`. A time in the hour a spring-forward change skips moves forward
 * by that hour, as calendar apps do; the day it falls on is the same either way.
 */
export function instantOf(clock: WallClock, timeZone: string): Date {
  const guess = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  const first = offsetMs(guess, timeZone);
  const second = offsetMs(guess - first, timeZone);
  return new Date(guess - (first === second ? first : Math.min(first, second)));
}

export function addDays(day: string, count: number): string {
  const date = parseDay(day);
  if (!date) throw new Error(`not a day: ${day}`);
  return toDay(new Date(date.getTime() + count * DAY_MS));
}

/** Same day of the month `count` months later, clamped to the month's end (31 Aug + 18 months = 28/29 Feb). */
export function addMonths(day: string, count: number): string {
  const date = parseDay(day);
  if (!date) throw new Error(`not a day: ${day}`);
  const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + count, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return toDay(target);
}

/** Every day from `first` to `last`, both included. */
export function daysFrom(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

// Which of a calendar's events count, and what whole days they become: the rules a user sets per calendar source.
// Platforms get only a day and a kind; titles and locations come back apart so that a caller can drop them.
import type { CalendarEvent, ParsedCalendar } from './events.js';
import { addDays, daysFrom } from './zones.js';

export type DayKind = 'block' | 'travel' | 'booking';
export const DAY_KINDS: readonly DayKind[] = ['block', 'travel', 'booking'];

/**
 * One rule: an event counts when every condition given holds (none given: every event), and becomes `kind`.
 * Rules are tried in order; the first that matches decides; an event no rule matches does not count.
 */
export interface CalendarRule {
  /** Only events that show the user as busy (TRANSP:OPAQUE), not those marked free. */
  busyOnly?: boolean;
  /** One of the event's CATEGORIES, compared without regard to case. */
  category?: string;
  /** A whole word (or words) in the title, without regard to case: 'dreh' matches "Dreh Tatort", not "Drehbuch". */
  word?: string;
  kind: DayKind;
}

/** Every event blocks its days. */
export const ALL_EVENTS_BLOCK: CalendarRule[] = [{ kind: 'block' }];

export interface EventDay {
  uid: string;
  recurrenceId?: string;
  day: string;
  kind: DayKind;
}

export interface EventDayRange {
  uid: string;
  recurrenceId?: string;
  startDay: string;
  /** Included. */
  endDay: string;
  kind: DayKind;
}

/** What an event says beyond its days: private, shown to the user, never sent to a platform unless allowed. */
export interface EventDetails {
  uid: string;
  recurrenceId?: string;
  summary: string;
  location: string;
}

export interface CalendarDays {
  days: EventDay[];
  details: EventDetails[];
}

/** Why a rule cannot be used, or null when it can: for the API's validation of the rules a user sends. */
export function ruleProblem(rule: CalendarRule): string | null {
  if (!DAY_KINDS.includes(rule.kind)) return `kind must be one of ${DAY_KINDS.join(', ')}`;
  if (rule.category !== undefined && !rule.category.trim()) return 'category must not be empty';
  if (rule.word !== undefined && !words(rule.word).length) return 'word must hold at least one letter or digit';
  return null;
}

export function matchingRule(event: CalendarEvent, rules: readonly CalendarRule[]): CalendarRule | undefined {
  return rules.find((rule) => matches(event, rule));
}

function matches(event: CalendarEvent, rule: CalendarRule): boolean {
  if (rule.busyOnly && !event.busy) return false;
  if (rule.category !== undefined) {
    const wanted = fold(rule.category.trim());
    if (!event.categories.some((category) => fold(category) === wanted)) return false;
  }
  if (rule.word !== undefined && !containsWords(event.summary, rule.word)) return false;
  return true;
}

/** The days each counted event blocks, within the calendar's window. */
export function eventDays(calendar: Pick<ParsedCalendar, 'events' | 'window'>, rules: readonly CalendarRule[]): CalendarDays {
  const days: EventDay[] = [];
  const details: EventDetails[] = [];
  const lastInWindow = addDays(calendar.window.until, -1);
  for (const event of calendar.events) {
    const rule = matchingRule(event, rules);
    if (!rule) continue;
    const first = event.firstDay < calendar.window.from ? calendar.window.from : event.firstDay;
    const last = event.lastDay > lastInWindow ? lastInWindow : event.lastDay;
    const key = event.recurrenceId === undefined ? { uid: event.uid } : { uid: event.uid, recurrenceId: event.recurrenceId };
    for (const day of daysFrom(first, last)) days.push({ ...key, day, kind: rule.kind });
    details.push({ ...key, summary: event.summary, location: event.location });
  }
  days.sort((a, b) => (a.day === b.day ? a.uid.localeCompare(b.uid) : a.day < b.day ? -1 : 1));
  return { days, details };
}

/** Consecutive days of the same occurrence and kind as one range. */
export function dayRanges(days: readonly EventDay[]): EventDayRange[] {
  const open = new Map<string, EventDayRange>();
  const ranges: EventDayRange[] = [];
  for (const { uid, recurrenceId, day, kind } of [...days].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))) {
    const key = JSON.stringify([uid, recurrenceId ?? null, kind]);
    const current = open.get(key);
    if (current && addDays(current.endDay, 1) === day) {
      current.endDay = day;
      continue;
    }
    const range: EventDayRange = recurrenceId === undefined ? { uid, startDay: day, endDay: day, kind } : { uid, recurrenceId, startDay: day, endDay: day, kind };
    open.set(key, range);
    ranges.push(range);
  }
  return ranges;
}

function fold(text: string): string {
  return text.normalize('NFC').toLocaleLowerCase('und');
}

function words(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Whether `phrase`'s words stand in `title` one after another as whole words. */
function containsWords(title: string, phrase: string): boolean {
  const wanted = words(phrase);
  if (!wanted.length) return false;
  const have = words(title);
  for (let i = 0; i + wanted.length <= have.length; i++) {
    if (wanted.every((word, j) => have[i + j] === word)) return true;
  }
  return false;
}

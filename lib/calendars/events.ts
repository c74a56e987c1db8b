// An iCalendar document (an ICS feed, a CalDAV calendar's objects) as the occurrences of its events in a window:
// ical.js parses and expands RRULE/RDATE/EXDATE and RECURRENCE-ID overrides, with each file's own VTIMEZONEs. Every
// occurrence is placed on whole days of the user's time zone here, so the rules (./days.ts) only pick and label.
import ICAL from 'ical.js';
import { parseDay } from '../days.js';
import { addDays, addMonths, dayIn, instantOf, isTimeZone, wallClockDay } from './zones.js';

/** Days `from` (included) to `until` (excluded), 'YYYY-MM-DD' in the user's time zone. */
export interface CalendarWindow {
  from: string;
  until: string;
}

export interface ParseOptions {
  /** The user's IANA time zone: the one whose days an event blocks. */
  timeZone: string;
  /** Default: today in `timeZone` to 18 months later. */
  window?: Partial<CalendarWindow>;
  now?: Date;
}

export interface CalendarEvent {
  uid: string;
  /** The original start of this occurrence of a recurring event (a day, a UTC instant ending in Z, or a floating time). */
  recurrenceId?: string;
  allDay: boolean;
  /** The first and last day the event touches in the user's time zone (an all-day event's DTEND is exclusive). */
  firstDay: string;
  lastDay: string;
  /** TRANSP:OPAQUE (the default) and not marked free by Outlook's busy status. */
  busy: boolean;
  tentative: boolean;
  categories: string[];
  /** Private: kept apart by ./days.ts so callers can drop them. */
  summary: string;
  location: string;
}

export interface ParsedCalendar {
  /** X-WR-CALNAME, which Google, Apple and Outlook exports carry. */
  name?: string;
  window: CalendarWindow;
  events: CalendarEvent[];
  /** Things skipped without failing the whole feed (an event without UID or start, a runaway rule). */
  warnings: string[];
}

export class CalendarParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarParseError';
  }
}

export const DEFAULT_WINDOW_MONTHS = 18;
/** Occurrences looked at per recurring event before giving up on it: a daily event since 1990 needs ~14,000. */
const MAX_ITERATIONS = 50_000;

export function calendarWindow(timeZone: string, window: Partial<CalendarWindow> = {}, now = new Date()): CalendarWindow {
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone: ${timeZone}`);
  const from = window.from ?? dayIn(now, timeZone);
  const until = window.until ?? addMonths(from, DEFAULT_WINDOW_MONTHS);
  if (!parseDay(from) || !parseDay(until) || until <= from) throw new RangeError(`not a window of days: ${from} .. ${until}`);
  return { from, until };
}

export function parseCalendar(text: string, options: ParseOptions): ParsedCalendar {
  const window = calendarWindow(options.timeZone, options.window, options.now);
  const root = parseRoot(text);
  const warnings: string[] = [];
  const masters = new Map<string, ICAL.Event>();
  const overrides = new Map<string, ICAL.Event[]>();
  for (const component of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    if (!event.uid) {
      warnings.push('an event without UID was skipped');
      continue;
    }
    if (!component.getFirstPropertyValue('dtstart')) {
      warnings.push(`event ${event.uid} has no DTSTART and was skipped`);
      continue;
    }
    if (component.hasProperty('recurrence-id')) {
      overrides.set(event.uid, [...(overrides.get(event.uid) ?? []), event]);
    } else if (masters.has(event.uid)) {
      warnings.push(`event ${event.uid} appears twice; the first one counts`);
    } else {
      masters.set(event.uid, event);
    }
  }
  const calendarZone = String(root.getFirstPropertyValue('x-wr-timezone') ?? '').trim();
  const placer = new Placer(options.timeZone, window, isTimeZone(calendarZone) ? calendarZone : undefined);
  const events: CalendarEvent[] = [];
  for (const [uid, master] of masters) {
    const own = overrides.get(uid) ?? [];
    overrides.delete(uid);
    if (isCancelled(master)) continue;
    for (const override of own) master.relateException(override);
    events.push(...expand(master, own, placer, warnings));
  }
  // Overrides whose series is not in the document (a feed may carry only the changed instance).
  for (const own of overrides.values()) {
    for (const override of own) {
      if (isCancelled(override)) continue;
      const placed = placer.place(override, override.startDate, override.endDate, override.recurrenceId);
      if (placed) events.push(placed);
    }
  }
  const name = root.getFirstPropertyValue('x-wr-calname');
  return { name: typeof name === 'string' && name.trim() ? name.trim() : undefined, window, events, warnings };
}

function parseRoot(text: string): ICAL.Component {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (error) {
    throw new CalendarParseError(`not an iCalendar document: ${error instanceof Error ? error.message : String(error)}`);
  }
  // A document may hold several VCALENDARs: ical.js then answers an array; the first is the calendar.
  const first = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  const root = new ICAL.Component(first as unknown[]);
  if (root.name !== 'vcalendar') throw new CalendarParseError(`not an iCalendar document: it starts with ${root.name.toUpperCase()}, not VCALENDAR`);
  return root;
}

function expand(master: ICAL.Event, overrides: ICAL.Event[], placer: Placer, warnings: string[]): CalendarEvent[] {
  if (!master.isRecurring()) {
    const placed = placer.place(master, master.startDate, master.endDate);
    return placed ? [placed] : [];
  }
  const events: CalendarEvent[] = [];
  const iterator = master.iterator();
  // Occurrences starting after this wall-clock day cannot reach the window, whatever the zones' offsets.
  const stopAfter = dayNumber(addDays(placer.window.until, 1));
  // Nor can those that end, at their longest, before it begins: no need to place a series' past occurrences.
  const spanDays = Math.ceil(Math.max(0, master.duration.toSeconds()) / 86_400) + 1;
  const skipBefore = dayNumber(addDays(placer.window.from, -spanDays));
  // Keyed by instant: an override may name its occurrence in another zone than the series (UTC for a TZID start).
  const overridden = new Set(overrides.map((override) => override.recurrenceId.toUnixTime()));
  const seen = new Set<number>();
  let reachedEnd = true;
  for (let count = 0; ; count++) {
    if (count >= MAX_ITERATIONS) {
      warnings.push(`event ${master.uid} recurs more than ${MAX_ITERATIONS} times before the window ends; later occurrences were skipped`);
      break;
    }
    const next = iterator.next();
    if (!next) break;
    const day = next.year * 10_000 + next.month * 100 + next.day;
    if (day > stopAfter) {
      reachedEnd = false;
      break;
    }
    const id = overridden.size ? next.toUnixTime() : Number.NaN;
    if (overridden.has(id)) seen.add(id);
    else if (day < skipBefore) continue;
    const details = master.getOccurrenceDetails(next);
    if (isCancelled(details.item)) continue;
    const placed = placer.place(details.item, details.startDate, details.endDate, next);
    if (placed) events.push(placed);
  }
  // An occurrence from beyond the window that was moved into it.
  if (!reachedEnd) {
    for (const override of overrides) {
      if (seen.has(override.recurrenceId.toUnixTime()) || isCancelled(override)) continue;
      const placed = placer.place(override, override.startDate, override.endDate, override.recurrenceId);
      if (placed) events.push(placed);
    }
  }
  return events;
}

function dayNumber(day: string): number {
  return Number(day.replaceAll('-', ''));
}

function isCancelled(event: ICAL.Event): boolean {
  return String(event.component.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
}

class Placer {
  constructor(
    readonly timeZone: string,
    readonly window: CalendarWindow,
    /** X-WR-TIMEZONE: where exports without TZIDs (older Google feeds) mean their floating times, as Apple Calendar reads them. */
    readonly calendarZone?: string,
  ) {}

  /** The occurrence as a CalendarEvent on the user's days, or null when it misses the window. */
  place(item: ICAL.Event, start: ICAL.Time, end: ICAL.Time | null, recurrenceId?: ICAL.Time): CalendarEvent | null {
    const { firstDay, lastDay } = this.days(item, start, end);
    if (lastDay < this.window.from || firstDay >= this.window.until) return null;
    const component = item.component;
    const text = (name: string) => String(component.getFirstPropertyValue(name) ?? '').trim();
    const categories = component
      .getAllProperties('categories')
      .flatMap((property) => property.getValues())
      .map((value) => String(value).trim())
      .filter(Boolean);
    return {
      uid: item.uid,
      recurrenceId: recurrenceId ? this.timeId(item, recurrenceId) : undefined,
      allDay: start.isDate,
      firstDay,
      lastDay,
      busy: text('transp').toUpperCase() !== 'TRANSPARENT' && text('x-microsoft-cdo-busystatus').toUpperCase() !== 'FREE',
      tentative: text('status').toUpperCase() === 'TENTATIVE',
      categories,
      summary: text('summary'),
      location: text('location'),
    };
  }

  private days(item: ICAL.Event, start: ICAL.Time, end: ICAL.Time | null): { firstDay: string; lastDay: string } {
    if (start.isDate) {
      const firstDay = wallClockDay(start);
      // DTEND of an all-day event is the day after its last one.
      const lastDay = end && end.compare(start) > 0 ? addDays(wallClockDay(end), end.isDate ? -1 : 0) : firstDay;
      return { firstDay, lastDay };
    }
    const from = this.instant(item, start);
    const to = end ? this.instant(item, end) : from;
    // An event ending at midnight does not block the next day.
    const last = Math.max(from.ms, to.ms - 1);
    return { firstDay: dayIn(new Date(from.ms), from.zone), lastDay: dayIn(new Date(last), from.zone) };
  }

  /**
   * A timed start or end as an instant, and the zone to read its day in: the user's, except for a floating time
   * (no zone at all, nor a calendar zone), which means the same wall clock wherever the user is, so it is read as
   * UTC of itself.
   */
  private instant(item: ICAL.Event, time: ICAL.Time): { ms: number; zone: string; floating: boolean } {
    if (time.zone !== ICAL.Timezone.localTimezone) return { ms: time.toUnixTime() * 1000, zone: this.timeZone, floating: false };
    const tzid = fallbackZone(item) ?? this.calendarZone;
    if (tzid) return { ms: instantOf(time, tzid).getTime(), zone: this.timeZone, floating: false };
    return { ms: Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second), zone: 'UTC', floating: true };
  }

  private timeId(item: ICAL.Event, time: ICAL.Time): string {
    if (time.isDate) return wallClockDay(time);
    const { ms, floating } = this.instant(item, time);
    const iso = new Date(ms).toISOString().slice(0, 19);
    return floating ? iso : `${iso}Z`;
  }
}

/**
 * A TZID with no VTIMEZONE in the document leaves ical.js with a floating time; when the TZID is an IANA name the
 * runtime knows (feeds from tools that skip VTIMEZONE do this), that zone is meant.
 */
function fallbackZone(item: ICAL.Event): string | undefined {
  for (const name of ['dtstart', 'dtend', 'recurrence-id']) {
    const property = item.component.getFirstProperty(name);
    const tzid = property?.getParameter('tzid');
    if (typeof tzid === 'string' && isTimeZone(tzid)) return tzid;
  }
  return undefined;
}

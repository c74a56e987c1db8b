// Calendar sources, groundwork: real-world-shaped ICS files (a Google Calendar export, an Apple calendar across both
// DST changes, an agency feed without VTIMEZONE) parsed with ical.js and turned into whole days by the user's rules.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_EVENTS_BLOCK, dayRanges, eventDays, ruleProblem, type CalendarRule } from '../lib/calendars/days.js';
import { CalendarParseError, calendarWindow, parseCalendar, type ParsedCalendar } from '../lib/calendars/events.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', 'calendars', name), 'utf8');
const year2027 = { from: '2027-01-01', until: '2028-01-01' };
const berlin = (name: string, window: { from: string; until: string } = year2027) => parseCalendar(fixture(name), { timeZone: 'Europe/Berlin', window });

const REHEARSAL = '3k9f0rehearsal2h7q1@google.com';

function daysOf(calendar: ParsedCalendar, uid: string, rules: CalendarRule[] = ALL_EVENTS_BLOCK): string[] {
  return eventDays(calendar, rules)
    .days.filter((day) => day.uid === uid)
    .map((day) => day.day);
}

describe('a Google Calendar export', () => {
  const calendar = berlin('google-export.ics');

  it('carries the calendar name and no warnings', () => {
    expect(calendar.name).toBe('Lena Berger – Drehs & Proben');
    expect(calendar.warnings).toEqual([]);
  });

  it('expands the weekly rehearsal, leaves out the EXDATE and the cancelled instance, and moves the changed one', () => {
    // Tuesdays 5 Jan .. 23 Feb; 19 Jan is an EXDATE, 26 Jan moved to Thursday 28 Jan, 9 Feb cancelled.
    expect(daysOf(calendar, REHEARSAL)).toEqual(['2027-01-05', '2027-01-12', '2027-01-28', '2027-02-02', '2027-02-16', '2027-02-23']);
    const moved = calendar.events.find((event) => event.uid === REHEARSAL && event.firstDay === '2027-01-28');
    expect(moved).toMatchObject({ recurrenceId: '2027-01-26T18:00:00Z', summary: 'Probe Kabale und Liebe (verschoben)' });
  });

  it('gives every occurrence of a series its own recurrence id, and a single event none', () => {
    const ids = calendar.events.filter((event) => event.uid === REHEARSAL).map((event) => event.recurrenceId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(calendar.events.find((event) => event.uid === '1p8eveningshow44@google.com')?.recurrenceId).toBeUndefined();
  });

  it('blocks both days of an event over midnight, and only its day for an evening show', () => {
    expect(daysOf(calendar, '7m2nightshoot0x1@google.com')).toEqual(['2027-01-15', '2027-01-16']);
    expect(daysOf(calendar, '1p8eveningshow44@google.com')).toEqual(['2027-01-22']);
  });

  it('reads an event stored in UTC on the user\'s day: 23:30 UTC on 9 Jan is 00:30 on 10 Jan in Berlin', () => {
    expect(daysOf(calendar, '4u3utcstored77@google.com')).toEqual(['2027-01-10']);
  });

  it("takes an all-day event's DTEND as the day after its last", () => {
    expect(daysOf(calendar, '5c4travelmunich9@google.com')).toEqual(['2027-02-01', '2027-02-02', '2027-02-03']);
    expect(daysOf(calendar, '9q1birthdayfree3@google.com')).toEqual(['2027-02-10']);
  });

  it('drops a cancelled event', () => {
    expect(calendar.events.some((event) => event.uid === '2x7cancelledcast@google.com')).toBe(false);
  });

  it('keeps titles and locations apart from the days', () => {
    const { days, details } = eventDays(calendar, ALL_EVENTS_BLOCK);
    for (const day of days) expect(Object.keys(day).sort()).toEqual(expect.arrayContaining(['day', 'kind', 'uid']));
    expect(JSON.stringify(days)).not.toContain('Kabale');
    expect(JSON.stringify(days)).not.toContain('Hamburg');
    expect(details).toContainEqual({ uid: '7m2nightshoot0x1@google.com', summary: 'Nachtdreh Tatort', location: 'Hafencity, Hamburg' });
  });

  it('filters by busy, category and word, first rule deciding the kind', () => {
    const busyOnly = eventDays(calendar, [{ busyOnly: true, kind: 'block' }]).days;
    expect(busyOnly.some((day) => day.uid === '9q1birthdayfree3@google.com')).toBe(false);
    expect(busyOnly.some((day) => day.uid === '1p8eveningshow44@google.com')).toBe(true);

    const rules: CalendarRule[] = [
      { category: 'reise', kind: 'travel' },
      { word: 'dreh', kind: 'booking' },
      { category: 'Theater', busyOnly: true, kind: 'block' },
    ];
    const { days } = eventDays(calendar, rules);
    const kinds = new Map(days.map((day) => [`${day.uid} ${day.day}`, day.kind]));
    expect(kinds.get('5c4travelmunich9@google.com 2027-02-02')).toBe('travel');
    // "Nachtdreh" and "Drehbuch" hold the letters but not the word "dreh".
    expect(days.some((day) => day.uid === '7m2nightshoot0x1@google.com' || day.uid === '4u3utcstored77@google.com')).toBe(false);
    expect(kinds.get(`${REHEARSAL} 2027-01-05`)).toBe('block');
    expect(days.some((day) => day.uid === '1p8eveningshow44@google.com' || day.uid === '9q1birthdayfree3@google.com')).toBe(false);

    const tatort = eventDays(calendar, [{ word: 'Tatort', kind: 'booking' }]).days;
    expect(tatort.map((day) => [day.day, day.kind])).toEqual([
      ['2027-01-15', 'booking'],
      ['2027-01-16', 'booking'],
    ]);
  });

  it('joins consecutive days of one occurrence into ranges', () => {
    const ranges = dayRanges(eventDays(calendar, ALL_EVENTS_BLOCK).days);
    expect(ranges).toContainEqual({ uid: '5c4travelmunich9@google.com', startDay: '2027-02-01', endDay: '2027-02-03', kind: 'block' });
    expect(ranges).toContainEqual({ uid: '7m2nightshoot0x1@google.com', startDay: '2027-01-15', endDay: '2027-01-16', kind: 'block' });
    expect(ranges.filter((range) => range.uid === REHEARSAL)).toHaveLength(6);
  });

  it('keeps to the window, clipping an event that crosses its edge', () => {
    const february = berlin('google-export.ics', { from: '2027-02-02', until: '2027-02-17' });
    expect(daysOf(february, REHEARSAL)).toEqual(['2027-02-02', '2027-02-16']);
    expect(daysOf(february, '5c4travelmunich9@google.com')).toEqual(['2027-02-02', '2027-02-03']);
    expect(daysOf(february, '7m2nightshoot0x1@google.com')).toEqual([]);
  });
});

describe('the DST changes (last Sunday of March and of October)', () => {
  const calendar = berlin('dst-changes.ics');

  it('keeps a 00:15 Berlin night shift on its own local day across the spring change, its UTC time moving an hour', () => {
    const shifts = calendar.events.filter((event) => event.uid === 'A1B2C3D4-night-shift-march');
    expect(shifts.map((event) => event.firstDay)).toEqual(['2027-03-26', '2027-03-27', '2027-03-28', '2027-03-29', '2027-03-30']);
    expect(shifts.map((event) => event.recurrenceId)).toEqual([
      '2027-03-25T23:15:00Z',
      '2027-03-26T23:15:00Z',
      '2027-03-27T23:15:00Z',
      '2027-03-28T22:15:00Z',
      '2027-03-29T22:15:00Z',
    ]);
    for (const shift of shifts) expect(shift.lastDay).toBe(shift.firstDay);
  });

  it('blocks an all-day weekend over the change as whole days', () => {
    expect(daysOf(calendar, 'A1B2C3D4-festival-march')).toEqual(['2027-03-27', '2027-03-28', '2027-03-29']);
  });

  it('keeps a 23:00 late show on its day across the autumn change', () => {
    expect(daysOf(calendar, 'A1B2C3D4-late-show-october')).toEqual(['2027-10-30', '2027-10-31', '2027-11-01']);
    const ids = calendar.events.filter((event) => event.uid === 'A1B2C3D4-late-show-october').map((event) => event.recurrenceId);
    expect(ids).toEqual(['2027-10-30T21:00:00Z', '2027-10-31T22:00:00Z', '2027-11-01T22:00:00Z']);
  });

  it('places the same events on UTC days for a user in UTC', () => {
    const utc = parseCalendar(fixture('dst-changes.ics'), { timeZone: 'UTC', window: year2027 });
    const shifts = utc.events.filter((event) => event.uid === 'A1B2C3D4-night-shift-march');
    expect(shifts.map((event) => event.firstDay)).toEqual(['2027-03-25', '2027-03-26', '2027-03-27', '2027-03-28', '2027-03-29']);
  });
});

describe('an agency feed without VTIMEZONE', () => {
  const calendar = parseCalendar(fixture('new-york-evening.ics'), { timeZone: 'America/New_York', window: year2027 });

  it('keeps an evening show in New York on its local day though it ends on the next day in UTC', () => {
    expect(daysOf(calendar, 'booking-20270304-broadway@agency.example')).toEqual(['2027-03-04']);
  });

  it('reads a TZID that has no VTIMEZONE as the IANA zone it names', () => {
    const forBerlin = parseCalendar(fixture('new-york-evening.ics'), { timeZone: 'Europe/Berlin', window: year2027 });
    // 20:00-23:00 in New York is 02:00-05:00 on the next day in Berlin.
    expect(daysOf(forBerlin, 'booking-20270304-broadway@agency.example')).toEqual(['2027-03-05']);
  });

  it('keeps a floating time on its wall-clock day wherever the user is', () => {
    for (const timeZone of ['America/New_York', 'Asia/Tokyo']) {
      const parsed = parseCalendar(fixture('new-york-evening.ics'), { timeZone, window: year2027 });
      expect(daysOf(parsed, 'booking-20270305-floating@agency.example')).toEqual(['2027-03-05']);
    }
  });

  it('matches categories without regard to case', () => {
    expect(daysOf(calendar, 'booking-20270304-broadway@agency.example', [{ category: 'booking', kind: 'booking' }])).toEqual(['2027-03-04']);
  });
});

describe('feeds that name their occurrences in other ways', () => {
  const calendarOf = (...lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...lines, 'END:VCALENDAR'].join('\r\n');
  const series = [
    'BEGIN:VEVENT',
    'UID:weekly-outlook',
    'DTSTAMP:20261201T000000Z',
    'DTSTART;TZID=Europe/Berlin:20270105T190000',
    'DTEND;TZID=Europe/Berlin:20270105T210000',
    'RRULE:FREQ=WEEKLY;COUNT=6',
    'SUMMARY:Gesangsunterricht',
    'END:VEVENT',
  ];
  const override = (recurrenceId: string, start: string, end: string) => [
    'BEGIN:VEVENT',
    'UID:weekly-outlook',
    'DTSTAMP:20261201T000000Z',
    recurrenceId,
    `DTSTART;TZID=Europe/Berlin:${start}`,
    `DTEND;TZID=Europe/Berlin:${end}`,
    'SUMMARY:Gesangsunterricht (verlegt)',
    'END:VEVENT',
  ];
  const berlinZone = fixture('google-export.ics').match(/BEGIN:VTIMEZONE[\s\S]*?END:VTIMEZONE\r\n/)![0].trimEnd().split('\r\n');

  it('matches an override whose RECURRENCE-ID is in UTC to its occurrence in a TZID series', () => {
    const ics = calendarOf(...berlinZone, ...series, ...override('RECURRENCE-ID:20270112T180000Z', '20270113T190000', '20270113T210000'));
    const calendar = parseCalendar(ics, { timeZone: 'Europe/Berlin', window: year2027 });
    expect(daysOf(calendar, 'weekly-outlook')).toEqual(['2027-01-05', '2027-01-13', '2027-01-19', '2027-01-26', '2027-02-02', '2027-02-09']);
  });

  it('brings in an occurrence moved from beyond the window into it', () => {
    const ics = calendarOf(...berlinZone, ...series, ...override('RECURRENCE-ID;TZID=Europe/Berlin:20270209T190000', '20270125T190000', '20270125T210000'));
    const calendar = parseCalendar(ics, { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2027-01-27' } });
    expect(daysOf(calendar, 'weekly-outlook')).toEqual(['2027-01-05', '2027-01-12', '2027-01-19', '2027-01-25', '2027-01-26']);
  });

  it("reads floating times in the calendar's X-WR-TIMEZONE when it has one", () => {
    const ics = calendarOf(
      'X-WR-TIMEZONE:America/New_York',
      'BEGIN:VEVENT',
      'UID:late-floating',
      'DTSTAMP:20261201T000000Z',
      'DTSTART:20270305T233000',
      'DTEND:20270305T235900',
      'SUMMARY:Late call',
      'END:VEVENT',
    );
    const calendar = parseCalendar(ics, { timeZone: 'Europe/Berlin', window: year2027 });
    // 23:30 in New York is 05:30 on the next day in Berlin.
    expect(daysOf(calendar, 'late-floating')).toEqual(['2027-03-06']);
  });
});

describe('windows, bad input and rules', () => {
  it('defaults to today .. 18 months in the user time zone', () => {
    // 23:30 UTC on 31 Aug is already 1 Sep in Berlin; 18 months on, February has no 31st.
    expect(calendarWindow('Europe/Berlin', {}, new Date('2026-08-31T23:30:00Z'))).toEqual({ from: '2026-09-01', until: '2028-03-01' });
    expect(calendarWindow('UTC', {}, new Date('2026-08-31T23:30:00Z'))).toEqual({ from: '2026-08-31', until: '2028-02-29' });
  });

  it('expands an open-ended rule that started long ago only as far as the window', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      'BEGIN:VEVENT',
      'UID:daily-since-2001',
      'DTSTAMP:20010101T000000Z',
      'DTSTART;VALUE=DATE:20010101',
      'RRULE:FREQ=DAILY',
      'SUMMARY:Every day',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const calendar = parseCalendar(ics, { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2027-01-08' } });
    expect(calendar.events.map((event) => event.firstDay)).toEqual(['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07']);
  });

  it('refuses what is not a calendar with a clear error', () => {
    expect(() => berlinText('<html><body>Sign in</body></html>')).toThrow(CalendarParseError);
    expect(() => berlinText('BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Lena\r\nEND:VCARD\r\n')).toThrow(/not an iCalendar document: it starts with VCARD/);
    expect(() => parseCalendar(fixture('google-export.ics'), { timeZone: 'Mars/Olympus' })).toThrow(/unknown time zone/);
  });

  it('names what is wrong with a rule', () => {
    expect(ruleProblem({ kind: 'block' })).toBeNull();
    expect(ruleProblem({ kind: 'holiday' as 'block' })).toMatch(/kind must be one of/);
    expect(ruleProblem({ word: ' – ', kind: 'block' })).toMatch(/word/);
    expect(ruleProblem({ category: '  ', kind: 'travel' })).toMatch(/category/);
  });
});

function berlinText(text: string) {
  return parseCalendar(text, { timeZone: 'Europe/Berlin', window: year2027 });
}

// The message an agency reads: only what changed since the last message (new, changed as old → new, cancelled),
// in German, as plain text and as HTML, with the same changes as an .ics attachment for its calendar.
import type { AvailabilityItem } from '../types.js';
import type { AvailabilityChanges } from './availability-changes.js';
import { buildAvailabilityCalendar } from './availability-ics.js';
import { describeEntry } from './availability-words.js';

export interface AvailabilityMail {
  subject: string;
  text: string;
  html: string;
  calendar: { filename: string; content: string; contentType: string };
}

interface Section {
  heading: string;
  lines: { text: string; html: string }[];
}

export const CALENDAR_FILENAME = 'verfuegbarkeit.ics';

export function composeAvailabilityMail(changes: AvailabilityChanges, actorName: string, subjectPrefix: string, now = new Date()): AvailabilityMail {
  const sections = toSections(changes);
  return {
    subject: `${subjectPrefix} ${actorName}: ${summarize(changes)}`,
    text: renderText(sections, actorName),
    html: renderHtml(sections, actorName),
    calendar: {
      filename: CALENDAR_FILENAME,
      content: buildAvailabilityCalendar(changes, actorName, now),
      contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
    },
  };
}

/** "1 neu, 2 geändert, 1 gestrichen", leaving out what did not happen. */
function summarize(changes: AvailabilityChanges): string {
  const counts: [number, string][] = [
    [changes.added.length, 'neu'],
    [changes.changed.length, 'geändert'],
    [changes.removed.length, 'gestrichen'],
  ];
  return counts
    .filter(([count]) => count > 0)
    .map(([count, words]) => `${count} ${words}`)
    .join(', ');
}

function toSections(changes: AvailabilityChanges): Section[] {
  const line = (item: AvailabilityItem) => ({ text: describeEntry(item), html: escapeHtml(describeEntry(item)) });
  const sections: Section[] = [
    { heading: 'Neu', lines: changes.added.map(line) },
    {
      heading: 'Geändert (bisher → jetzt)',
      lines: changes.changed.map(({ before, after }) => ({
        text: `${describeEntry(before)} → ${describeEntry(after)}`,
        html: `<del>${escapeHtml(describeEntry(before))}</del> → <strong>${escapeHtml(describeEntry(after))}</strong>`,
      })),
    },
    {
      heading: 'Gestrichen',
      lines: changes.removed.map((item) => ({ text: describeEntry(item), html: `<del>${escapeHtml(describeEntry(item))}</del>` })),
    },
  ];
  return sections.filter((section) => section.lines.length > 0);
}

function renderText(sections: Section[], actorName: string): string {
  const body = sections.map((s) => [`${s.heading}:`, ...s.lines.map((l) => `  • ${l.text}`)].join('\n')).join('\n\n');
  return [
    'Guten Tag,',
    '',
    `${actorName} hat die Verfügbarkeit geändert. Diese Nachricht nennt nur die Änderungen seit der letzten Nachricht.`,
    '',
    body,
    '',
    `Die Änderungen liegen auch als Kalenderdatei bei (${CALENDAR_FILENAME}).`,
    '',
    '-- ',
    `Automatisch gesendet von castsync im Auftrag von ${actorName}. Antworten an diese Adresse werden nicht gelesen.`,
    '',
  ].join('\n');
}

function renderHtml(sections: Section[], actorName: string): string {
  const name = escapeHtml(actorName);
  const body = sections
    .map((s) => `<h3>${escapeHtml(s.heading)}</h3>\n<ul>\n${s.lines.map((l) => `  <li>${l.html}</li>`).join('\n')}\n</ul>`)
    .join('\n');
  return [
    '<!doctype html>',
    '<html lang="de"><head><meta charset="utf-8"></head><body>',
    '<p>Guten Tag,</p>',
    `<p><strong>${name}</strong> hat die Verfügbarkeit geändert. Diese Nachricht nennt nur die Änderungen seit der letzten Nachricht.</p>`,
    body,
    `<p>Die Änderungen liegen auch als Kalenderdatei bei (${CALENDAR_FILENAME}).</p>`,
    `<p style="color:#666;font-size:small">Automatisch gesendet von castsync im Auftrag von ${name}. Antworten an diese Adresse werden nicht gelesen.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

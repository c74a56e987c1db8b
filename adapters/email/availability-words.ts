// Availability in words, for German agencies: "Mo, 01.03.2027 – Fr, 05.03.2027: 2. Option für Studio Hamburg".
// Written out by hand rather than with Intl, whose German short weekdays ("Mo.") and ICU data vary by Node build.
import type { AvailabilityItem } from '../types.js';

const WEEKDAYS = ['So', 'Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa'];

/** '2027-03-01' → 'Mo, 01.03.2027'. Days are calendar days, so the weekday is computed in UTC. */
export function formatDay(day: string): string {
  const [year, month, date] = day.split('-');
  const weekday = WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()];
  return `${weekday}, ${date}.${month}.${year}`;
}

/** One day alone, or first – last (both included). */
export function formatRange(item: Pick<AvailabilityItem, 'startDate' | 'endDate'>): string {
  return item.startDate === item.endDate ? formatDay(item.startDate) : `${formatDay(item.startDate)} – ${formatDay(item.endDate)}`;
}

/** The casting trade's words: Sperrtag, n. Option (for whom), Festbuchung, Reisetag, verfügbar. */
export function statusInWords(item: AvailabilityItem): string {
  const multiDay = item.startDate !== item.endDate;
  if (item.status === 'tentative') {
    const option = item.optionRank ? `${item.optionRank}. Option` : 'Option';
    return forHolder(item.type === 'travel' ? `${option} (Reisetag)` : option, item.optionHolder);
  }
  if (item.status === 'available') return 'verfügbar';
  if (item.type === 'booking') return forHolder('Festbuchung', item.optionHolder);
  if (item.type === 'travel') return forHolder(multiDay ? 'Reisetage' : 'Reisetag', item.optionHolder);
  return multiDay ? 'Sperrtage (nicht verfügbar)' : 'Sperrtag (nicht verfügbar)';
}

/** Dates, status and note on one line. */
export function describeEntry(item: AvailabilityItem): string {
  const note = item.note ? ` (Notiz: ${item.note})` : '';
  return `${formatRange(item)}: ${statusInWords(item)}${note}`;
}

function forHolder(words: string, holder: string | null | undefined): string {
  return holder ? `${words} für ${holder}` : words;
}

// Availability dates are whole calendar days. In JS they travel as 'YYYY-MM-DD' strings; Prisma's @db.Date
// columns come back as UTC midnights, so every conversion here is UTC.
const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The Date for a valid 'YYYY-MM-DD', or null (rejects 2026-02-30 and friends). */
export function parseDay(value: string): Date | null {
  const match = ISO_DAY.exec(value);
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return toDay(date) === value ? date : null;
}

export function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Days from start to end, both included. */
export function daysInclusive(start: Date, end: Date): number {
  return Math.round((end.getTime() - start.getTime()) / DAY_MS) + 1;
}

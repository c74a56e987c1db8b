// An availability row as the adapters, feeds and API see it: calendar days as 'YYYY-MM-DD', the version.
import type { AvailabilityItem } from '../adapters/types.js';
import type { Availability } from '../generated/prisma/client.js';
import { toDay } from './days.js';

export function toAvailabilityItem(row: Availability): Required<AvailabilityItem> {
  return {
    id: row.id,
    startDate: toDay(row.startDate),
    endDate: toDay(row.endDate),
    status: row.status,
    type: row.type,
    optionRank: row.optionRank,
    optionHolder: row.optionHolder,
    note: row.note,
    version: row.version,
  };
}

// One scheduled read of one calendar source (lib/calendar-schedules.ts): a single activity fetches the feed, turns
// its events into days by the source's rules and imports them. Its input is ids only: the feed's address is a
// secret and stays out of the history. A feed that fails (too large, too slow, refused) is recorded on the source
// by the activity and not retried here: the next scheduled run is the retry. Only castsync's own trouble (the
// database) is retried.
import { proxyActivities } from '@temporalio/workflow';
import type { CalendarRefreshResult } from '../activities/calendar-refresh.js';
import type { CoreActivities } from '../activities/index.js';

export interface CalendarRefreshInput {
  userId: string;
  sourceId: string;
}

const { refreshCalendarSource } = proxyActivities<CoreActivities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 5 },
});

export async function calendarRefreshWorkflow(input: CalendarRefreshInput): Promise<CalendarRefreshResult> {
  return refreshCalendarSource(input);
}

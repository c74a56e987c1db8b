// One Temporal Schedule per calendar source: it starts calendarRefreshWorkflow every CASTSYNC_CALENDAR_REFRESH_MINUTES,
// each source at its own second of the interval (many users' feeds are not all read in the same minute). Kept in
// step with the source through the outbox (topics calendar_schedule and calendar_refresh, lib/outbox-relay.ts).
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { calendarScheduleId, WORKFLOW_TASK_QUEUE } from '../workflows/plumbing.js';
import { calendarRefreshWorkflow, type CalendarRefreshInput } from '../workflows/calendar-refresh.js';
import { userIdAttribute } from '../workflows/search-attributes.js';
import { putSchedule, removeSchedule, spreadSeconds } from './connection-schedule.js';

export async function ensureCalendarSchedule(client: Client, { userId, sourceId }: CalendarRefreshInput, everyMinutes: number): Promise<void> {
  const everySeconds = everyMinutes * 60;
  const searchAttributes = [{ key: userIdAttribute, value: userId }];
  await putSchedule(client, calendarScheduleId(sourceId), {
    spec: { intervals: [{ every: `${everySeconds} seconds`, offset: `${spreadSeconds(`calendar/${sourceId}`, everySeconds)} seconds` }] },
    action: {
      type: 'startWorkflow',
      // The function, not its name: a renamed workflow is a type error, not a schedule that starts nothing.
      workflowType: calendarRefreshWorkflow,
      workflowId: calendarScheduleId(sourceId),
      taskQueue: WORKFLOW_TASK_QUEUE,
      // Ids only: the feed's address is a secret, read from the database by the activity.
      args: [{ userId, sourceId }],
      typedSearchAttributes: searchAttributes,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    typedSearchAttributes: searchAttributes,
    state: { paused: false },
  });
}

export async function removeCalendarSchedule(client: Client, sourceId: string): Promise<void> {
  await removeSchedule(client, calendarScheduleId(sourceId));
}

/** Runs the source's refresh now; BUFFER_ONE: one running is followed by one more. False: no schedule. */
export async function triggerCalendarRefresh(client: Client, sourceId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(calendarScheduleId(sourceId)).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

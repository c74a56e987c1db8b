// Retry policies and timeouts, declared once per connection kind. Workflows pass these to proxyActivities, so this
// file is workflow code: plain data, no imports but types and ./error-types.ts (eslint.config.js fences it).
// Changing a value here changes only activities scheduled after the deploy (in new and running workflows alike):
// the options travel in the ScheduleActivityTask command, whose replay Temporal checks by activity type and id
// only, and an activity already scheduled keeps the retry policy the server recorded for it.
//
// Why these ceilings. Temporal's retries cover the short trouble a platform has every day: a 503 for a few
// seconds, a 429 (whose Retry-After wins over the backoff: activities/failures.ts), a deploy of a minute. Their
// maximum interval is kept short (30 s for APIs, 1 minute for portals and SMTP) because a retry timer is also
// the time a platform that is healthy again waits for us: a 5-minute ceiling left converged platforms idle for
// minutes after an outage. A platform that is down longer than the retry window (scheduleToCloseTimeout, or the
// browser's maximumAttempts) is not given up on: the sync workflow keeps the platform due and pushes again after
// a growing re-drive interval (workflows/platform-sync-loop.ts), durable in Temporal, until it answers; and a
// periodic full comparison finds whatever was missed. So an afternoon's outage costs a few dozen requests, not
// thousands, and the platform is back in step within one re-drive interval after it recovers.
import type { ActivityOptions } from '@temporalio/workflow';
import type { ConnectionKind } from './catalog-types.js';
import { NON_RETRYABLE_ERROR_TYPES } from './error-types.js';

/** Where a sync pushes: a platform of one of the connection kinds, or the user's destination calendar (CalDAV). */
export type TargetKind = ConnectionKind | 'calendar';

export const activityOptionsByKind: Record<TargetKind, ActivityOptions> = {
  // HTTP APIs answer in seconds; a dead worker is noticed through the missing heartbeat. 1, 2, 4, ... 30 s, for
  // 30 minutes: about 65 attempts, then re-drive.
  rest: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    scheduleToCloseTimeout: '30 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  oauth: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    scheduleToCloseTimeout: '30 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  // A browser session is slow to start and heavy: fewer, slower retries. 5, 10, 20, 40, 60, 60, 60 s: about
  // 4 minutes of retries (plus the attempts themselves), then re-drive.
  browser: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '30 seconds',
    scheduleToCloseTimeout: '1 hour',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  // A CalDAV server answers in seconds, like an API: the same window.
  calendar: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    scheduleToCloseTimeout: '30 minutes',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  // SMTP relays queue on their side; an hour of retries, then re-drive.
  email: {
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '20 seconds',
    scheduleToCloseTimeout: '1 hour',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
};

/** Short database work done next to the workflow (reading sync targets). */
export const localActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
};

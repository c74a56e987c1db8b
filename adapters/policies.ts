// Retry policies and timeouts, declared once per connection kind. Workflows pass these to proxyActivities.
import type { ActivityOptions } from '@temporalio/workflow';
import type { ConnectionKind } from './catalog.js';
import { NON_RETRYABLE_ERROR_TYPES } from './error-types.js';

export const activityOptionsByKind: Record<ConnectionKind, ActivityOptions> = {
  // HTTP APIs answer in seconds; a dead worker is noticed through the missing heartbeat.
  rest: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    scheduleToCloseTimeout: '6 hours',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  oauth: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '5 seconds',
    scheduleToCloseTimeout: '6 hours',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  // A browser session is slow to start and heavy: fewer, slower retries.
  browser: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '30 seconds',
    scheduleToCloseTimeout: '12 hours',
    retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 12, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
  // SMTP outages tend to last minutes; an agency can wait.
  email: {
    startToCloseTimeout: '1 minute',
    heartbeatTimeout: '20 seconds',
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes', nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
  },
};

/** Short database work done next to the workflow (reading sync targets). */
export const localActivityOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
};

// Which failed pushes are re-driven, and how the wait grows (workflows/redrive.ts, pure workflow code).
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { failureOf, nextRedrive, retryWindowExhausted } from '../workflows/redrive.js';

const MINUTE = 60_000;
const failed = (retryState: RetryState, cause?: Error) => new ActivityFailure('activity failed', 'pushAvailability', '1', retryState, 'worker', cause);

describe('re-drive policy', () => {
  it('re-drives a push whose retry window ran out (time for APIs and SMTP, attempts for portals), nothing else', () => {
    const outage = ApplicationFailure.create({ type: 'PlatformServerError', message: 'e-TALENTA failed with 503' });
    expect(retryWindowExhausted(failed(RetryState.TIMEOUT, outage))).toBe(true);
    expect(retryWindowExhausted(failed(RetryState.MAXIMUM_ATTEMPTS_REACHED, outage))).toBe(true);
    const auth = ApplicationFailure.create({ type: 'PlatformAuthError', message: 'rejected', nonRetryable: true });
    expect(retryWindowExhausted(failed(RetryState.NON_RETRYABLE_FAILURE, auth))).toBe(false);
    expect(retryWindowExhausted(failed(RetryState.CANCEL_REQUESTED))).toBe(false);
    expect(retryWindowExhausted(new Error('not an activity failure'))).toBe(false);
  });

  it('waits the initial interval, doubles after each failed probe, and stops growing at the maximum', () => {
    const settings = { initialMs: 10 * MINUTE, maxMs: 60 * MINUTE };
    const now = Date.parse('2027-01-01T00:00:00Z');
    const first = nextRedrive(null, settings, now);
    expect(first).toEqual({ failedProbes: 0, intervalMs: 10 * MINUTE, nextAttemptAt: '2027-01-01T00:10:00.000Z' });
    const intervals = [first];
    for (let i = 0; i < 4; i++) intervals.push(nextRedrive(intervals.at(-1), settings, now));
    expect(intervals.map((r) => r.intervalMs / MINUTE)).toEqual([10, 20, 40, 60, 60]);
    expect(intervals.at(-1)!.failedProbes).toBe(4);
    expect(nextRedrive(null, { initialMs: 2 * MINUTE, maxMs: MINUTE }, now).intervalMs).toBe(MINUTE);
  });

  it("reports a timed-out push by its last attempt's failure, not the timeout", () => {
    const outage = ApplicationFailure.create({ type: 'PlatformNetworkError', message: 'e-TALENTA could not be reached: ECONNREFUSED' });
    const timeout = new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE');
    Object.defineProperty(timeout, 'cause', { value: outage });
    expect(failureOf(failed(RetryState.TIMEOUT, timeout))).toEqual({ message: 'e-TALENTA could not be reached: ECONNREFUSED', type: 'PlatformNetworkError' });
    expect(failureOf(failed(RetryState.NON_RETRYABLE_FAILURE, outage))).toEqual({ message: outage.message, type: 'PlatformNetworkError' });
  });
});

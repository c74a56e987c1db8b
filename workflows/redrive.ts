// Re-drive: what the sync loop does with a platform whose push ran out its whole retry window (the kind's
// scheduleToCloseTimeout or maximumAttempts in adapters/policies.ts) for a retryable reason — a platform that is
// down longer than Temporal's retries last. It is not given up: the loop keeps it due and, after a durable timer
// that doubles while the platform stays down (initialMs .. maxMs, from configuration), pushes once more as a probe
// (a single attempt, comparing in full). Deterministic helpers only: this file is workflow code.
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';

export interface RedriveSettings {
  initialMs: number;
  maxMs: number;
}

/** Runs started before the setting travelled in the input re-drive with the configuration's defaults. */
export const DEFAULT_REDRIVE: RedriveSettings = { initialMs: 60_000, maxMs: 60 * 60_000 };

/** The query's account of a platform being re-driven. */
export interface RedriveView {
  /** Re-drive pushes that failed so far (0 while the first is awaited). */
  failedProbes: number;
  intervalMs: number;
  /** When the next push goes out (ISO), unless a manual sync comes first. */
  nextAttemptAt: string;
}

/**
 * The push failed only because its retries ran out (time or attempts) while each attempt failed retryably:
 * the platform is down or unreachable, not refusing us. Auth and validation failures are non-retryable and end
 * with NON_RETRYABLE_FAILURE instead: those wait for the user (reconnect, fix the data).
 */
export function retryWindowExhausted(error: unknown): boolean {
  return error instanceof ActivityFailure && (error.retryState === RetryState.TIMEOUT || error.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED);
}

/** The next wait: the initial interval after the retry window, doubling after each failed probe, up to maxMs. */
export function nextRedrive(previous: RedriveView | null | undefined, settings: RedriveSettings, now: number): RedriveView {
  const intervalMs = previous ? Math.min(previous.intervalMs * 2, settings.maxMs) : Math.min(settings.initialMs, settings.maxMs);
  return { failedProbes: previous ? previous.failedProbes + 1 : 0, intervalMs, nextAttemptAt: new Date(now + intervalMs).toISOString() };
}

/** What failed, for the view: a timeout's own message says little, the last attempt's failure says why. */
export function failureOf(error: unknown): { message: string; type: string | null } {
  let cause: unknown = error instanceof ActivityFailure ? error.cause : error;
  while (cause instanceof TimeoutFailure && cause.cause) cause = cause.cause;
  return {
    message: cause instanceof Error ? cause.message : String(cause),
    type: cause instanceof ApplicationFailure ? (cause.type ?? null) : null,
  };
}

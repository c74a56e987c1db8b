// Turns whatever an adapter threw into the ApplicationFailure Temporal should see: retryable or not, and for a
// 429 the wait the platform asked for (Retry-After or RateLimit-Reset, capped by the catalog: adapters/retry-delay.ts)
// as the next retry delay. The failure's message, which names that wait and why, becomes the sync-log row's
// errorMessage and the connection's statusMessage (platform-connection.ts).
import { ApplicationFailure } from '@temporalio/common';
import { PlatformError } from '../adapters/errors.js';
import { ErrorType } from '../adapters/error-types.js';

export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof PlatformError) {
    return ApplicationFailure.create({
      type: error.type,
      message: error.message,
      nonRetryable: !error.retryable,
      // 0 (the platform's time is already past) is no wait of its own: the policy's growing backoff then paces the
      // attempts, so a clock ahead of the platform's cannot make them a tight loop of 429s.
      nextRetryDelay: error.details.retryAfterMs || undefined,
      details: [{ status: error.details.status ?? null }],
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({ type: 'InternalError', message, nonRetryable: false });
}

/**
 * Only a clear refusal of the credentials (PlatformAuthError) asks the user to reconnect; a lost session
 * (PlatformSessionError: a logout, an expired session, a sign-in that did not get through) is retried like an outage.
 */
export function isAuthFailure(failure: ApplicationFailure): boolean {
  return failure.type === ErrorType.auth;
}

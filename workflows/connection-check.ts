// A connect-time credential check (POST /api/platforms/:platformId/connect): one activity, checkConnection, on the
// platform's own task queue, so a browser login runs on a worker with Chromium, in its browser pool and within the
// platform's dispatch limits, never in the gateway. Only the check's id travels here: the credentials wait sealed
// in its ConnectionCheck row, so they are in no input, result or history. Everything the workflow decides comes
// from its input (the starter computes the timeouts: lib/connection-checks.ts).
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { proxyActivities } from '@temporalio/workflow';
import type { PlatformActivities } from '../activities/index.js';
import { CONNECTION_CHECK_TROUBLE } from '../adapters/error-types.js';

export interface ConnectionCheckInput {
  checkId: string;
  /** The platform's task queue (./plumbing.ts platformTaskQueue). */
  taskQueue: string;
  /** One attempt's bound: a browser login takes longer than an API call. */
  attemptTimeoutMs: number;
  /** Attempts for transient trouble (network, 5xx, a lost session); a refusal is answered at once. */
  maximumAttempts: number;
}

/** What the check found; never a secret. `retryable`: trouble on the way, not a refusal of the credentials. */
export type ConnectionCheckResult = { accepted: true } | { accepted: false; message: string | null; retryable: boolean };

export async function connectionCheckWorkflow(input: ConnectionCheckInput): Promise<ConnectionCheckResult> {
  const { checkConnection } = proxyActivities<PlatformActivities>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: input.attemptTimeoutMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: input.maximumAttempts },
  });
  try {
    return await checkConnection({ checkId: input.checkId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { accepted: false, message: troubleMessage(error), retryable: true };
  }
}

/** The platform's own words for the last attempt's trouble; none for a timeout (the route then says so itself). */
function troubleMessage(error: ActivityFailure): string | null {
  let cause: unknown = error.cause;
  while (cause instanceof TimeoutFailure && cause.cause) cause = cause.cause;
  return cause instanceof ApplicationFailure && cause.type === CONNECTION_CHECK_TROUBLE ? cause.message : null;
}

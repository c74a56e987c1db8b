// The one way to tell Temporal about a change of a user's availability (from the gateway, or from an activity
// that imported a booking): signalWithStart on the user's availability workflow.
import type { Client } from '@temporalio/client';
import { WORKFLOW_TASK_QUEUE } from '../adapters/catalog.js';
import type { availabilitySyncWorkflow, SyncRequest } from '../workflows/availability-sync.js';
import { syncRequestedSignal } from '../workflows/availability-sync.js';
import { availabilitySyncWorkflowId } from '../workflows/ids.js';
import { userIdAttribute } from '../workflows/search-attributes.js';
import { currentRequestId } from './request-context.js';

export async function requestAvailabilitySync(client: Client, userId: string, coalesceMs: number, request: SyncRequest) {
  const handle = await client.workflow.signalWithStart<typeof availabilitySyncWorkflow, [SyncRequest]>('availabilitySyncWorkflow', {
    workflowId: availabilitySyncWorkflowId(userId),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ userId, coalesceMs }],
    signal: syncRequestedSignal,
    // The gateway's request id travels with the signal, so the push it causes logs it (none for a pull's import).
    signalArgs: [{ ...request, requestId: request.requestId ?? currentRequestId() }],
    typedSearchAttributes: [{ key: userIdAttribute, value: userId }],
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

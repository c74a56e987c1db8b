// The one way to tell Temporal about a change of a user's data (from the gateway, or from an activity that
// imported a booking): signalWithStart on the user's sync workflow for that kind of data.
import type { Client } from '@temporalio/client';
import { WORKFLOW_TASK_QUEUE } from '../adapters/catalog.js';
import { syncSignals, type SyncRequest } from '../workflows/sync-signals.js';
import { syncWorkflowId, type SyncedData } from '../workflows/ids.js';
import { userIdAttribute } from '../workflows/search-attributes.js';
import { currentRequestId } from './request-context.js';

const workflowTypes: Record<SyncedData, string> = {
  availability: 'availabilitySyncWorkflow',
  media: 'mediaSyncWorkflow',
  profile: 'profileSyncWorkflow',
};

export async function requestSync(client: Client, data: SyncedData, userId: string, coalesceMs: number, request: SyncRequest) {
  const handle = await client.workflow.signalWithStart(workflowTypes[data], {
    workflowId: syncWorkflowId(data, userId),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ userId, coalesceMs }],
    signal: syncSignals[data].requested,
    // The gateway's request id travels with the signal, so the push it causes logs it (none for a pull's import).
    signalArgs: [{ ...request, requestId: request.requestId ?? currentRequestId() }],
    typedSearchAttributes: [{ key: userIdAttribute, value: userId }],
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

export const requestAvailabilitySync = (client: Client, userId: string, coalesceMs: number, request: SyncRequest) =>
  requestSync(client, 'availability', userId, coalesceMs, request);

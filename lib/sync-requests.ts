// The one way to tell Temporal about a change of a user's data: signalWithStart on the user's sync workflow for
// that kind of data. Only the outbox relay calls it (lib/outbox-relay.ts); everything else writes an outbox row.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WORKFLOW_TASK_QUEUE, syncSignals, syncTargetsChangedSignal, syncWorkflowId, type SyncedData } from '../workflows/plumbing.js';
import type { SyncRequest } from '../workflows/sync-signals.js';
import { SYNC_LOOP_FEATURES, type SyncLoopInput } from '../workflows/platform-sync-loop.js';
import { availabilitySyncWorkflow } from '../workflows/availability-sync.js';
import { mediaSyncWorkflow } from '../workflows/media-sync.js';
import { profileSyncWorkflow } from '../workflows/profile-sync.js';
import { userIdAttribute } from '../workflows/search-attributes.js';
import type { Config } from './config.js';

const syncWorkflows: Record<SyncedData, (input: SyncLoopInput) => Promise<void>> = {
  availability: availabilitySyncWorkflow,
  media: mediaSyncWorkflow,
  profile: profileSyncWorkflow,
};

/** The sync workflows' settings, from configuration; they travel in the workflow's input, so replay sees them. */
export const syncLoopInput = (config: Config, userId: string): SyncLoopInput => ({
  userId,
  coalesceMs: config.syncCoalesceMs,
  redrive: { initialMs: config.redriveInitialMs, maxMs: config.redriveMaxMs },
  features: SYNC_LOOP_FEATURES,
});

export async function requestSync(client: Client, config: Config, data: SyncedData, userId: string, request: SyncRequest) {
  const handle = await client.workflow.signalWithStart(syncWorkflows[data], {
    workflowId: syncWorkflowId(data, userId),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [syncLoopInput(config, userId)],
    signal: syncSignals[data].requested,
    signalArgs: [request],
    typedSearchAttributes: [{ key: userIdAttribute, value: userId }],
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

/**
 * Tells the user's running sync workflows that the platforms they push to changed (they list them again at their
 * next round). A workflow that is not running lists them when it starts: nothing to tell.
 */
export async function announceSyncTargetsChanged(client: Client, userId: string) {
  for (const data of Object.keys(syncWorkflows) as SyncedData[]) {
    await client.workflow
      .getHandle(syncWorkflowId(data, userId))
      .signal(syncTargetsChangedSignal)
      .catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
  }
}

// One long-lived workflow per user keeps every connected platform's copy of the user's availability in step
// (the loop: platform-sync-loop.ts).
import { continueAsNew, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CoreActivities, PlatformActivities } from '../activities/index.js';
import type { SyncTarget } from '../activities/sync-targets.js';
import { CALENDAR_DESTINATION_TASK_QUEUE, platformTaskQueue, syncSignals } from './plumbing.js';
import { activityOptionsByKind, localActivityOptions } from '../adapters/policies.js';
import { runPlatformSyncLoop, type PushOptions, type SyncLoopInput } from './platform-sync-loop.js';
import type { SyncView } from './sync-signals.js';

export type { PlatformSyncState, PlatformSyncView, SyncRequest } from './sync-signals.js';
export type AvailabilitySyncView = SyncView;
export type AvailabilitySyncInput = SyncLoopInput;

export const syncRequestedSignal = syncSignals.availability.requested;
export const syncStateQuery = syncSignals.availability.state;

const { listAvailabilitySyncTargets } = proxyLocalActivities<CoreActivities>(localActivityOptions);

/**
 * The activities of one platform: on its own task queue, with its connection kind's retry policy and timeouts;
 * a single attempt for a re-drive's probe (the platform was down past its retry window). A destination calendar's
 * push runs on the calendars' shared queue (a branch only target lists with a calendar take, so histories recorded
 * before it replay unchanged).
 */
export function platformActivities(target: SyncTarget, { singleAttempt = false }: PushOptions = {}) {
  const options = activityOptionsByKind[target.kind];
  return proxyActivities<PlatformActivities>({
    ...options,
    ...(singleAttempt ? { retry: { ...options.retry, maximumAttempts: 1 } } : {}),
    taskQueue: target.kind === 'calendar' ? CALENDAR_DESTINATION_TASK_QUEUE : platformTaskQueue(target.platformId),
  });
}

export async function availabilitySyncWorkflow(input: AvailabilitySyncInput): Promise<void> {
  await runPlatformSyncLoop(input, {
    data: 'availability',
    listTargets: listAvailabilitySyncTargets,
    push: (target, push, options) => platformActivities(target, options).pushAvailability(push),
    continueAsNew: (next) => continueAsNew<typeof availabilitySyncWorkflow>(next),
  });
}

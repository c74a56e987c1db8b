// One long-lived workflow per user keeps every connected platform's copy of the user's profile in step (the
// loop: platform-sync-loop.ts; one push: activities/profile-push.ts).
import { continueAsNew, proxyLocalActivities } from '@temporalio/workflow';
import type { CoreActivities } from '../activities/index.js';
import { localActivityOptions } from '../adapters/policies.js';
import { platformActivities } from './availability-sync.js';
import { runPlatformSyncLoop, type SyncLoopInput } from './platform-sync-loop.js';

const { listSyncTargets } = proxyLocalActivities<CoreActivities>(localActivityOptions);

export async function profileSyncWorkflow(input: SyncLoopInput): Promise<void> {
  await runPlatformSyncLoop(input, {
    data: 'profile',
    listTargets: (query) => listSyncTargets({ ...query, data: 'profile' }),
    push: (target, push, options) => platformActivities(target, options).pushProfile(push),
    continueAsNew: (next) => continueAsNew<typeof profileSyncWorkflow>(next),
  });
}

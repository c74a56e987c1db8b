// One long-lived workflow per user keeps every connected platform's copy of the user's media library in step:
// uploads, replacements, deletions, the main photo and the order (the loop: platform-sync-loop.ts; one push:
// activities/media-push.ts).
import { continueAsNew, proxyLocalActivities } from '@temporalio/workflow';
import type { CoreActivities } from '../activities/index.js';
import { localActivityOptions } from '../adapters/policies.js';
import { platformActivities } from './availability-sync.js';
import { runPlatformSyncLoop, type SyncLoopInput } from './platform-sync-loop.js';

const { listSyncTargets } = proxyLocalActivities<CoreActivities>(localActivityOptions);

export async function mediaSyncWorkflow(input: SyncLoopInput): Promise<void> {
  await runPlatformSyncLoop(input, {
    data: 'media',
    listTargets: (query) => listSyncTargets({ ...query, data: 'media' }),
    push: (target, push, options) => platformActivities(target, options).pushMedia(push),
    continueAsNew: (next) => continueAsNew<typeof mediaSyncWorkflow>(next),
  });
}

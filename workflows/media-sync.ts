// One long-lived workflow per user keeps every connected platform's copy of the user's media library in step:
// uploads, replacements, deletions, the main photo and the order (the loop: platform-sync-loop.ts; one push:
// activities/media-push.ts).
import { continueAsNew, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CoreActivities, PlatformActivities } from '../activities/index.js';
import type { SyncTarget } from '../activities/sync-targets.js';
import { platformTaskQueue } from './plumbing.js';
import { activityOptionsByKind, localActivityOptions } from '../adapters/policies.js';
import { platformActivities } from './availability-sync.js';
import { runPlatformSyncLoop, usesFeature, type PushOptions, type SyncLoopInput } from './platform-sync-loop.js';

const { listSyncTargets, planMediaPush } = proxyLocalActivities<CoreActivities>(localActivityOptions);

export async function mediaSyncWorkflow(input: SyncLoopInput): Promise<void> {
  await runPlatformSyncLoop(input, {
    data: 'media',
    listTargets: (query) => listSyncTargets({ ...query, data: 'media' }),
    push: async (target, push, options) => {
      // Runs started before scheduled every push with the kind's fixed timeouts, and must replay so.
      if (!usesFeature(input, 'mediaPushTimeoutsFromWork', 'media-push-timeouts-from-work')) return platformActivities(target, options).pushMedia(push);
      const plan = await planMediaPush({ userId: push.userId, platformId: target.platformId });
      return mediaActivities(target, plan, options).pushMedia(push);
    },
    continueAsNew: (next) => continueAsNew<typeof mediaSyncWorkflow>(next),
  });
}

/**
 * The platform's activities with the push's own time limits (activities/media-push-plan.ts), so a slow but healthy
 * platform is not cut off and retried while the first attempt still uploads. The kind's heartbeat timeout stays:
 * it is how a timed-out attempt hears that it must stop.
 */
function mediaActivities(
  target: SyncTarget,
  plan: { startToCloseTimeoutMs: number; scheduleToCloseTimeoutMs: number },
  { singleAttempt = false }: PushOptions = {},
) {
  const options = activityOptionsByKind[target.kind];
  return proxyActivities<PlatformActivities>({
    ...options,
    // A re-drive's probe: one attempt (workflows/redrive.ts).
    ...(singleAttempt ? { retry: { ...options.retry, maximumAttempts: 1 } } : {}),
    startToCloseTimeout: plan.startToCloseTimeoutMs,
    scheduleToCloseTimeout: plan.scheduleToCloseTimeoutMs,
    taskQueue: platformTaskQueue(target.platformId),
  });
}

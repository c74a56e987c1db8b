// One scheduled pull of one platform (lib/pull-schedules.ts starts it on the connection's Temporal Schedule):
// a single pullAvailability activity on the platform's task queue with its connection kind's retry policy. The
// activity reads the platform, merges, and asks for the pushes that follow; the Schedule's SKIP overlap policy
// keeps a slow pull from running twice at once.
import { proxyActivities } from '@temporalio/workflow';
import type { PlatformActivities } from '../activities/index.js';
import type { PullAvailabilityInput, PullAvailabilityResult } from '../activities/availability-pull.js';
import { getPlatform, platformTaskQueue } from '../adapters/catalog.js';
import { activityOptionsByKind } from '../adapters/policies.js';

export type AvailabilityPullInput = PullAvailabilityInput;

export async function availabilityPullWorkflow({ userId, platformId }: AvailabilityPullInput): Promise<PullAvailabilityResult> {
  const { pullAvailability } = proxyActivities<PlatformActivities>({
    ...activityOptionsByKind[getPlatform(platformId).kind],
    taskQueue: platformTaskQueue(platformId),
  });
  return pullAvailability({ userId, platformId });
}

// One scheduled pull of one platform (lib/pull-schedules.ts starts it on the connection's Temporal Schedule):
// a pullAvailability activity on the platform's task queue with its connection kind's retry policy — it reads the
// platform, merges, and asks for the pushes that follow — and, on platforms that take media, a look at the
// platform's media for drift, and where a read-only API shows the profile (Filmmakers), at the profile. The
// Schedule's SKIP overlap policy keeps a slow pull from running twice at once.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { PlatformActivities } from '../activities/index.js';
import type { PullAvailabilityInput, PullAvailabilityResult } from '../activities/availability-pull.js';
import { getPlatform, platformTaskQueue } from '../adapters/catalog.js';
import { activityOptionsByKind } from '../adapters/policies.js';

export type AvailabilityPullInput = PullAvailabilityInput;

export async function availabilityPullWorkflow({ userId, platformId }: AvailabilityPullInput): Promise<PullAvailabilityResult> {
  const platform = getPlatform(platformId);
  const { pullAvailability, checkMediaDrift, checkProfileDrift } = proxyActivities<PlatformActivities>({
    ...activityOptionsByKind[platform.kind],
    taskQueue: platformTaskQueue(platformId),
  });
  const result = await pullAvailability({ userId, platformId });
  // Patched: pulls scheduled before media drift was checked end after the availability pull when replayed.
  if (platform.capabilities.media && patched('pull-checks-media-drift')) await checkMediaDrift({ userId, platformId });
  // Only where the catalog names a read-only API to read the profile with (Filmmakers' partner API: no browser);
  // patched like the media drift check, for pulls scheduled before it.
  if (platform.capabilities.profile && platform.browser?.partnerApiPath && patched('pull-checks-profile-drift')) await checkProfileDrift({ userId, platformId });
  return result;
}

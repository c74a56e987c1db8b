// One scheduled pull of one platform (lib/pull-schedules.ts starts it on the connection's Temporal Schedule):
// a pullAvailability activity on the platform's task queue with its connection kind's retry policy — it reads the
// platform, merges, and asks for the pushes that follow — and then the checks its result names: a look at the
// platform's media for drift, and where a read-only API shows the profile (Filmmakers), at the profile. The
// Schedule's SKIP overlap policy keeps a slow pull from running twice at once.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { PlatformActivities } from '../activities/index.js';
import type { PullAvailabilityInput, PullAvailabilityResult, PullFollowUps } from '../activities/availability-pull.js';
import { getPlatform } from '../adapters/catalog.js';
import { activityOptionsByKind } from '../adapters/policies.js';
import { platformTaskQueue } from './plumbing.js';

export type AvailabilityPullInput = PullAvailabilityInput;

export async function availabilityPullWorkflow({ userId, platformId }: AvailabilityPullInput): Promise<PullAvailabilityResult> {
  // The kind only picks the activities' retry policy and timeouts, which do not change the commands a replay checks.
  const { pullAvailability, checkMediaDrift, checkProfileDrift } = proxyActivities<PlatformActivities>({
    ...activityOptionsByKind[getPlatform(platformId).kind],
    taskQueue: platformTaskQueue(platformId),
  });
  const { followUps: named, ...result } = await pullAvailability({ userId, platformId });
  // An activity worker not yet deployed (a rolling deploy) names no checks: then the catalog decides, as before.
  const followUps = (patched('pull-follow-ups-from-result') ? named : undefined) ?? followUpsBeforeResultsNamedThem(platformId);
  // Patched: pulls scheduled before media drift was checked end after the availability pull when replayed.
  if (followUps.mediaDrift && patched('pull-checks-media-drift')) await checkMediaDrift({ userId, platformId });
  // Patched like the media drift check, for pulls scheduled before profile drift was checked.
  if (followUps.profileDrift && patched('pull-checks-profile-drift')) await checkProfileDrift({ userId, platformId });
  return result;
}

/**
 * Pulls that began before the activity's result named the checks decided from the catalog as the code had it then
 * (a frozen copy of that decision, not activities/availability-pull.ts's pullFollowUps, which may change).
 * A pull lasts minutes, so once no such pull runs, this branch and its patch can be deprecated (deprecatePatch).
 */
function followUpsBeforeResultsNamedThem(platformId: string): PullFollowUps {
  const platform = getPlatform(platformId);
  return { mediaDrift: platform.capabilities.media, profileDrift: platform.capabilities.profile && Boolean(platform.browser?.partnerApiPath) };
}

// One scheduled pull of one platform (lib/pull-schedules.ts starts it on the connection's Temporal Schedule):
// a pullAvailability activity on the platform's task queue with its connection kind's retry policy — it reads the
// platform, merges, and asks for the pushes that follow — and then the checks its result names: a look at the
// platform's media for drift, and where a read-only API shows the profile (Filmmakers), at the profile. The
// Schedule's SKIP overlap policy keeps a slow pull from running twice at once. Nothing here reads the catalog:
// the kind comes from the input (or an activity's recorded result), the checks from the pull's recorded result.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { CoreActivities, PlatformActivities } from '../activities/index.js';
import type { PullAvailabilityInput, PullAvailabilityResult, PullFollowUps } from '../activities/availability-pull.js';
import type { ConnectionKind } from '../adapters/catalog-types.js';
import { activityOptionsByKind, localActivityOptions } from '../adapters/policies.js';
import { platformTaskQueue } from './plumbing.js';

export interface AvailabilityPullInput extends PullAvailabilityInput {
  /** The platform's connection kind, which picks the activities' retry policy and timeouts (set by the Schedule). */
  kind?: ConnectionKind;
}

// A regular activity on the workflow's own task queue, not a local one: a patched() call after a local activity's
// marker can replay wrongly (platform-sync-loop.ts SyncLoopFeatures), and this workflow calls patched() later on.
const { syncTargetOf } = proxyActivities<CoreActivities>(localActivityOptions);

export async function availabilityPullWorkflow({ userId, platformId, kind }: AvailabilityPullInput): Promise<PullAvailabilityResult> {
  // The kind only picks the activities' retry policy and timeouts, which do not change the commands a replay checks.
  const { pullAvailability, checkMediaDrift, checkProfileDrift } = proxyActivities<PlatformActivities>({
    ...activityOptionsByKind[kind ?? (await kindOf(platformId))],
    taskQueue: platformTaskQueue(platformId),
  });
  const { followUps: named, ...result } = await pullAvailability({ userId, platformId });
  // An activity worker not yet deployed (a rolling deploy) names no checks: then the frozen copy decides, as before.
  const followUps = (patched('pull-follow-ups-from-result') ? named : undefined) ?? catalogBefore(platformId).followUps;
  // Patched: pulls scheduled before media drift was checked end after the availability pull when replayed.
  if (followUps.mediaDrift && patched('pull-checks-media-drift')) await checkMediaDrift({ userId, platformId });
  // Patched like the media drift check, for pulls scheduled before profile drift was checked.
  if (followUps.profileDrift && patched('pull-checks-profile-drift')) await checkProfileDrift({ userId, platformId });
  return result;
}

/**
 * The kind of a pull whose input does not name it (a Schedule created before inputs carried it; a pull started by
 * hand): an activity's recorded answer. Pulls that began before that activity existed (no patch marker) took the
 * kind from the catalog in workflow code and scheduled no such activity, so they replay with the frozen copy.
 */
async function kindOf(platformId: string): Promise<ConnectionKind> {
  if (patched('pull-kind-from-activity')) return (await syncTargetOf({ platformId })).kind;
  return catalogBefore(platformId).kind;
}

/**
 * What pulls that began before the input and the activity results named it read from the catalog at run time: a
 * frozen copy of the catalog's answer for the platforms castsync pulled from then (etalenta, jobwork, filmmakers,
 * casting-network), not adapters/catalog.ts itself, which a deploy may change under a running pull. A pull lasts
 * minutes, so once no such pull runs, this copy and the patches that lead here can be deprecated (deprecatePatch).
 */
function catalogBefore(platformId: string): { kind: ConnectionKind; followUps: PullFollowUps } {
  const entry = CATALOG_BEFORE[platformId];
  // As the catalog's getPlatform did: the workflow task fails (and is retried) rather than guessing.
  if (!entry) throw new Error(`unknown platform "${platformId}"`);
  return entry;
}

const CATALOG_BEFORE: Record<string, { kind: ConnectionKind; followUps: PullFollowUps }> = {
  etalenta: { kind: 'rest', followUps: { mediaDrift: true, profileDrift: false } },
  jobwork: { kind: 'oauth', followUps: { mediaDrift: false, profileDrift: false } },
  filmmakers: { kind: 'browser', followUps: { mediaDrift: true, profileDrift: true } },
  'casting-network': { kind: 'browser', followUps: { mediaDrift: true, profileDrift: false } },
};

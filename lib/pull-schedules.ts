// One Temporal Schedule per connection that castsync pulls from: it starts availabilityPullWorkflow every
// pullIntervalMinutes. Created or updated from the connection's settings (idempotent: the same call twice, or
// after a new interval, leaves exactly one schedule with the new spec) and deleted on disconnect.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { getPlatform, isPlatformId, WORKFLOW_TASK_QUEUE } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import type { availabilityPullWorkflow } from '../workflows/availability-pull.js';
import { platformsAttribute, userIdAttribute } from '../workflows/search-attributes.js';

export interface PullScheduleTarget {
  userId: string;
  platformId: string;
  intervalMinutes: number;
}

/** The connection settings that decide whether and how often a platform is pulled. */
export interface PullSettings {
  userId: string;
  platformId: string;
  connected: boolean;
  autoSync: boolean;
  syncAvailability: boolean;
  pullIntervalMinutes: number | null;
}

export const pullScheduleId = (userId: string, platformId: string) => `availability-pull-${userId}-${platformId}`;

/** Minutes between pulls, or null when this connection is not pulled (platform cannot be read, or sync is off). */
export function pullIntervalFor(settings: PullSettings): number | null {
  if (!isPlatformId(settings.platformId)) return null;
  const platform = getPlatform(settings.platformId);
  if (!platform.capabilities.pullAvailability || !hasAdapter(platform.kind)) return null;
  if (!settings.connected || !settings.syncAvailability || !settings.autoSync) return null;
  return settings.pullIntervalMinutes ?? platform.pullIntervalMinutes ?? null;
}

/** Makes the connection's schedule match its settings: created, updated, or removed. */
export async function syncPullSchedule(client: Client, settings: PullSettings): Promise<'scheduled' | 'removed'> {
  const intervalMinutes = pullIntervalFor(settings);
  if (intervalMinutes === null) {
    await removePullSchedule(client, settings.userId, settings.platformId);
    return 'removed';
  }
  await ensurePullSchedule(client, { userId: settings.userId, platformId: settings.platformId, intervalMinutes });
  return 'scheduled';
}

export async function ensurePullSchedule(client: Client, target: PullScheduleTarget): Promise<void> {
  const scheduleId = pullScheduleId(target.userId, target.platformId);
  const wanted = scheduleFor(target);
  try {
    await client.schedule.create({ scheduleId, ...wanted });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    // Replace the whole definition (not patch it), so an update leaves exactly what a fresh create would.
    await client.schedule.getHandle(scheduleId).update(() => wanted);
  }
}

/** Deleting a schedule that is not there is fine: the wish (no pulls) holds. */
export async function removePullSchedule(client: Client, userId: string, platformId: string): Promise<void> {
  try {
    await client.schedule.getHandle(pullScheduleId(userId, platformId)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

type PullScheduleDefinition = ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<typeof availabilityPullWorkflow>>;

function scheduleFor({ userId, platformId, intervalMinutes }: PullScheduleTarget): PullScheduleDefinition {
  const searchAttributes = [
    { key: userIdAttribute, value: userId },
    { key: platformsAttribute, value: [platformId] },
  ];
  return {
    spec: { intervals: [{ every: `${intervalMinutes} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'availabilityPullWorkflow',
      workflowId: `availability-pull-${userId}-${platformId}`,
      taskQueue: WORKFLOW_TASK_QUEUE,
      // Ids only: credentials are read inside the activity, never carried in workflow input.
      args: [{ userId, platformId }],
      typedSearchAttributes: searchAttributes,
    },
    // A slow pull never runs twice at once; a missed one is not made up later, the next one reads everything.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    typedSearchAttributes: searchAttributes,
    state: { paused: false },
  };
}

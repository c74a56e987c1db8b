// One Temporal Schedule per connection castsync pushes to: every reconcileIntervalHours (catalog, default daily)
// it starts reconcileWorkflow, a full comparison of the platform's state against ours, as a manual sync does, so
// drift (a change made on the platform behind our back) and lost work are found without the user. Kept in step
// with the connection through the outbox (topic pull_schedule: the connection's schedules) like the pull
// schedule: created or updated while the connection is connected with auto-sync on, deleted otherwise.
import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { DEFAULT_RECONCILE_INTERVAL_HOURS, getPlatform, isPlatformId, WORKFLOW_TASK_QUEUE } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import type { reconcileWorkflow } from '../workflows/reconcile.js';
import { platformsAttribute, userIdAttribute } from '../workflows/search-attributes.js';

export interface ReconcileSettings {
  userId: string;
  platformId: string;
  connected: boolean;
  autoSync: boolean;
}

export const reconcileScheduleId = (userId: string, platformId: string) => `reconcile-${userId}-${platformId}`;

/** Hours between full comparisons, or null when this connection is not reconciled (not connected, auto-sync off). */
export function reconcileIntervalFor(settings: ReconcileSettings): number | null {
  if (!isPlatformId(settings.platformId)) return null;
  const platform = getPlatform(settings.platformId);
  if (!hasAdapter(platform.kind) || !settings.connected || !settings.autoSync) return null;
  const { pushAvailability, media, profile } = platform.capabilities;
  if (!pushAvailability && !media && !profile) return null;
  return platform.reconcileIntervalHours ?? DEFAULT_RECONCILE_INTERVAL_HOURS;
}

/** Makes the connection's reconcile schedule match its settings: created, updated, or removed. */
export async function syncReconcileSchedule(client: Client, settings: ReconcileSettings): Promise<'scheduled' | 'removed'> {
  const hours = reconcileIntervalFor(settings);
  const scheduleId = reconcileScheduleId(settings.userId, settings.platformId);
  if (hours === null) {
    try {
      await client.schedule.getHandle(scheduleId).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
    return 'removed';
  }
  const wanted = scheduleFor(settings.userId, settings.platformId, hours);
  try {
    await client.schedule.create({ scheduleId, ...wanted });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update(() => wanted);
  }
  return 'scheduled';
}

type ReconcileScheduleDefinition = ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<typeof reconcileWorkflow>>;

function scheduleFor(userId: string, platformId: string, hours: number): ReconcileScheduleDefinition {
  const searchAttributes = [
    { key: userIdAttribute, value: userId },
    { key: platformsAttribute, value: [platformId] },
  ];
  return {
    // Each connection at its own minute of the interval, so a platform is not compared for every user at once.
    spec: { intervals: [{ every: `${hours} hours`, offset: `${spreadMinutes(`${userId}/${platformId}`, hours * 60)} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reconcileWorkflow',
      workflowId: reconcileScheduleId(userId, platformId),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [{ userId, platformId }],
      typedSearchAttributes: searchAttributes,
    },
    // A missed comparison is not made up: the next one compares everything anyway.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    typedSearchAttributes: searchAttributes,
    state: { paused: false },
  };
}

/** A stable minute in [0, range) for this key. */
function spreadMinutes(key: string, range: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % range;
}

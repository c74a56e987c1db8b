// One Temporal Schedule per connection that castsync pulls from: it starts availabilityPullWorkflow every
// pullIntervalMinutes. Created or updated from the connection's settings (idempotent: the same call twice, or
// after a new interval, leaves exactly one schedule with the new spec) and deleted on disconnect.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { getPlatform, isPlatformId } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import { availabilityPullWorkflow } from '../workflows/availability-pull.js';
import { pullScheduleId } from '../workflows/plumbing.js';
import { connectionSchedule, putSchedule, removeSchedule } from './connection-schedule.js';

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
  const { userId, platformId, intervalMinutes } = target;
  const wanted = connectionSchedule(target, {
    workflow: availabilityPullWorkflow,
    workflowId: pullScheduleId(userId, platformId),
    everySeconds: intervalMinutes * 60,
    // Decided here, where the catalog is read, so the workflow decides from its input (workflows/availability-pull.ts).
    kind: getPlatform(platformId).kind,
  });
  await putSchedule(client, pullScheduleId(userId, platformId), wanted);
}

export async function removePullSchedule(client: Client, userId: string, platformId: string): Promise<void> {
  await removeSchedule(client, pullScheduleId(userId, platformId));
}

/**
 * Runs the connection's scheduled pull now, as its schedule would (a platform's webhook said something changed).
 * BUFFER_ONE: a pull already running is followed by one more, which reads what changed after it began, and any
 * number of triggers meanwhile make only that one (grouped webhooks cost one pull). False: no schedule.
 */
export async function triggerPull(client: Client, userId: string, platformId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(pullScheduleId(userId, platformId)).trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

// One Temporal Schedule per connection castsync pushes to: every reconcileIntervalHours (catalog, default daily)
// it starts reconcileWorkflow, a full comparison of the platform's state against ours, as a manual sync does, so
// drift (a change made on the platform behind our back) and lost work are found without the user. Kept in step
// with the connection through the outbox (topic pull_schedule: the connection's schedules) like the pull
// schedule: created or updated while the connection is connected with auto-sync on, deleted otherwise.
import type { Client } from '@temporalio/client';
import { DEFAULT_RECONCILE_INTERVAL_HOURS, getPlatform, isPlatformId } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import { reconcileScheduleId } from '../workflows/plumbing.js';
import { reconcileWorkflow } from '../workflows/reconcile.js';
import { connectionSchedule, putSchedule, removeSchedule } from './connection-schedule.js';

export interface ReconcileSettings {
  userId: string;
  platformId: string;
  connected: boolean;
  autoSync: boolean;
}

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
  const { userId, platformId } = settings;
  const scheduleId = reconcileScheduleId(userId, platformId);
  if (hours === null) {
    await removeSchedule(client, scheduleId);
    return 'removed';
  }
  const wanted = connectionSchedule(settings, {
    workflow: reconcileWorkflow,
    workflowId: scheduleId,
    everySeconds: hours * 3600,
  });
  await putSchedule(client, scheduleId, wanted);
  return 'scheduled';
}

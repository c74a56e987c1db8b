// The names that tie castsync to Temporal, in one place that both sides import: the workflows, and the code that
// starts, signals and queries them (lib/, api/, worker.ts, the relay). Task queues, workflow and schedule ids,
// signal and query names. Running workflows, their histories and the Schedules already created hold these
// strings, so they never change: a renamed signal is one a running workflow no longer hears, a new id format
// starts a second workflow next to the running one. Pure and deterministic: this file is workflow code.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncRequest, SyncView } from './sync-signals.js';

// Task queues.

/** The workflow worker's queue: every workflow, and the database-only activities next to it. */
export const WORKFLOW_TASK_QUEUE = 'castsync-workflows';

/** Each platform's activities run on a task queue of their own, so one platform's limits never slow another. */
export function platformTaskQueue(platformId: string): string {
  return `platform-${platformId}`;
}

/** The platform whose task queue this is, else undefined. */
export function platformOfTaskQueue(taskQueue: string): string | undefined {
  return taskQueue.startsWith('platform-') ? taskQueue.slice('platform-'.length) : undefined;
}

/**
 * The user's destination calendars (CalDAV): castsync's entries written there by one shared activity worker
 * (activities/calendar-destination-push.ts); a calendar server of the user's own needs no platform's limits.
 */
export const CALENDAR_DESTINATION_TASK_QUEUE = 'calendar-destinations';

/**
 * A calendar source where the sync, the logs and the conflicts name a platform: "calendar:<sourceId>" (the
 * source of the entries it brings in, the target a destination calendar is pushed as).
 */
export const calendarTargetId = (sourceId: string) => `calendar:${sourceId}`;

/** The calendar source's id of a "calendar:<sourceId>" target, else undefined. */
export const calendarSourceIdOf = (platformId: string): string | undefined =>
  platformId.startsWith('calendar:') ? platformId.slice('calendar:'.length) : undefined;

// Workflow ids. Those of the per-user sync workflows derive from the user and the kind of data, so every change of
// one user's availability (or media, or profile) meets the same running workflow (signalWithStart) and changes
// coalesce there.

export type SyncedData = 'availability' | 'media' | 'profile';

export const syncWorkflowId = (data: SyncedData, userId: string) => `${data}-sync-${userId}`;
export const availabilitySyncWorkflowId = (userId: string) => syncWorkflowId('availability', userId);

/** One run per connect-time credential check (workflows/connection-check.ts); the id is the check row's. */
export const connectionCheckWorkflowId = (checkId: string) => `connection-check-${checkId}`;

/** One timer per option with an expiry (workflows/option-expiry.ts). */
export const optionExpiryWorkflowId = (availabilityId: string) => `option-expiry-${availabilityId}`;

// Schedules. Each one's id is also the workflow id of the runs it starts (Temporal appends the start time).

/** A connection's scheduled pull (lib/pull-schedules.ts, workflows/availability-pull.ts). */
export const pullScheduleId = (userId: string, platformId: string) => `availability-pull-${userId}-${platformId}`;

/** A connection's periodic full comparison (lib/reconcile-schedules.ts, workflows/reconcile.ts). */
export const reconcileScheduleId = (userId: string, platformId: string) => `reconcile-${userId}-${platformId}`;

/** A calendar source's scheduled read (lib/calendar-schedules.ts, workflows/calendar-refresh.ts). */
export const calendarScheduleId = (sourceId: string) => `calendar-refresh-${sourceId}`;

// Signals and queries. Availability's names predate media and profile sync and stay as they are.

function syncSignalsFor(requested: string, state: string) {
  return { requested: defineSignal<[SyncRequest]>(requested), state: defineQuery<SyncView>(state) };
}

/** Each sync workflow's request signal (a change, or a manual sync) and its state query. */
export const syncSignals = {
  availability: syncSignalsFor('availabilitySyncRequested', 'availabilitySyncState'),
  media: syncSignalsFor('mediaSyncRequested', 'mediaSyncState'),
  profile: syncSignalsFor('profileSyncRequested', 'profileSyncState'),
} satisfies Record<SyncedData, ReturnType<typeof syncSignalsFor>>;

/**
 * A user's connections changed in a way that changes which platforms a round pushes to (connected, disconnected,
 * sync settings, needs_reauth and back): the run lists them again at its next round. One name for every sync
 * workflow type; the outbox relay sends it to the user's running sync workflows (topic sync_targets).
 */
export const syncTargetsChangedSignal = defineSignal('syncTargetsChanged');

/** An option's expiry changed: the new ISO date-time replaces the timer's deadline. */
export const expiryChangedSignal = defineSignal<[string]>('optionExpiryChanged');

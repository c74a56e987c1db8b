// The activities, built around their dependencies (database, configuration, a Temporal client) as in Temporal's
// samples. New activities join one of the groups below.
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { createAvailabilityPullActivities } from './availability-pull.js';
import { createAvailabilityPushActivities } from './availability-push.js';
import { createCalendarDestinationActivities } from './calendar-destination-push.js';
import { createCalendarRefreshActivities } from './calendar-refresh.js';
import { createConnectionCheckActivities } from './connection-check.js';
import { createMediaDriftActivities } from './media-drift.js';
import { createProfileDriftActivities } from './profile-drift.js';
import { createMediaPushPlanActivities } from './media-push-plan.js';
import { createMediaPushActivities } from './media-push.js';
import { createOptionExpiryActivities } from './option-expiry.js';
import { createProfilePushActivities } from './profile-push.js';
import { createReconcileActivities } from './reconcile.js';
import { createSyncTargetActivities } from './sync-targets.js';

export interface ActivityDeps {
  db: Db;
  config: Config;
  /** For activities that start or signal workflows. */
  temporal: Client;
}

/** Database-only activities, run as local activities (or on the workflow task queue) by the workflow worker. */
export const createCoreActivities = (deps: ActivityDeps) => ({
  ...createSyncTargetActivities(deps.db, deps.config.enabledPlatforms),
  ...createMediaPushPlanActivities(deps.db, deps.config),
  ...createOptionExpiryActivities(deps),
  ...createReconcileActivities(deps),
  // Reads a calendar feed (network): a regular activity on the workflow task queue, never a local one.
  ...createCalendarRefreshActivities(deps),
});

/** Activities that talk to a platform, run on the platform's own task queue. */
export const createPlatformActivities = (deps: ActivityDeps) => ({
  ...createAvailabilityPushActivities(deps.db, deps.config),
  ...createAvailabilityPullActivities(deps),
  ...createMediaPushActivities(deps.db, deps.config),
  ...createMediaDriftActivities(deps.db, deps.config),
  ...createProfileDriftActivities(deps.db, deps.config),
  ...createProfilePushActivities(deps.db, deps.config),
  ...createConnectionCheckActivities(deps.db, deps.config),
});

/**
 * The user's destination calendars (CalDAV), on their shared task queue: the same pushAvailability the availability
 * workflow calls for a platform, written for a calendar.
 */
export const createCalendarDestinationWorkerActivities = (deps: ActivityDeps) => createCalendarDestinationActivities(deps.db, deps.config);

export type CoreActivities = ReturnType<typeof createCoreActivities>;
export type PlatformActivities = ReturnType<typeof createPlatformActivities>;

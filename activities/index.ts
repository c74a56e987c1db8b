// The activities, built around their dependencies (database, configuration, a Temporal client) as in Temporal's
// samples. New activities join one of the two groups below.
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { createAvailabilityPullActivities } from './availability-pull.js';
import { createAvailabilityPushActivities } from './availability-push.js';
import { createOptionExpiryActivities } from './option-expiry.js';
import { createSyncTargetActivities } from './sync-targets.js';

export interface ActivityDeps {
  db: Db;
  config: Config;
  /** For activities that start or signal workflows. */
  temporal: Client;
}

/** Database-only activities, run as local activities (or on the workflow task queue) by the workflow worker. */
export const createCoreActivities = (deps: ActivityDeps) => ({
  ...createSyncTargetActivities(deps.db),
  ...createOptionExpiryActivities(deps),
});

/** Activities that talk to a platform, run on the platform's own task queue. */
export const createPlatformActivities = (deps: ActivityDeps) => ({
  ...createAvailabilityPushActivities(deps.db, deps.config),
  ...createAvailabilityPullActivities(deps),
});

export type CoreActivities = ReturnType<typeof createCoreActivities>;
export type PlatformActivities = ReturnType<typeof createPlatformActivities>;

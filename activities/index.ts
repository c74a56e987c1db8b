// The activities, built around their dependencies (database, configuration) as in Temporal's samples.
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { createAvailabilityPushActivities } from './availability-push.js';
import { createSyncTargetActivities } from './sync-targets.js';

/** Database-only activities, run as local activities by the workflow worker. */
export const createCoreActivities = (db: Db) => createSyncTargetActivities(db);

/** Activities that talk to a platform, run on the platform's own task queue. */
export const createPlatformActivities = (db: Db, config: Config) => createAvailabilityPushActivities(db, config);

export type CoreActivities = ReturnType<typeof createCoreActivities>;
export type PlatformActivities = ReturnType<typeof createPlatformActivities>;

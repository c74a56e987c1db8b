// The pull side of the profile, where a platform has a cheap read of it (Filmmakers' partner API with a token, no
// browser): compares what the platform shows with what castsync would send now, and when a field drifted (changed
// on the platform behind castsync's back), pushes the profile back through the outbox as a manual push (which
// compares with the platform itself). castsync's profile is the source of truth for the fields it sends; a
// platform castsync never sent the profile to has not drifted and is not asked.
import { getPlatform } from '../adapters/catalog.js';
import { profileDrift } from '../adapters/browser/partner-api.js';
import { mapProfileFor } from '../adapters/profile-mapping.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { addToOutbox, syncMessages } from '../lib/outbox.js';
import type { ProfileFields, ProfileVisibility } from '../lib/profile.js';
import { failedAttempt, loadConnectedAdapter } from './platform-connection.js';
import { closeSyncLog, openSyncLog } from './sync-log.js';

export interface ProfileDriftResult {
  checked: boolean;
  /** The platform's field names that differed (the push back was requested when any did). */
  drifted: string[];
}

export function createProfileDriftActivities(db: Db, config: Config) {
  return {
    async checkProfileDrift({ userId, platformId }: { userId: string; platformId: string }): Promise<ProfileDriftResult> {
      const platform = getPlatform(platformId);
      const unchecked = { checked: false, drifted: [] };
      const connection = await db.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId } } });
      if (!platform.capabilities.profile || !connection?.connected) return unchecked;
      const [state, profile] = await Promise.all([
        db.platformProfileState.findUnique({ where: { userId_platformId: { userId, platformId } } }),
        db.profile.findUnique({ where: { userId } }),
      ]);
      if (state?.syncedVersion == null || !profile) return unchecked;
      const { adapter } = await loadConnectedAdapter(db, config, { userId, platformId });
      if (!adapter.readProfileForDrift) return unchecked;
      // A connection without the cheap read (no token) is no attempt: nothing is logged.
      const seen = await adapter.readProfileForDrift().catch(async (error: unknown) => {
        throw await failedAttempt(db, await openSyncLog(db, userId, platformId, 'update_profile'), { userId, platformId }, error);
      });
      if (!seen) return unchecked;
      const log = await openSyncLog(db, userId, platformId, 'update_profile');
      const sent = mapProfileFor(platform, { fields: profile.fields as ProfileFields, visibility: profile.visibility as ProfileVisibility }).values;
      const drifted = profileDrift(sent, seen);
      if (drifted.length) await addToOutbox(db, userId, syncMessages(['profile'], { manual: true, platformIds: [platformId] }));
      await closeSyncLog(db, log, { status: 'success', itemsProcessed: drifted.length });
      return { checked: true, drifted };
    },
  };
}

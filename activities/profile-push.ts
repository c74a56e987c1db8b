// Pushes the user's profile to one platform, in the platform's shape (adapters/profile-mapping.ts maps our fields
// to its units and vocabularies). State-based: it reads the profile now and sends it whole, so a retried or late
// push never sends something older. Values the platform cannot represent are not dropped silently: the attempt
// is `partial` and its sync-log row and PlatformProfileState say which and why.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { getPlatform } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { mapProfileFor } from '../adapters/profile-mapping.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import type { ProfileFields, ProfileVisibility } from '../lib/profile.js';
import type { PushInput, PushOutcome } from '../workflows/platform-sync-loop.js';
import { connectionAnswered, loadConnectedAdapter } from './platform-connection.js';
import { beginAttempt } from './attempt.js';
import { closeSyncLog } from './sync-log.js';

export interface ProfilePushResult extends PushOutcome {
  status: 'success' | 'partial';
  rejected: { id: string; reason: string }[];
}

export function createProfilePushActivities(db: Db, config: Config) {
  return {
    async pushProfile({ userId, platformId, force = false, requestIds = [] }: PushInput): Promise<ProfilePushResult> {
      const attempt = await beginAttempt(db, config, { userId, platformId, lease: 'profile', operation: 'update_profile', requestIds }, () =>
        Promise.all([db.profile.findUnique({ where: { userId } }), db.platformProfileState.findUnique({ where: { userId_platformId: { userId, platformId } } })]),
      );
      const { log } = attempt;
      const [profile, state] = attempt.read;
      const context = Context.current();
      try {
        const platform = getPlatform(platformId);
        if (!profile || (!force && state?.syncedVersion === profile.version)) {
          await closeSyncLog(db, log, { status: 'success', itemsProcessed: 0 });
          return { status: 'success', itemsProcessed: 0, rejected: [] };
        }
        const { adapter } = await loadConnectedAdapter(db, config, { userId, platformId, onProgress: (detail) => context.heartbeat(detail) });
        if (!adapter.updateProfile) throw ApplicationFailure.create({ type: ErrorType.validation, message: `${platform.name} takes no profile`, nonRetryable: true });
        const mapped = mapProfileFor(platform, { fields: profile.fields as ProfileFields, visibility: profile.visibility as ProfileVisibility });
        await adapter.updateProfile(mapped.values);
        attempt.throwIfCancelled();
        const syncedAt = new Date();
        const saved = { syncedVersion: profile.version, syncedAt, unrepresentable: mapped.unrepresentable, lastError: null };
        await db.$transaction(async (tx) => {
          await tx.platformProfileState.upsert({ where: { userId_platformId: { userId, platformId } }, create: { userId, platformId, ...saved }, update: saved });
          await connectionAnswered(tx, { userId, platformId, syncedAt, answered: 'profile' });
        });
        const rejected = mapped.unrepresentable.map((u) => ({ id: u.field, reason: u.reason }));
        const status = rejected.length ? 'partial' : 'success';
        await closeSyncLog(db, log, {
          status,
          itemsProcessed: 1,
          errorMessage: rejected.length ? `${platform.name} cannot show ${rejected.length} of the profile's values: ${rejected.map((r) => r.reason).join('; ')}` : null,
          errorType: rejected.length ? 'unrepresentable' : null,
        });
        return { status, itemsProcessed: 1, rejected };
      } catch (error) {
        const failure = await attempt.failed(error);
        if (failure instanceof CancelledFailure) throw failure; // stopped by Temporal: nothing to say about the profile
        await db.platformProfileState.upsert({
          where: { userId_platformId: { userId, platformId } },
          create: { userId, platformId, lastError: failure.message },
          update: { lastError: failure.message },
        });
        throw failure;
      } finally {
        await attempt.end();
      }
    },
  };
}

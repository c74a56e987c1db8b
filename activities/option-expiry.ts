// Releases an option whose expiry has come (run by workflows/option-expiry.ts on the workflow worker).
import type { ActivityDeps } from './index.js';
import { lockUserCalendar, releaseOption } from '../lib/options.js';
import { requestAvailabilitySync } from '../lib/sync-requests.js';
import type { OptionExpiryInput } from '../workflows/option-expiry.js';

export function createOptionExpiryActivities({ db, config, temporal }: ActivityDeps) {
  return {
    /**
     * Releases the option only if it is still a live option with this very expiry (not confirmed, deleted or given
     * another expiry meanwhile). A retry after the release committed finds it released for this expiry and only
     * asks for the push again, so a lost sync request is never the end of it.
     */
    async releaseExpiredOption({ userId, availabilityId, expiresAt }: OptionExpiryInput): Promise<{ released: boolean; promoted: string[] }> {
      const outcome = await db.$transaction(async (tx) => {
        await lockUserCalendar(tx, userId);
        const entry = await tx.availability.findFirst({ where: { id: availabilityId, userId, optionExpiresAt: new Date(expiresAt) } });
        if (!entry) return null;
        if (entry.deletedAt === null && entry.status === 'tentative') return releaseOption(tx, entry.id, 'option_expired');
        if (entry.deletedAt !== null && entry.releasedReason === 'option_expired') return { released: [entry.id], promoted: [] };
        return null;
      });
      if (!outcome) return { released: false, promoted: [] };
      await requestAvailabilitySync(temporal, userId, config.syncCoalesceMs, {});
      return { released: true, promoted: outcome.promoted };
    },
  };
}

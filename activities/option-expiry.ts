// Releases an option whose expiry has come (run by workflows/option-expiry.ts on the workflow worker).
import type { ActivityDeps } from './index.js';
import { lockUserCalendar, releaseOption } from '../lib/options.js';
import { addToOutbox } from '../lib/outbox.js';
import type { OptionExpiryInput } from '../workflows/option-expiry.js';

export function createOptionExpiryActivities({ db }: ActivityDeps) {
  return {
    /**
     * Releases the option only if it is still a live option with this very expiry (not confirmed, deleted or given
     * another expiry meanwhile). The push is asked for in the same transaction (the outbox), so it cannot be lost.
     */
    async releaseExpiredOption({ userId, availabilityId, expiresAt }: OptionExpiryInput): Promise<{ released: boolean; promoted: string[] }> {
      const outcome = await db.$transaction(async (tx) => {
        await lockUserCalendar(tx, userId);
        const entry = await tx.availability.findFirst({ where: { id: availabilityId, userId, optionExpiresAt: new Date(expiresAt) } });
        if (!entry) return null;
        if (entry.deletedAt === null && entry.status === 'tentative') {
          const released = await releaseOption(tx, entry.id, 'option_expired');
          await addToOutbox(tx, userId, [{ topic: 'sync', data: 'availability' }]);
          return released;
        }
        if (entry.deletedAt !== null && entry.releasedReason === 'option_expired') return { released: [entry.id], promoted: [] };
        return null;
      });
      if (!outcome) return { released: false, promoted: [] };
      return { released: true, promoted: outcome.promoted };
    },
  };
}

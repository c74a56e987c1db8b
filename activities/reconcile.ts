// The periodic reconcile's one step (workflows/reconcile.ts): asks for a full comparison of a connection, in one
// transaction with the check that the connection still wants it.
import { fullComparisonMessages } from '../lib/full-comparison.js';
import { addToOutbox } from '../lib/outbox.js';
import type { ReconcileInput } from '../workflows/reconcile.js';
import type { ActivityDeps } from './index.js';

export function createReconcileActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /**
     * Writes the full comparison's sync messages, unless the connection is gone, has auto-sync off, or needs
     * re-authorization (the user reconnects; reconnecting compares in full anyway).
     */
    async requestFullComparison({ userId, platformId }: ReconcileInput): Promise<{ requested: string[]; skipped: string | null }> {
      return db.$transaction(async (tx) => {
        const connection = await tx.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId } } });
        if (!connection?.connected) return { requested: [], skipped: 'not connected' };
        if (!connection.autoSync) return { requested: [], skipped: 'auto-sync is off' };
        if (connection.status === 'needs_reauth') return { requested: [], skipped: 'needs re-authorization' };
        const messages = await fullComparisonMessages(tx, userId, platformId);
        await addToOutbox(tx, userId, messages);
        return { requested: messages.flatMap((m) => (m.topic === 'sync' ? [m.data] : [])), skipped: null };
      });
    },
  };
}

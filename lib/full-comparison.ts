// A full comparison of one connection: a manual-style sync of every kind of data the platform takes, so each push
// compares with what the platform really holds (force) rather than trusting what it confirmed before. Sent when a
// connection is back after trouble (reconnected, or answering again: activities/platform-connection.ts) and by
// the periodic reconcile (workflows/reconcile.ts), always through the outbox, in the transaction that decided it.
import type { SyncedData } from '../workflows/plumbing.js';
import { getPlatform, isPlatformId } from '../adapters/catalog.js';
import type { Tx } from './options.js';
import { syncMessages, type OutboxMessageInput } from './outbox.js';

/**
 * The sync messages of a full comparison of this platform. Media counts deleted items too (a deletion made while
 * the platform could not be reached must still reach it); a user without media or profile sends none.
 */
export async function fullComparisonMessages(tx: Pick<Tx, 'media' | 'profile'>, userId: string, platformId: string): Promise<OutboxMessageInput[]> {
  if (!isPlatformId(platformId)) return [];
  const { capabilities } = getPlatform(platformId);
  const [media, profile] = await Promise.all([
    capabilities.media ? tx.media.count({ where: { userId } }) : 0,
    capabilities.profile ? tx.profile.count({ where: { userId } }) : 0,
  ]);
  const due: [SyncedData, boolean][] = [
    ['availability', capabilities.pushAvailability],
    ['media', media > 0],
    ['profile', profile > 0],
  ];
  return syncMessages(due.filter(([, yes]) => yes).map(([data]) => data), { manual: true, platformIds: [platformId] });
}

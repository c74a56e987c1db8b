// The transactional outbox: whatever must reach Temporal because of a change is written as an OutboxMessage row
// in the same transaction as the change, so a committed change always carries its wish to sync, even when
// Temporal is away. The relay (lib/outbox-relay.ts) delivers the rows. Messages carry ids only: the relay reads
// the current state when it delivers, so a late or repeated delivery is never stale.
import type { OutboxMessage, Prisma } from '../generated/prisma/client.js';
import type { SyncedData } from '../workflows/plumbing.js';
import type { Db } from './db.js';
import { currentRequestId } from './request-context.js';

export type OutboxMessageInput =
  /** Ask the user's sync workflow for this data to push: to every platform the change concerns, or (manual) to these. */
  | { topic: 'sync'; data: SyncedData; platformIds?: string[]; manual?: boolean }
  /** The platforms the user's sync workflows push to changed (a connection or its sync settings): they list them again. */
  | { topic: 'sync_targets' }
  /** Make the option's expiry timer match the entry as it is when delivered. */
  | { topic: 'option_timer'; availabilityId: string }
  /** Make the connection's schedules (pull, reconcile) match its settings as they are when delivered. */
  | { topic: 'pull_schedule'; platformId: string }
  /** Run the connection's pull (with its drift checks) now: a platform told us something changed there (webhooks). */
  | { topic: 'drift_check'; platformId: string }
  /** Make the calendar source's refresh schedule match the source as it is when delivered (removed when it is gone). */
  | { topic: 'calendar_schedule'; sourceId: string }
  /** Refresh the calendar source now, as its schedule would. */
  | { topic: 'calendar_refresh'; sourceId: string };

export type OutboxWriter = Pick<Db, 'outboxMessage'> | Pick<Prisma.TransactionClient, 'outboxMessage'>;

/** What a relay needs of a row to deliver it. */
export type OutboxRow = Pick<OutboxMessage, 'id' | 'userId' | 'topic' | 'data' | 'subjectId' | 'platformIds' | 'manual' | 'requestId' | 'attempts'>;

const rowFields = { id: true, userId: true, topic: true, data: true, subjectId: true, platformIds: true, manual: true, requestId: true, attempts: true } as const;

/** Rows claimed by the writer's own relay at insert, so only it delivers them until the lease runs out. */
export interface OutboxClaim {
  claimedUntil: Date;
}

/** Writes the messages (inside the caller's transaction) and returns the rows, for the relay's hand-off. */
export async function addToOutbox(tx: OutboxWriter, userId: string, messages: OutboxMessageInput[], claim?: OutboxClaim): Promise<OutboxRow[]> {
  if (messages.length === 0) return [];
  return outboxInsert(tx, userId, messages, claim);
}

/** The insert of the messages' rows, not yet sent: awaited by itself, or one statement of a batch transaction. */
export function outboxInsert(db: OutboxWriter, userId: string, messages: OutboxMessageInput[], claim?: OutboxClaim) {
  const requestId = currentRequestId() ?? null;
  return db.outboxMessage.createManyAndReturn({
    data: messages.map((message) => ({ userId, requestId, claimedUntil: claim?.claimedUntil ?? null, ...columnsOf(message) })),
    select: rowFields,
  });
}

function columnsOf(message: OutboxMessageInput) {
  switch (message.topic) {
    case 'sync':
      return { topic: message.topic, data: message.data, platformIds: message.platformIds ?? [], manual: message.manual ?? false };
    case 'sync_targets':
      return { topic: message.topic };
    case 'option_timer':
      return { topic: message.topic, subjectId: message.availabilityId };
    case 'pull_schedule':
    case 'drift_check':
      return { topic: message.topic, subjectId: message.platformId };
    case 'calendar_schedule':
    case 'calendar_refresh':
      return { topic: message.topic, subjectId: message.sourceId };
  }
}

/** A sync message for each kind of data. */
export const syncMessages = (data: SyncedData[], request: { platformIds?: string[]; manual?: boolean } = {}): OutboxMessageInput[] =>
  data.map((d) => ({ topic: 'sync', data: d, ...request }));

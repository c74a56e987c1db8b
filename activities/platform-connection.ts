// Loading one connection's adapter inside an activity (push, pull), and recording what a failed attempt says
// about the connection.
import { ApplicationFailure } from '@temporalio/common';
import { adapterFor } from '../adapters/adapter-context.js';
import type { SyncedData } from '../workflows/plumbing.js';
import { getPlatform, type ConnectionKind } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import type { PlatformAdapter } from '../adapters/types.js';
import type { PlatformConnection } from '../generated/prisma/client.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { fullComparisonMessages } from '../lib/full-comparison.js';
import type { Tx } from '../lib/options.js';
import { addToOutbox, type OutboxMessageInput } from '../lib/outbox.js';
import { connectionQuotas } from '../lib/request-quotas.js';
import { connectionCredentialStore, openCredentials } from './credential-store.js';
import { PlatformError } from '../adapters/errors.js';
import { isAuthFailure, toApplicationFailure } from './failures.js';
import { closeSyncLog, type OpenLog } from './sync-log.js';

export interface ConnectedAdapter {
  connection: PlatformConnection;
  adapter: PlatformAdapter;
}

/** The connection and its adapter with decrypted credentials; a non-retryable failure when it is not connected. */
export async function loadConnectedAdapter(
  db: Db,
  config: Config,
  { userId, platformId, onProgress }: { userId: string; platformId: string; onProgress?: (detail: string) => void },
): Promise<ConnectedAdapter> {
  const platform = getPlatform(platformId);
  const connection = await db.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId } } });
  if (!connection?.connected) {
    throw ApplicationFailure.create({ type: ErrorType.notConnected, message: `${platform.name} is not connected`, nonRetryable: true });
  }
  const adapter = adapterFor(config, {
    platformId,
    credentials: openCredentials(config, userId, platformId, connection),
    credentialStore: connectionCredentialStore(db, config, userId, platformId),
    accountRef: connection.accountRef,
    userName: await userNameFor(db, platform.kind, userId),
    onProgress,
    quotas: connectionQuotas(db, config, platform, connection.id, onProgress),
  });
  return { connection, adapter };
}

/**
 * Only the e-mail adapter signs with the user's name; the others skip the query (Prisma reads an included relation
 * with a query of its own, and each round trip costs about 2 ms of the worker's time).
 */
async function userNameFor(db: Db, kind: ConnectionKind, userId: string): Promise<string | undefined> {
  if (kind !== 'email') return undefined;
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { name: true } });
  return user.name;
}

/** An auth failure means the user must connect again; any other failure (but a quota wait) marks the connection as failing. */
export async function recordConnectionTrouble(db: Db, userId: string, platformId: string, failure: ApplicationFailure) {
  // Not the platform's trouble: castsync is pacing itself (the status route's quota says until when).
  if (failure.type === ErrorType.notConnected || failure.type === ErrorType.quotaWait) return;
  const status = isAuthFailure(failure) ? 'needs_reauth' : 'failing';
  await db.$transaction(async (tx) => {
    const { count } = await tx.platformConnection.updateMany({ where: { userId, platformId, NOT: { status } }, data: { status, statusMessage: failure.message } });
    // Rounds leave a needs_reauth connection out: the user's other sync workflows must list their platforms again.
    if (count > 0 && status === 'needs_reauth') await addToOutbox(tx, userId, [{ topic: 'sync_targets' }]);
    if (count === 0) await tx.platformConnection.updateMany({ where: { userId, platformId }, data: { statusMessage: failure.message } });
  });
}

/**
 * The platform answered a push (or a pull): the connection is `ok`. When it was not, changes may have passed it by
 * meanwhile, so the same transaction asks for a full comparison of everything the platform takes
 * (lib/full-comparison.ts): after `needs_reauth` every kind of data (rounds left the connection out, even for the
 * kind this push carried, for changes made while it ran); after `failing` the other kinds (rounds kept it due for
 * this one; a push of another kind may have failed too). The conditional updates lock the row: of two pushes
 * answering at once, one sees the trouble and sends it.
 */
export async function connectionAnswered(
  tx: Tx,
  { userId, platformId, syncedAt, answered, troubled = ['needs_reauth', 'failing'] }: {
    userId: string;
    platformId: string;
    syncedAt?: Date;
    /** The kind of data this push just compared with the platform. */
    answered?: SyncedData;
    troubled?: ('needs_reauth' | 'failing')[];
  },
): Promise<{ recovered: 'needs_reauth' | 'failing' | null }> {
  // The common case first, in one statement: the connection was fine and stays so.
  if (syncedAt) {
    const { count } = await tx.platformConnection.updateMany({ where: { userId, platformId, status: 'ok' }, data: { lastSyncedAt: syncedAt } });
    if (count > 0) return { recovered: null };
  }
  let recovered: 'needs_reauth' | 'failing' | null = null;
  for (const status of troubled) {
    const { count } = await tx.platformConnection.updateMany({
      where: { userId, platformId, status },
      data: { status: 'ok', statusMessage: null, ...(syncedAt ? { lastSyncedAt: syncedAt } : {}) },
    });
    if (count > 0) {
      recovered = status;
      break;
    }
  }
  if (!recovered) {
    if (syncedAt) await tx.platformConnection.updateMany({ where: { userId, platformId }, data: { lastSyncedAt: syncedAt } });
    return { recovered };
  }
  const messages = await fullComparisonMessages(tx, userId, platformId);
  const due: OutboxMessageInput[] = recovered === 'failing' ? messages.filter((m) => !(m.topic === 'sync' && m.data === answered)) : [...messages, { topic: 'sync_targets' }];
  await addToOutbox(tx, userId, due);
  return { recovered };
}

/** Closes a failed attempt's sync-log row (with its artifact), notes the trouble on the connection, and gives the failure to throw. */
export async function failedAttempt(db: Db, log: OpenLog, connection: { userId: string; platformId: string }, error: unknown): Promise<ApplicationFailure> {
  const failure = toApplicationFailure(error);
  const artifactPath = error instanceof PlatformError ? error.details.artifactPath : undefined;
  await closeSyncLog(db, log, { status: 'failed', errorMessage: failure.message, errorType: failure.type ?? null, artifactPath });
  await recordConnectionTrouble(db, connection.userId, connection.platformId, failure);
  return failure;
}

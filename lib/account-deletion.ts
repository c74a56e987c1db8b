// Deleting an account (DELETE /api/account) so that nothing castsync keeps names the user afterwards: no row, no
// stored file, no Temporal workflow execution or schedule. The order makes a failure in the middle harmless and a
// second call finish the job: the start is recorded; Temporal is asked what it holds of the user (when it does not
// answer, nothing has changed and the caller gets 503); the user's schedules and every execution (running ones are
// terminated by the deletion) are deleted; every platform is disconnected as DELETE /api/platforms/:id does it
// (OAuth grants revoked, credentials deleted); media files no other user shares are deleted; then every row goes in
// one transaction (User's relations cascade). Each step can run again on what an earlier call left.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { syncWorkflowId, optionExpiryWorkflowId, calendarScheduleId, pullScheduleId, reconcileScheduleId } from '../workflows/plumbing.js';
import { getPlatform, isPlatformId, platformCatalog } from '../adapters/catalog.js';
import { recordAudit } from './audit.js';
import { removeSchedule } from './connection-schedule.js';
import type { MediaStorage } from './media-storage.js';
import { variantCacheDir } from './media-variants.js';
import { disconnectPlatform, type DisconnectActor, type DisconnectDeps } from './platform-disconnect.js';
import { withinMs } from './temporal-client.js';

export interface AccountDeletionDeps extends DisconnectDeps {
  temporal: Client;
  storage: MediaStorage;
}

/** Temporal did not answer or refused: the account is kept, and calling the deletion again continues it. */
export class SyncServiceUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the sync service (Temporal) did not answer (${cause instanceof Error ? cause.message : String(cause)})`);
    this.name = 'SyncServiceUnavailableError';
  }
}

/** Longest wait on one Temporal call; a deletion is rare and may wait longer than a status query. */
const TEMPORAL_CALL_MS = 5000;
/** The user's undelivered outbox rows are held back this long, so no relay restarts a workflow being deleted. */
const OUTBOX_HOLD_MS = 10 * 60 * 1000;
const ID_BATCH = 100;
const GRPC_NOT_FOUND = 5;

interface Execution {
  workflowId: string;
  runId: string;
}

export async function deleteAccount(deps: AccountDeletionDeps, actor: DisconnectActor): Promise<void> {
  const { db } = deps;
  const { userId, requestId } = actor;
  await recordAudit(db, { userId, actor: 'user', action: 'account.deletion_started', requestId });
  const workflowIds = await userWorkflowIds(deps, userId);
  const executions = await temporalStep(() => userExecutions(deps, userId, workflowIds));
  await db.outboxMessage.updateMany({ where: { userId, deliveredAt: null }, data: { claimedUntil: new Date(Date.now() + OUTBOX_HOLD_MS) } });
  await temporalStep(() => purgeTemporal(deps, userId, executions));
  for (const connection of await db.platformConnection.findMany({ where: { userId, connected: true }, select: { platformId: true } })) {
    if (isPlatformId(connection.platformId)) await disconnectPlatform(deps, actor, getPlatform(connection.platformId));
  }
  await deleteFiles(deps, userId);
  // Every row at once: the user's relations all cascade (prisma/schema.prisma), so one delete leaves none behind.
  await db.$transaction(async (tx) => {
    await tx.outboxMessage.deleteMany({ where: { userId } });
    await tx.user.deleteMany({ where: { id: userId } });
  });
  // A relay hand-off that was already under way may have started a workflow meanwhile: look once more.
  await userExecutions(deps, userId, workflowIds)
    .then((late) => purgeTemporal(deps, userId, late))
    .catch((error: unknown) => actor.log.warn({ err: error }, 'could not look for workflows started during the account deletion'));
}

async function temporalStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new SyncServiceUnavailableError(error);
  }
}

/** The per-user sync workflows, and the option timers of every entry the user ever had (they carry no user attribute). */
async function userWorkflowIds({ db }: AccountDeletionDeps, userId: string): Promise<string[]> {
  const entries = await db.availability.findMany({ where: { userId }, select: { id: true } });
  return [...(['availability', 'media', 'profile'] as const).map((data) => syncWorkflowId(data, userId)), ...entries.map((e) => optionExpiryWorkflowId(e.id))];
}

/** Every execution (every run, open or closed) carrying the user's search attribute or one of these ids. */
async function userExecutions({ temporal }: AccountDeletionDeps, userId: string, ids: string[]): Promise<Execution[]> {
  const queries = [`CastsyncUserId = "${userId}"`];
  for (let i = 0; i < ids.length; i += ID_BATCH) queries.push(`WorkflowId IN (${ids.slice(i, i + ID_BATCH).map((id) => `"${id}"`).join(', ')})`);
  const found = new Map<string, Execution>();
  for (const query of queries) {
    await withinMs(temporal, TEMPORAL_CALL_MS, async () => {
      for await (const run of temporal.workflow.list({ query })) found.set(run.runId, { workflowId: run.workflowId, runId: run.runId });
    });
  }
  return [...found.values()];
}

/**
 * Deletes the user's schedules (pull and reconcile, for every platform of the catalog; the refresh of each of their
 * calendar sources) and the given executions.
 */
async function purgeTemporal({ temporal, db }: AccountDeletionDeps, userId: string, executions: Execution[]): Promise<void> {
  for (const platformId of Object.keys(platformCatalog)) {
    for (const scheduleId of [pullScheduleId(userId, platformId), reconcileScheduleId(userId, platformId)]) {
      await withinMs(temporal, TEMPORAL_CALL_MS, () => removeSchedule(temporal, scheduleId));
    }
  }
  for (const { id } of await db.calendarSource.findMany({ where: { userId }, select: { id: true } })) {
    await withinMs(temporal, TEMPORAL_CALL_MS, () => removeSchedule(temporal, calendarScheduleId(id)));
  }
  const namespace = temporal.options.namespace;
  for (const workflowExecution of executions) {
    // DeleteWorkflowExecution terminates a running execution before it deletes it. Not a terminate of our own
    // first: a delete right after a terminate raced the close's visibility update on the dev server and left the
    // run listed after its history was gone.
    await ignoreNotFound(withinMs(temporal, TEMPORAL_CALL_MS, () => temporal.workflowService.deleteWorkflowExecution({ namespace, workflowExecution })));
  }
}

/** Gone already (finished meanwhile, deleted by an earlier call) is what we want. */
async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  await call.catch((error: unknown) => {
    if ((error as { code?: number }).code !== GRPC_NOT_FOUND) throw error;
  });
}

/**
 * Media originals (and their cached variants) that no other user's media share: the store is content-addressed
 * across users, so identical bytes uploaded by someone else stay. And the failure artifacts of the user's syncs.
 */
async function deleteFiles({ db, config, storage }: AccountDeletionDeps, userId: string): Promise<void> {
  const media = await db.media.findMany({ where: { userId }, select: { contentHash: true, storageKey: true }, distinct: ['contentHash'] });
  for (const { contentHash, storageKey } of media) {
    if ((await db.media.count({ where: { contentHash, userId: { not: userId } } })) > 0) continue;
    await storage.delete(storageKey);
    await rm(path.join(variantCacheDir(config.mediaDir), contentHash), { recursive: true, force: true });
  }
  const artifacts = await db.syncLog.findMany({ where: { userId, artifactPath: { not: null } }, select: { artifactPath: true } });
  for (const { artifactPath } of artifacts) {
    // A screenshot and the page's HTML share one name (adapters/browser/artifacts.ts).
    const base = path.basename(artifactPath!).replace(/\.(png|html)$/, '');
    for (const extension of ['.png', '.html']) await rm(path.join(config.artifactsDir, `${base}${extension}`), { force: true });
  }
}

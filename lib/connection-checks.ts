// Checking credentials at connect time, from the gateway's side: the credentials are sealed into a short-lived
// ConnectionCheck row, a connectionCheckWorkflow runs its one activity on the platform's task queue (a browser
// login on a worker with Chromium, never in the gateway), and the gateway waits for the answer, bounded. Only the
// row's id travels through Temporal. The row is deleted when the gateway has its answer; rows of a gateway that
// died are deleted once expired, by the next check.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { platformTaskQueue, WORKFLOW_TASK_QUEUE, connectionCheckWorkflowId } from '../workflows/plumbing.js';
import type { PlatformEntry } from '../adapters/catalog.js';
import type { AuthData } from '../adapters/types.js';
import type { ConnectionCheck } from '../generated/prisma/client.js';
import { connectionCheckWorkflow, type ConnectionCheckInput, type ConnectionCheckResult } from '../workflows/connection-check.js';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { openJson, sealJson } from './secrets.js';
import { withinMs } from './temporal-client.js';

export type ConnectionCheckRow = Pick<ConnectionCheck, 'id' | 'userId' | 'platformId' | 'accountRef' | 'expiresAt' | 'credentialsCiphertext' | 'credentialsKeyId'>;

/** What the gateway learnt: the credentials to store (with what the login left), or why there are none. */
export type ConnectionCheckAnswer =
  | { outcome: 'accepted'; credentials: AuthData }
  | { outcome: 'refused'; message: string }
  | { outcome: 'trouble'; message: string }
  | { outcome: 'unavailable'; message: string };

export interface ConnectionCheckRequest {
  userId: string;
  platform: PlatformEntry;
  credentials: AuthData;
  accountRef: string | null;
}

const CHECK_TTL_MS = 10 * 60_000;
/** Slack for the workflow task, the retries' backoff and the answer's way back. */
const CHECK_SLACK_MS = 10_000;

// A check's credentials are bound to the check's id (not to the connection), so its ciphertext opens nowhere else.
const checkOwner = (checkId: string) => `connection-check:${checkId}`;

export function sealCheckCredentials(config: Config, checkId: string, credentials: AuthData) {
  const sealed = sealJson(config, checkOwner(checkId), credentials);
  return { credentialsCiphertext: sealed.ciphertext, credentialsKeyId: sealed.keyId };
}

export function openCheckCredentials(config: Config, check: Pick<ConnectionCheckRow, 'id' | 'credentialsCiphertext' | 'credentialsKeyId'>): AuthData {
  return openJson<AuthData>(config, checkOwner(check.id), { ciphertext: check.credentialsCiphertext, keyId: check.credentialsKeyId });
}

/** A login through a browser takes seconds and may meet a slow portal; an API call or an SMTP relay far less. */
export function connectionCheckAttempts(platform: Pick<PlatformEntry, 'kind'>): Pick<ConnectionCheckInput, 'attemptTimeoutMs' | 'maximumAttempts'> {
  return platform.kind === 'browser' ? { attemptTimeoutMs: 2 * 60_000, maximumAttempts: 2 } : { attemptTimeoutMs: 30_000, maximumAttempts: 3 };
}

export async function checkConnection(deps: { db: Db; config: Config; temporal: Client }, request: ConnectionCheckRequest): Promise<ConnectionCheckAnswer> {
  const { db, config } = deps;
  const id = randomUUID();
  await db.connectionCheck.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  await db.connectionCheck.create({
    data: {
      id,
      userId: request.userId,
      platformId: request.platform.id,
      accountRef: request.accountRef,
      expiresAt: new Date(Date.now() + CHECK_TTL_MS),
      ...sealCheckCredentials(config, id, request.credentials),
    },
  });
  try {
    return await runCheck(deps, id, request);
  } finally {
    await db.connectionCheck.deleteMany({ where: { id } });
  }
}

async function runCheck({ db, config, temporal }: { db: Db; config: Config; temporal: Client }, id: string, { platform }: ConnectionCheckRequest): Promise<ConnectionCheckAnswer> {
  const attempts = connectionCheckAttempts(platform);
  const boundMs = config.connectCheckPickupMs + attempts.maximumAttempts * attempts.attemptTimeoutMs + CHECK_SLACK_MS;
  const input: ConnectionCheckInput = { checkId: id, taskQueue: platformTaskQueue(platform.id), ...attempts };
  const handle = await startRun(temporal, config, input, boundMs).catch(() => null);
  if (!handle) return { outcome: 'unavailable', message: `${platform.name} cannot be checked now: castsync's sync service does not answer; try again later` };
  // Never rejects, so a run abandoned below leaves no unhandled rejection behind.
  const answer = handle.result().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  let settled = await within(answer, config.connectCheckPickupMs);
  if (!settled) {
    // Given up only while no worker has taken it: a check that has started is waited for (its attempts are bounded).
    const { count } = await db.connectionCheck.deleteMany({ where: { id, startedAt: null } });
    if (count === 0) settled = await within(answer, boundMs - config.connectCheckPickupMs);
    if (!settled) {
      await handle.terminate('the gateway stopped waiting for the check').catch(() => undefined);
      const seconds = Math.round(config.connectCheckPickupMs / 1000);
      const why = count === 0 ? 'the check did not finish in time' : `no castsync worker took the check within ${seconds} s (none is running for it, or all are busy)`;
      return { outcome: 'unavailable', message: `${platform.name} cannot be checked now: ${why}; try again later` };
    }
  }
  if ('error' in settled) throw settled.error;
  return answered(db, config, id, platform, settled.result);
}

async function answered(db: Db, config: Config, id: string, platform: PlatformEntry, result: ConnectionCheckResult): Promise<ConnectionCheckAnswer> {
  if (!result.accepted) {
    if (result.retryable) return { outcome: 'trouble', message: result.message ?? `${platform.name} did not answer the check in time` };
    return { outcome: 'refused', message: result.message ?? `${platform.name} did not accept these credentials` };
  }
  const check = await db.connectionCheck.findUniqueOrThrow({ where: { id } });
  return { outcome: 'accepted', credentials: openCheckCredentials(config, check) };
}

function startRun(temporal: Client, config: Config, input: ConnectionCheckInput, boundMs: number) {
  return withinMs(temporal, config.temporalRequestTimeoutMs, () =>
    temporal.workflow.start(connectionCheckWorkflow, {
      workflowId: connectionCheckWorkflowId(input.checkId),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [input],
      // A backstop for a gateway that stopped waiting: the run ends by itself.
      workflowExecutionTimeout: boundMs,
      // No CastsyncUserId: the run carries no user's data (ids only, its answer sealed by the payload codec), so
      // it is left to the namespace's retention rather than to the account deletion's purge.
    }),
  );
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, ms))));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

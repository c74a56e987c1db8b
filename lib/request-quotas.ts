// The request quotas castsync keeps to itself, so a platform's limit is paced, not provoked: an account's published
// quota (the catalog's accountRateLimit: every request and page load of that account) and a deployment-wide one
// (Filmmakers' partner API counts 300 requests per 5 minutes per IP address, so all users of one castsync share
// it). Each request takes from its budget in PostgreSQL (castsync_take_quota, a sliding window under an advisory
// lock), so every worker process counts against the same numbers. A short wait is waited out inside the attempt,
// heartbeating; a longer one ends the attempt with a QuotaWaitError whose retry delay is that wait (capped like a
// platform's own Retry-After), and the status route says which quota the push waits for and until when.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import { formatDuration, formatInstant, maxRetryWaitMsOf } from '../adapters/retry-delay.js';
import type { RequestBudget } from '../adapters/types.js';
import type { Config, Quota } from './config.js';
import type { Db } from './db.js';

export type { Quota };

/**
 * castsync counts a request when it takes it from the budget; the platform counts it when it arrives, a little
 * later, and by differing amounts. Keeping to a window this much longer than the platform's means two requests
 * castsync spaced a window apart are a window apart on arrival too, as long as none lags the other by more.
 */
export const QUOTA_WINDOW_MARGIN_MS = 1000;

/** The settings the budgets are made from (lib/config.ts). */
export type QuotaSettings = Pick<Config, 'accountQuotas' | 'apiQuotas' | 'quotaHeadroomPercent'>;

export type QuotaScope = 'account' | 'partnerApi';

/** A budget castsync keeps: its key in QuotaUse, the requests it may spend in any window, and its name in words. */
export interface BudgetSpec {
  key: string;
  connectionId: string | null;
  /** Requests castsync lets itself spend in any window: the published quota less the headroom. */
  limit: number;
  windowMs: number;
  quota: Quota;
  /** "e-TALENTA's account quota (1000 requests a day)", for messages. */
  name: string;
}

/** The quota of this scope for a platform: the configured one (CASTSYNC_ACCOUNT_QUOTA_<ID>, CASTSYNC_API_QUOTA_<ID>) or the catalog's. */
export function quotaOf(config: QuotaSettings, scope: QuotaScope, platform: PlatformEntry): Quota | null {
  if (scope === 'account') return platform.id in config.accountQuotas ? (config.accountQuotas[platform.id] ?? null) : platform.accountRateLimit;
  return config.apiQuotas[platform.id] ?? platform.browser?.partnerApiQuota ?? null;
}

/** The budget of an account (one connection) or of the deployment's partner-API reads; null when there is no quota. */
export function budgetSpec(config: QuotaSettings, scope: QuotaScope, platform: PlatformEntry, connectionId: string): BudgetSpec | null {
  const quota = quotaOf(config, scope, platform);
  if (!quota) return null;
  const limit = Math.max(1, Math.floor((quota.requests * (100 - config.quotaHeadroomPercent)) / 100));
  const per = quotaWords(quota);
  const windowMs = quota.perSeconds * 1000 + QUOTA_WINDOW_MARGIN_MS;
  return scope === 'account'
    ? { key: `account:${platform.id}:${connectionId}`, connectionId, limit, windowMs, quota, name: `${platform.name}'s account quota (${per})` }
    : { key: `api:${platform.id}`, connectionId: null, limit, windowMs, quota, name: `${platform.name}'s partner API limit for this deployment (${per})` };
}

/** "1000 requests a day", "300 requests per 5 min". */
export function quotaWords({ requests, perSeconds }: Quota): string {
  const named: Record<number, string> = { 60: 'a minute', 3600: 'an hour', 86_400: 'a day' };
  return `${requests} requests ${named[perSeconds] ?? `per ${formatDuration(perSeconds * 1000)}`}`;
}

/**
 * Takes `requests` from a budget: 0 when taken, else the milliseconds until they fit (nothing taken then). One
 * statement: the function's advisory lock lasts exactly as long as it runs.
 */
export async function tryTake(db: Db, spec: BudgetSpec, requests: number): Promise<number> {
  const [row] = await db.$queryRaw<{ wait: number }[]>`
    SELECT castsync_take_quota(${spec.key}, ${spec.connectionId}::uuid, ${requests}::int, ${spec.limit}::int, ${spec.windowMs}::int) AS wait`;
  return row?.wait ?? 0;
}

export interface BudgetWaits {
  /** Longest wait taken inside an attempt (heartbeating); a longer one ends the attempt with a QuotaWaitError. */
  inlineMs: number;
  /** Called while waiting inside the attempt (the activity heartbeats through it). */
  onWait?: (detail: string) => void;
}

/** A budget adapters spend from before each request (AdapterContext.quotas). */
export function requestBudget(db: Db, spec: BudgetSpec, platform: PlatformEntry, waits: BudgetWaits): RequestBudget {
  return {
    async take(requests = 1) {
      for (;;) {
        const waitMs = await tryTake(db, spec, requests);
        if (waitMs === 0) return;
        if (waitMs > waits.inlineMs) throw quotaWaitError(spec, platform, waitMs);
        waits.onWait?.(`waiting ${formatDuration(waitMs)} for ${spec.name}`);
        // In slices, so the heartbeat (and with it a cancellation) keeps coming while the wait lasts.
        await sleep(Math.min(waitMs, 1000));
      }
    },
    async giveBack(requests) {
      // From the budget's latest take that holds more: a push's take of list and write (one availability push per
      // connection runs at a time, under its lease, and every other take is of one request). The take keeps its
      // time, so the window counts exactly what was sent then.
      await db.$executeRaw`
        UPDATE "QuotaUse" SET "requests" = "requests" - ${requests}::int
        WHERE id = (SELECT id FROM "QuotaUse" WHERE "budget" = ${spec.key} AND "requests" > ${requests}::int ORDER BY "usedAt" DESC, id DESC LIMIT 1)`;
    },
  };
}

/** The attempt ends and is retried once the quota has room again (at most the platform's longest retry wait). */
export function quotaWaitError(spec: BudgetSpec, platform: PlatformEntry, waitMs: number, now = Date.now()): PlatformError {
  const maxMs = maxRetryWaitMsOf(platform);
  const delayMs = Math.min(waitMs, maxMs);
  const next = delayMs < waitMs ? `next look in ${formatDuration(delayMs)}` : `next attempt in ${formatDuration(delayMs)}`;
  return new PlatformError(
    ErrorType.quotaWait,
    `waiting for ${spec.name}: castsync has spent it and sends nothing more until ${formatInstant(now + waitMs, now)} (in ${formatDuration(waitMs)}); ${next}`,
    true,
    { retryAfterMs: delayMs },
  );
}

/** The budgets of one connection's adapter, for AdapterContext.quotas. */
export function connectionQuotas(db: Db, config: Config, platform: PlatformEntry, connectionId: string, onWait?: (detail: string) => void) {
  const waits = { inlineMs: config.quotaInlineWaitMs, onWait };
  const account = budgetSpec(config, 'account', platform, connectionId);
  const partnerApi = platform.browser?.partnerApiPath ? budgetSpec(config, 'partnerApi', platform, connectionId) : null;
  return {
    ...(account ? { account: requestBudget(db, account, platform, waits) } : {}),
    ...(partnerApi ? { partnerApi: requestBudget(db, partnerApi, platform, waits) } : {}),
  };
}

export interface QuotaState {
  /** The published quota. */
  requests: number;
  perSeconds: number;
  /** What castsync lets itself spend of it in any window (the quota less CASTSYNC_QUOTA_HEADROOM). */
  usable: number;
  /** Spent in the last window. */
  used: number;
  /** When the next request fits, if castsync's count says the quota is spent now; else null. */
  waitingUntil: string | null;
}

/** A budget's state now, for the status route. */
export async function quotaState(db: Db, spec: BudgetSpec, now = Date.now()): Promise<QuotaState> {
  const uses = await db.quotaUse.findMany({
    where: { budget: spec.key, usedAt: { gt: new Date(now - spec.windowMs) } },
    orderBy: { usedAt: 'asc' },
    select: { requests: true, usedAt: true },
  });
  const used = uses.reduce((sum, use) => sum + use.requests, 0);
  let waitingUntil: string | null = null;
  if (used + 1 > spec.limit) {
    let freed = 0;
    for (const use of uses) {
      freed += use.requests;
      if (used - freed + 1 <= spec.limit) {
        waitingUntil = new Date(use.usedAt.getTime() + spec.windowMs).toISOString();
        break;
      }
    }
  }
  return { requests: spec.quota.requests, perSeconds: spec.quota.perSeconds, usable: spec.limit, used, waitingUntil };
}

/** The account quota of one connection, as the status route shows it; null when the platform publishes none. */
export async function accountQuotaState(db: Db, config: QuotaSettings, platform: PlatformEntry, connectionId: string): Promise<QuotaState | null> {
  const spec = budgetSpec(config, 'account', platform, connectionId);
  return spec ? quotaState(db, spec) : null;
}

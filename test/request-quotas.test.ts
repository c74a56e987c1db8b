// Request quotas castsync keeps to itself (lib/request-quotas.ts), on the real PostgreSQL: the sliding window holds
// across several database clients (several workers), a short wait is waited out and a long one ends the attempt
// with a QuotaWaitError that names the quota and the time; and Filmmakers' documented per-IP limit of its partner
// API, shared by every user of a deployment, is paced so the doc-faithful simulator never answers 429, where the
// same reads unpaced provoke it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PartnerApiClient } from '../adapters/browser/partner-api.js';
import { getPlatform } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import type { AuthData, RequestBudget } from '../adapters/types.js';
import { connectionSchedule, spreadSeconds } from '../lib/connection-schedule.js';
import { ConfigError, loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { budgetSpec, quotaState, quotaWords, requestBudget, tryTake, type BudgetSpec } from '../lib/request-quotas.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { availabilityPullWorkflow } from '../workflows/availability-pull.js';

const databaseUrl = inject('databaseUrl');
/** Two clients with their own connection pools: two worker processes, as far as the database can tell. */
let workers: Db[];
beforeAll(async () => {
  workers = [createDb(databaseUrl), createDb(databaseUrl)];
  // Takers delete the uses that left the window; a copy of this file's uses (budgets test:...) lets it see all of them.
  await workers[0]!.$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS test_quota_spent (budget TEXT, requests INT, used_at TIMESTAMPTZ(3))`);
  await workers[0]!.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION test_copy_quota_use() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW."budget" LIKE 'test:%' THEN INSERT INTO test_quota_spent VALUES (NEW."budget", NEW."requests", NEW."usedAt"); END IF; RETURN NEW; END $$`);
  await workers[0]!.$executeRawUnsafe(`CREATE OR REPLACE TRIGGER test_copy_quota_use AFTER INSERT ON "QuotaUse" FOR EACH ROW EXECUTE FUNCTION test_copy_quota_use()`);
});
afterAll(async () => {
  await workers[0]?.$executeRawUnsafe(`DROP TRIGGER IF EXISTS test_copy_quota_use ON "QuotaUse"`);
  await Promise.all(workers.map((db) => db.$disconnect()));
});

const spec = (limit: number, windowMs: number): BudgetSpec => ({
  key: `test:${randomUUID()}`,
  connectionId: null,
  limit,
  windowMs,
  quota: { requests: limit, perSeconds: windowMs / 1000 },
  name: 'the test quota',
});

/** The times (ms) the budget's requests were spent, one entry per request, those that left the window too. */
async function spentAt(db: Db, budget: BudgetSpec): Promise<number[]> {
  const rows = await db.$queryRaw<{ requests: number; used_at: Date }[]>`SELECT requests, used_at FROM test_quota_spent WHERE budget = ${budget.key} ORDER BY used_at`;
  return rows.flatMap((row) => Array<number>(row.requests).fill(row.used_at.getTime()));
}

/** The most requests any window of `windowMs` holds (a sliding window, wherever it starts). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i += 1) most = Math.max(most, times.filter((t) => t >= times[i]! && t < times[i]! + windowMs).length);
  return most;
}

describe('a budget in PostgreSQL', () => {
  it('grants exactly its limit at once, across two database clients, and says how long the others wait', async () => {
    const budget = spec(10, 2000);
    const waits = await Promise.all(Array.from({ length: 30 }, (_, i) => tryTake(workers[i % 2]!, budget, 1)));
    expect(waits.filter((w) => w === 0)).toHaveLength(10);
    for (const wait of waits.filter((w) => w > 0)) {
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(2000);
    }
    expect(await spentAt(workers[0]!, budget)).toHaveLength(10);
  });

  it('never lets any window hold more than the limit while many takers keep asking', async () => {
    const budget = spec(6, 1000);
    const taker = (db: Db) => requestBudget(db, budget, getPlatform('etalenta'), { inlineMs: 5000 });
    const budgets = workers.map(taker);
    await Promise.all(Array.from({ length: 20 }, (_, i) => budgets[i % 2]!.take()));
    const times = await spentAt(workers[0]!, budget);
    expect(times).toHaveLength(20);
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(6);
    // ... and the budget keeps only the uses still inside the window.
    expect(await workers[1]!.quotaUse.count({ where: { budget: budget.key } })).toBeLessThanOrEqual(6);
  });

  it('counts a take of several requests as that many', async () => {
    const budget = spec(5, 60_000);
    expect(await tryTake(workers[0]!, budget, 3)).toBe(0);
    expect(await tryTake(workers[1]!, budget, 3)).toBeGreaterThan(0);
    expect(await tryTake(workers[1]!, budget, 2)).toBe(0);
    expect(await quotaState(workers[0]!, budget)).toMatchObject({ requests: 5, usable: 5, used: 5 });
  });

  it('waits out a short wait inside the attempt, reporting it, and ends the attempt on a long one', async () => {
    const short = spec(1, 600);
    const waited: string[] = [];
    const patient = requestBudget(workers[0]!, short, getPlatform('etalenta'), { inlineMs: 5000, onWait: (detail) => waited.push(detail) });
    await patient.take();
    await patient.take();
    expect(waited.length).toBeGreaterThan(0);
    expect(waited[0]).toMatch(/^waiting \d+ s for the test quota$/);

    const long = spec(2, 3_600_000);
    const impatient = requestBudget(workers[0]!, long, getPlatform('etalenta'), { inlineMs: 1000 });
    await impatient.take(2);
    const refused = await impatient.take().then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(PlatformError);
    const error = refused as PlatformError;
    expect(error.type).toBe(ErrorType.quotaWait);
    expect(error.retryable).toBe(true);
    // An hour's wait is looked at again after the platform's longest retry wait, never later.
    expect(error.details.retryAfterMs).toBe(5 * 60_000);
    // The day is named when the hour's end falls on the next one (a run between 23:00 and 24:00 UTC).
    expect(error.message).toMatch(/^waiting for the test quota: castsync has spent it and sends nothing more until (\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC \(in (59 min \d+ s|1 h)\); next look in 5 min$/);
    const state = await quotaState(workers[0]!, long);
    expect(state.used).toBe(2);
    expect(Date.parse(state.waitingUntil!)).toBeGreaterThan(Date.now() + 3_500_000);
  });
});

describe('quota settings', () => {
  it("takes the catalog's quotas less the headroom, and settings that replace them", () => {
    const config = loadConfig({ CASTSYNC_ACCOUNT_QUOTA_ETALENTA: '40/60', CASTSYNC_ACCOUNT_QUOTA_JOBWORK: 'off', CASTSYNC_QUOTA_HEADROOM: '10' });
    expect(budgetSpec(config, 'account', getPlatform('etalenta'), 'c1')).toMatchObject({ key: 'account:etalenta:c1', limit: 36, windowMs: 61_000 });
    expect(budgetSpec(config, 'account', getPlatform('jobwork'), 'c1')).toBeNull();
    // Wanted keeps the catalog's 600 an hour; Filmmakers' partner API its documented 300 per 5 minutes, per deployment.
    expect(budgetSpec(config, 'account', getPlatform('wanted'), 'c1')).toMatchObject({ limit: 540, windowMs: 3_601_000 });
    expect(budgetSpec(config, 'partnerApi', getPlatform('filmmakers'), 'c1')).toMatchObject({ key: 'api:filmmakers', connectionId: null, limit: 270, windowMs: 301_000 });
    expect(quotaWords({ requests: 300, perSeconds: 300 })).toBe('300 requests per 5 min');
    expect(quotaWords({ requests: 1000, perSeconds: 86_400 })).toBe('1000 requests a day');
  });

  it('refuses a quota it cannot read, naming the variable', () => {
    expect(() => loadConfig({ CASTSYNC_ACCOUNT_QUOTA_ETALENTA: '40 per minute' })).toThrow(
      new ConfigError('CASTSYNC_ACCOUNT_QUOTA_ETALENTA must be "<requests>/<seconds>" such as "300/300" or "off", got "40 per minute"'),
    );
    expect(() => loadConfig({ CASTSYNC_API_QUOTA_FILMMAKERS: '0/300' })).toThrow(/CASTSYNC_API_QUOTA_FILMMAKERS must be "<requests>\/<seconds>"/);
    expect(() => loadConfig({ CASTSYNC_QUOTA_HEADROOM: '95' })).toThrow(/CASTSYNC_QUOTA_HEADROOM .* at most 90, got 95/);
  });
});

describe("Filmmakers' partner API, one limit per IP for the whole deployment", () => {
  const WINDOW_MS = 3000;
  const LIMIT = 8;
  const tokens = ['token-actor-1', 'token-actor-2', 'token-actor-3'];
  let portal: PortalSimulator;

  beforeAll(async () => {
    portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens, rateLimit: { requests: LIMIT, windowMs: WINDOW_MS } } });
    tokens.forEach((token, i) => portal.addAccount(`actor${i}@portal.test`, 'pw', { partnerApiToken: token }));
    await portal.start();
  });
  afterAll(() => portal?.stop());

  function clientFor(token: string, partnerApi?: RequestBudget): PartnerApiClient {
    const credentials: AuthData = { partnerApiToken: token };
    const api = PartnerApiClient.for({
      platform: getPlatform('filmmakers'),
      baseUrl: portal.url,
      credentials,
      credentialStore: { update: async () => credentials },
      quotas: partnerApi ? { partnerApi } : undefined,
    });
    if (!api) throw new Error('the catalog names no partner API for Filmmakers');
    return api;
  }

  /** Every user reads their profile `rounds` times at once (each read: the profile list, then the profile). */
  const readAll = (clients: PartnerApiClient[], rounds: number) =>
    Promise.all(clients.map(async (api) => {
      for (let i = 0; i < rounds; i += 1) await api.actorProfile();
    }));

  it('unpaced, three users reading at once run into its 429', async () => {
    portal.partnerApi!.resetRateLimits();
    const before = portal.counters.apiRateLimited;
    const reads = await Promise.allSettled(tokens.map((t) => readAll([clientFor(t)], 3)));
    const failures = reads.flatMap((read) => (read.status === 'rejected' ? [read.reason as PlatformError] : []));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure.type).toBe(ErrorType.rateLimited);
    expect(portal.counters.apiRateLimited).toBeGreaterThan(before);
  });

  it('paced from one budget in PostgreSQL (two workers), the same reads all succeed without a single 429', async () => {
    portal.partnerApi!.resetRateLimits();
    const config = loadConfig({ CASTSYNC_API_QUOTA_FILMMAKERS: `${LIMIT}/${WINDOW_MS / 1000}`, CASTSYNC_QUOTA_HEADROOM: '0' });
    const shared = { ...budgetSpec(config, 'partnerApi', getPlatform('filmmakers'), 'unused')!, key: `test:api:filmmakers:${randomUUID()}` };
    const clients = tokens.map((token, i) => clientFor(token, requestBudget(workers[i % 2]!, shared, getPlatform('filmmakers'), { inlineMs: 10_000 })));
    const before = { requests: portal.counters.apiRequests, limited: portal.counters.apiRateLimited };
    await readAll(clients, 3);
    expect(portal.counters.apiRequests - before.requests).toBe(3 * 3 * 2);
    expect(portal.counters.apiRateLimited).toBe(before.limited);
    // 18 requests at 8 per 3 s (plus the margin for the time a request takes to arrive): spread by the budget.
    const times = await spentAt(workers[0]!, shared);
    expect(times).toHaveLength(18);
    expect(busiestWindow(times, WINDOW_MS)).toBeLessThanOrEqual(LIMIT);
  });
});

describe('scheduled reads, spread over their interval', () => {
  it("put each connection's schedule at its own stable second, evenly over the interval", () => {
    const users = Array.from({ length: 600 }, (_, i) => `user-${i}`);
    const offsets = users.map((u) => spreadSeconds(`availabilityPullWorkflow/${u}/filmmakers`, 1800));
    expect(offsets.every((s) => Number.isInteger(s) && s >= 0 && s < 1800)).toBe(true);
    expect(spreadSeconds('availabilityPullWorkflow/user-1/filmmakers', 1800)).toBe(offsets[1]);
    // Six five-minute slices of the half hour: none gets more than twice its share (100) of the 600 users.
    const slices = Array.from({ length: 6 }, (_, i) => offsets.filter((s) => Math.floor(s / 300) === i).length);
    expect(Math.max(...slices)).toBeLessThanOrEqual(200);
    expect(Math.min(...slices)).toBeGreaterThanOrEqual(50);
    const spec = connectionSchedule({ userId: 'user-1', platformId: 'filmmakers' }, { workflow: availabilityPullWorkflow, workflowId: 'w', everySeconds: 1800 }).spec;
    expect(spec?.intervals).toEqual([{ every: '1800 seconds', offset: `${offsets[1]} seconds` }]);
  });
});

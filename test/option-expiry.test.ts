// Option expiry runs on a durable timer: on the real time-skipping test server (no real sleeps) the option is
// released when its expiry comes and the options below it move up; a changed expiry moves the timer; an option
// confirmed before its expiry stays; a deleted option's timer is cancelled.
import { randomBytes, randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCoreActivities } from '../activities/index.js';
import { WORKFLOW_TASK_QUEUE, optionExpiryWorkflowId } from '../workflows/plumbing.js';
import { loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { parseDay } from '../lib/days.js';
import { cancelOptionExpiry, scheduleOptionExpiry } from '../lib/option-expiry-timers.js';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { newMasterKey } from '../lib/secrets.js';
import { startTimeSkippingEnv } from './support/time-skipping.js';
import type { OptionExpiryInput } from '../workflows/option-expiry.js';

const HOUR = 3_600_000;

let env: TestWorkflowEnvironment;
let db: Db;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  db = createDb(inject('databaseUrl'));
  const config = loadConfig({ DATABASE_URL: inject('databaseUrl'), CASTSYNC_SYNC_COALESCE_MS: '0', CASTSYNC_MASTER_KEYS: `test:${newMasterKey()}` });
  const dataConverter = temporalDataConverter(config);
  env = await startTimeSkippingEnv(dataConverter);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: WORKFLOW_TASK_QUEUE,
    dataConverter,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createCoreActivities({ db, config, temporal: env.client }),
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
  await db?.$disconnect();
});

async function newUser() {
  return db.user.create({ data: { email: `options-${randomBytes(6).toString('hex')}@example.test`, name: 'Option Actor' } });
}

async function option(userId: string, optionRank: number, optionExpiresAt: Date | null = null) {
  return db.availability.create({
    data: { userId, startDate: parseDay('2027-06-01')!, endDate: parseDay('2027-06-03')!, status: 'tentative', type: 'booking', optionRank, optionHolder: `Production ${optionRank}`, optionExpiresAt },
  });
}

const reload = (id: string) => db.availability.findUniqueOrThrow({ where: { id } });
const expiryInput = (userId: string, availabilityId: string, expiresAt: Date): OptionExpiryInput => ({ userId, availabilityId, expiresAt: expiresAt.toISOString() });

describe('option expiry workflow', () => {
  it('releases the option when its expiry comes and moves the lower option up, then requests a push', async () => {
    const user = await newUser();
    const expiresAt = new Date((await env.currentTimeMs()) + 48 * HOUR);
    const first = await option(user.id, 1, expiresAt);
    const second = await option(user.id, 2);
    const started = await env.currentTimeMs();

    await scheduleOptionExpiry(env.client, expiryInput(user.id, first.id, expiresAt));
    const handle = env.client.workflow.getHandle(optionExpiryWorkflowId(first.id));
    expect(await handle.result()).toBe('released');

    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(expiresAt.getTime()); // the timer, skipped, not slept
    expect(expiresAt.getTime() - started).toBeGreaterThan(47 * HOUR);
    expect(await reload(first.id)).toMatchObject({ releasedReason: 'option_expired', version: 2, deletedAt: expect.any(Date) });
    expect(await reload(second.id)).toMatchObject({ optionRank: 1, version: 2, deletedAt: null });
    // The push is asked for in the release's own transaction: an outbox row the relay delivers (no relay runs here).
    expect(await db.outboxMessage.findMany({ where: { userId: user.id }, select: { topic: true, data: true, deliveredAt: true } })).toEqual([
      { topic: 'sync', data: 'availability', deliveredAt: null },
    ]);
  });

  it('honours a changed expiry: the old deadline passes without effect, the new one releases', async () => {
    const user = await newUser();
    const now = await env.currentTimeMs();
    const oldExpiry = new Date(now + 2 * HOUR);
    const newExpiry = new Date(now + 10 * HOUR);
    const first = await option(user.id, 1, oldExpiry);
    const second = await option(user.id, 2);
    await scheduleOptionExpiry(env.client, expiryInput(user.id, first.id, oldExpiry));
    const oldRun = await env.client.workflow.getHandle(optionExpiryWorkflowId(first.id)).describe();

    // What PATCH does: the entry gets the new expiry, then the running timer's deadline is moved (a signal).
    await db.availability.update({ where: { id: first.id }, data: { optionExpiresAt: newExpiry, version: { increment: 1 } } });
    await scheduleOptionExpiry(env.client, expiryInput(user.id, first.id, newExpiry));

    await env.sleep(5 * HOUR); // past the old deadline
    expect(await reload(first.id)).toMatchObject({ deletedAt: null, version: 2, optionRank: 1 });
    expect(await reload(second.id)).toMatchObject({ optionRank: 2, version: 1 });
    const stillWaiting = await env.client.workflow.getHandle(optionExpiryWorkflowId(first.id)).describe();
    expect([stillWaiting.runId, stillWaiting.status.name]).toEqual([oldRun.runId, 'RUNNING']);

    expect(await env.client.workflow.getHandle(optionExpiryWorkflowId(first.id)).result()).toBe('released');
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(newExpiry.getTime());
    expect(await reload(first.id)).toMatchObject({ releasedReason: 'option_expired', version: 3 });
    expect(await reload(second.id)).toMatchObject({ optionRank: 1, version: 2 });
  });

  it('leaves an option alone that was confirmed before its expiry', async () => {
    const user = await newUser();
    const expiresAt = new Date((await env.currentTimeMs()) + 24 * HOUR);
    const first = await option(user.id, 1, expiresAt);
    const second = await option(user.id, 2);
    await scheduleOptionExpiry(env.client, expiryInput(user.id, first.id, expiresAt));
    // Confirmed as a firm booking; the expiry is left on the row to show the activity's own check holds.
    await db.availability.update({ where: { id: first.id }, data: { status: 'unavailable', optionRank: null, version: { increment: 1 } } });

    expect(await env.client.workflow.getHandle(optionExpiryWorkflowId(first.id)).result()).toBe('unchanged');
    expect(await reload(first.id)).toMatchObject({ status: 'unavailable', deletedAt: null, releasedReason: null, version: 2 });
    expect(await reload(second.id)).toMatchObject({ optionRank: 2, version: 1 });
  });

  it('stops the timer when the option is deleted (cancel), and cancelling again is harmless', async () => {
    const user = await newUser();
    const expiresAt = new Date((await env.currentTimeMs()) + 6 * HOUR);
    const first = await option(user.id, 1, expiresAt);
    await scheduleOptionExpiry(env.client, expiryInput(user.id, first.id, expiresAt));
    await cancelOptionExpiry(env.client, first.id);
    await expect(env.client.workflow.getHandle(optionExpiryWorkflowId(first.id)).result()).rejects.toThrow(/cancel/i);
    await env.sleep(8 * HOUR);
    expect(await reload(first.id)).toMatchObject({ deletedAt: null, version: 1 });
    await cancelOptionExpiry(env.client, first.id);
    await cancelOptionExpiry(env.client, randomUUID());
  });

  it('does nothing for a deleted option or a stale expiry, and a retry after a release only asks for the push again', async () => {
    const user = await newUser();
    const expiresAt = new Date((await env.currentTimeMs()) + HOUR);
    const first = await option(user.id, 1, expiresAt);
    const { releaseExpiredOption } = createCoreActivities({ db, config: loadConfig({ DATABASE_URL: inject('databaseUrl') }), temporal: env.client });

    expect(await releaseExpiredOption(expiryInput(user.id, first.id, new Date(expiresAt.getTime() - HOUR)))).toEqual({ released: false, promoted: [] });
    expect(await releaseExpiredOption(expiryInput(user.id, first.id, expiresAt))).toMatchObject({ released: true });
    expect(await releaseExpiredOption(expiryInput(user.id, first.id, expiresAt))).toMatchObject({ released: true });
    expect(await reload(first.id)).toMatchObject({ releasedReason: 'option_expired', version: 2 });

    const deleted = await option(user.id, 1, expiresAt);
    await db.availability.update({ where: { id: deleted.id }, data: { deletedAt: new Date(), version: { increment: 1 } } });
    expect(await releaseExpiredOption(expiryInput(user.id, deleted.id, expiresAt))).toEqual({ released: false, promoted: [] });
    expect(await reload(deleted.id)).toMatchObject({ releasedReason: null, version: 2 });
  });
});

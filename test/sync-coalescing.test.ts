// Coalescing is time-dependent (a pause before the follow-up push of a burst), so it is tested on the real
// time-skipping test server: a burst during a push ends in exactly two pushes even with a one-hour pause, and
// the test does not wait for that hour.
import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { sealCredentials } from '../activities/credential-store.js';
import { createCoreActivities, createPlatformActivities } from '../activities/index.js';
import { platformTaskQueue, WORKFLOW_TASK_QUEUE, availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import { loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { parseDay } from '../lib/days.js';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { newMasterKey } from '../lib/secrets.js';
import { RestPlatformSimulator } from '../simulators/etalenta/server.js';
import { availabilitySyncWorkflow, syncRequestedSignal } from '../workflows/availability-sync.js';
import { startTimeSkippingEnv } from './support/time-skipping.js';

const HOUR_MS = 3_600_000;
let env: TestWorkflowEnvironment;
let db: Db;
let sim: RestPlatformSimulator;
let workers: Worker[];
let running: Promise<unknown>;
const config = () =>
  loadConfig({ DATABASE_URL: inject('databaseUrl'), CASTSYNC_MASTER_KEYS: `ts:${masterKey}`, CASTSYNC_PLATFORM_URL_ETALENTA: sim.url });
const masterKey = newMasterKey();

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  db = createDb(inject('databaseUrl'));
  sim = new RestPlatformSimulator();
  await sim.start();
  const dataConverter = temporalDataConverter(config());
  env = await startTimeSkippingEnv(dataConverter);
  const deps = { db, config: config(), temporal: env.client };
  const common = { connection: env.nativeConnection, dataConverter };
  workers = [
    await Worker.create({ ...common, taskQueue: WORKFLOW_TASK_QUEUE, workflowBundle: { codePath: inject('workflowBundlePath') }, activities: createCoreActivities(deps) }),
    await Worker.create({ ...common, taskQueue: platformTaskQueue('etalenta'), activities: createPlatformActivities(deps) }),
  ];
  running = Promise.all(workers.map((w) => w.run()));
});

afterAll(async () => {
  for (const w of workers ?? []) if (w.getState() === 'RUNNING') w.shutdown();
  await running;
  await env?.teardown();
  await sim?.stop();
  await db?.$disconnect();
});

it('turns a burst of changes during a push into one follow-up push after the pause, without waiting for it', async () => {
  const user = await db.user.create({ data: { email: `burst-${randomBytes(6).toString('hex')}@example.test`, name: 'Burst' } });
  const apiKey = `key_${randomBytes(8).toString('hex')}`;
  sim.addAccount(apiKey);
  await db.platformConnection.create({ data: { userId: user.id, platformId: 'etalenta', ...sealCredentials(config(), user.id, 'etalenta', { apiKey }) } });
  const entry = await db.availability.create({ data: { userId: user.id, startDate: parseDay('2028-05-01')!, endDate: parseDay('2028-05-01')!, status: 'unavailable', type: 'block' } });

  const signal = () =>
    env.client.workflow.signalWithStart(availabilitySyncWorkflow, {
      workflowId: availabilitySyncWorkflowId(user.id),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [{ userId: user.id, coalesceMs: HOUR_MS, idleTimeoutMs: 2 * HOUR_MS }],
      signal: syncRequestedSignal,
      signalArgs: [{}],
    });
  sim.faults = { answerDelayMs: 300 }; // the first push is still running while the burst arrives
  const startedAt = Date.now();
  await signal();
  for (let day = 2; day <= 6; day += 1) {
    await db.availability.update({ where: { id: entry.id }, data: { startDate: parseDay(`2028-05-0${day}`)!, endDate: parseDay(`2028-05-0${day}`)!, version: { increment: 1 } } });
    await signal();
  }
  // Half an hour of workflow time: the first push is done, the follow-up still waits for the hour's pause.
  await env.sleep(30 * 60 * 1000);
  sim.faults = {};
  expect(await db.syncLog.count({ where: { userId: user.id } })).toBe(1);
  // Another hour: the one follow-up push has carried the end state of the whole burst.
  await env.sleep(60 * 60 * 1000);

  const pushes = await db.syncLog.findMany({ where: { userId: user.id }, orderBy: { startedAt: 'asc' } });
  expect(pushes.map((p) => p.status)).toEqual(['success', 'success']);
  expect(sim.calendar(apiKey).map((e) => e.from)).toEqual(['2028-05-06']);
  expect(Date.now() - startedAt).toBeLessThan(HOUR_MS); // the hour was skipped, not waited
  await env.client.workflow.getHandle(availabilitySyncWorkflowId(user.id)).terminate('test done');
});

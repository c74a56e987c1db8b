// Records histories of the availability sync loop on the time-skipping server, so test/workflow-replay.test.ts can
// prove that a changed loop still replays them: a push that succeeds, a platform that stays down past its retry
// window (the push ends TIMEOUT), a manual sync after it recovers, continue-as-new, and the idle end.
// Payloads are not encrypted here (no codec), so the fixtures replay without the run's keys.
// Record from the workflow code that runs in production now, before changing it: e.g. a detached worktree of main
// (`git worktree add --detach <dir> main`, with node_modules and generated/ linked in), this folder copied there,
// `npx vitest run --config test/record/vitest.config.ts` run there, and the written fixtures copied back.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { sealCredentials } from '../../activities/credential-store.js';
import { createCoreActivities, createPlatformActivities } from '../../activities/index.js';
import { getPlatform, platformTaskQueue, WORKFLOW_TASK_QUEUE } from '../../adapters/catalog.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { parseDay } from '../../lib/days.js';
import { FAILURE_CONVERTER_PATH } from '../../lib/payload-codec.js';
import { hashApiToken, newApiToken, newMasterKey } from '../../lib/secrets.js';
import { apiMediaRulesOf } from '../../simulators/api-media.js';
import { RestPlatformSimulator } from '../../simulators/etalenta/server.js';
import { syncSignals } from '../../workflows/sync-signals.js';
import { syncWorkflowId } from '../../workflows/ids.js';
import { historyToFixture } from '../support/histories.js';
import { startTimeSkippingEnv } from '../support/time-skipping.js';

const MINUTE = 60_000;
const fixtures = path.resolve(import.meta.dirname, '../fixtures/histories');
const dataConverter = { failureConverterPath: FAILURE_CONVERTER_PATH };

let env: TestWorkflowEnvironment;
let db: Db;
let config: Config;
let sim: RestPlatformSimulator;
let workers: Worker[];
let running: Promise<unknown>;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  sim = new RestPlatformSimulator({ name: 'etalenta', media: apiMediaRulesOf(getPlatform('etalenta')) });
  await sim.start();
  config = loadConfig({ DATABASE_URL: inject('databaseUrl'), CASTSYNC_MASTER_KEYS: `test:${newMasterKey()}`, CASTSYNC_PLATFORM_URL_ETALENTA: sim.url });
  db = createDb(config.databaseUrl);
  env = await startTimeSkippingEnv(dataConverter);
  const deps = { db, config, temporal: env.client };
  workers = [
    await Worker.create({ connection: env.nativeConnection, taskQueue: WORKFLOW_TASK_QUEUE, dataConverter, workflowBundle: { codePath: inject('workflowBundlePath') }, activities: createCoreActivities(deps) }),
    await Worker.create({ connection: env.nativeConnection, taskQueue: platformTaskQueue('etalenta'), dataConverter, activities: createPlatformActivities(deps) }),
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

async function until(probe: () => Promise<boolean> | boolean, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function actor() {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  sim.addAccount(apiKey);
  const user = await db.user.create({ data: { email: `record-${randomBytes(6).toString('hex')}@example.test`, name: 'Replay Actor', apiTokenHash: hashApiToken(newApiToken()) } });
  await db.platformConnection.create({ data: { userId: user.id, platformId: 'etalenta', ...sealCredentials(config, user.id, 'etalenta', { apiKey }) } });
  const block = (day: string) => db.availability.create({ data: { userId: user.id, startDate: parseDay(day)!, endDate: parseDay(day)!, status: 'unavailable', type: 'block' } });
  const input = { userId: user.id, coalesceMs: 0, roundsBeforeContinueAsNew: 3, redrive: { initialMs: 10 * MINUTE, maxMs: 60 * MINUTE } };
  const signal = (request: object) =>
    env.client.workflow.signalWithStart('availabilitySyncWorkflow', {
      workflowId: syncWorkflowId('availability', user.id),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [input],
      signal: syncSignals.availability.requested,
      signalArgs: [request],
    });
  return { apiKey, user, block, signal };
}

it('records a platform down past its retry window, then nothing until the run ends idle', async () => {
  const { user, block, signal } = await actor();
  sim.faults = { failNext: { count: 1_000_000, status: 503 } };
  await block('2027-09-10');
  const run = await signal({ requestId: 'record-idle-1' });
  await until(async () => (await db.syncLog.count({ where: { userId: user.id, status: 'failed' } })) > 0, 'a failed attempt');
  await env.sleep(35 * MINUTE);
  await env.sleep(3 * 60 * MINUTE); // the code recorded here gives the platform up and ends idle after an hour
  await run.result();
  sim.faults = {};
  const history = historyToFixture(await run.fetchHistory());
  expect(history).toContain('RETRY_STATE_TIMEOUT');
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'availability-sync-outage-idle.json'), history);
});

it('records an availability sync through an outage longer than the retry window', async () => {
  const { apiKey, user, block, signal } = await actor();

  await block('2027-09-01');
  const first = await signal({ requestId: 'record-1' });
  await until(() => sim.calendar(apiKey).length === 1, 'the first push');

  sim.faults = { failNext: { count: 1_000_000, status: 503 } };
  await block('2027-09-02');
  await signal({ requestId: 'record-2' });
  await until(async () => (await db.syncLog.count({ where: { userId: user.id, status: 'failed' } })) > 0, 'a failed attempt');
  await env.sleep(35 * MINUTE); // past the REST retry window (30 minutes): the push ends with TIMEOUT
  await until(async () => (await first.query(syncSignals.availability.state)).platforms[0]?.state === 'failed', 'the failed state');

  sim.faults = {};
  await signal({ manual: true, platformIds: ['etalenta'], requestId: 'record-3' });
  await until(() => sim.calendar(apiKey).length === 2, 'the manual push after the outage');
  await block('2027-09-03');
  await signal({ requestId: 'record-4', outboxId: '1' });
  await signal({ requestId: 'record-4', outboxId: '1' }); // a redelivery, ignored
  await until(() => sim.calendar(apiKey).length === 3, 'the push after continue-as-new');
  await env.sleep(2 * 60 * MINUTE); // idle: the run completes
  const last = env.client.workflow.getHandle(first.workflowId);
  await last.result();

  const firstRun = env.client.workflow.getHandle(first.workflowId, first.signaledRunId);
  const firstHistory = historyToFixture(await firstRun.fetchHistory());
  expect(firstHistory).toContain('RETRY_STATE_TIMEOUT');
  await writeFile(path.join(fixtures, 'availability-sync-outage.json'), firstHistory);
  const lastHistory = historyToFixture(await last.fetchHistory());
  expect(lastHistory).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'availability-sync-after-continue-as-new.json'), lastHistory);
});

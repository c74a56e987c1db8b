// What the history recorders share: the time-skipping server, PostgreSQL, an e-TALENTA simulator and the workflow
// and e-TALENTA workers, without the payload codec (so the fixtures replay without the run's keys); and a user
// connected to that simulator, with a signalWithStart for one kind of data's sync workflow.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { sealCredentials } from '../../activities/credential-store.js';
import { createCoreActivities, createPlatformActivities } from '../../activities/index.js';
import { platformTaskQueue, WORKFLOW_TASK_QUEUE, syncWorkflowId, type SyncedData, syncSignals } from '../../workflows/plumbing.js';
import { getPlatform } from '../../adapters/catalog.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { FAILURE_CONVERTER_PATH } from '../../lib/payload-codec.js';
import { newMasterKey } from '../../lib/secrets.js';
import { apiMediaRulesOf } from '../../simulators/api-media.js';
import { RestPlatformSimulator } from '../../simulators/etalenta/server.js';
import { startTimeSkippingEnv } from '../support/time-skipping.js';

export const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/histories');
const workflowTypes: Record<SyncedData, string> = { availability: 'availabilitySyncWorkflow', media: 'mediaSyncWorkflow', profile: 'profileSyncWorkflow' };

export interface RecordingStack {
  env: TestWorkflowEnvironment;
  db: Db;
  config: Config;
  sim: RestPlatformSimulator;
}

/**
 * Registers the file's beforeAll/afterAll; the returned object is filled in before the first test runs. `env`: more
 * configuration, read when the stack starts (after the file's own earlier beforeAll, e.g. a feed server's host).
 */
export function useRecordingStack(env: () => Record<string, string> = () => ({})): RecordingStack {
  const stack = {} as RecordingStack;
  let workers: Worker[] = [];
  let running: Promise<unknown>;
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
    const dataConverter = { failureConverterPath: FAILURE_CONVERTER_PATH };
    stack.sim = new RestPlatformSimulator({ name: 'etalenta', media: apiMediaRulesOf(getPlatform('etalenta')) });
    await stack.sim.start();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-record-'));
    stack.config = loadConfig({ DATABASE_URL: inject('databaseUrl'), CASTSYNC_MASTER_KEYS: `test:${newMasterKey()}`, CASTSYNC_PLATFORM_URL_ETALENTA: stack.sim.url, CASTSYNC_DATA_DIR: dataDir, ...env() });
    stack.db = createDb(stack.config.databaseUrl);
    stack.env = await startTimeSkippingEnv(dataConverter);
    const deps = { db: stack.db, config: stack.config, temporal: stack.env.client };
    const connection = stack.env.nativeConnection;
    workers = [
      await Worker.create({ connection, taskQueue: WORKFLOW_TASK_QUEUE, dataConverter, workflowBundle: { codePath: inject('workflowBundlePath') }, activities: createCoreActivities(deps) }),
      await Worker.create({ connection, taskQueue: platformTaskQueue('etalenta'), dataConverter, activities: createPlatformActivities(deps) }),
    ];
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await running;
    await stack.env?.teardown();
    await stack.sim?.stop();
    await stack.db?.$disconnect();
  });
  return stack;
}

/** A user connected to the simulated e-TALENTA, and a signalWithStart of their sync workflow for `data`. */
export async function recordingActor({ db, config, sim, env }: RecordingStack, data: SyncedData, input: object) {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  sim.addAccount(apiKey);
  const user = await db.user.create({ data: { email: `record-${randomBytes(6).toString('hex')}@example.test`, name: 'Replay Actor' } });
  await db.platformConnection.create({ data: { userId: user.id, platformId: 'etalenta', ...sealCredentials(config, user.id, 'etalenta', { apiKey }) } });
  const signal = (request: object) =>
    env.client.workflow.signalWithStart(workflowTypes[data], {
      workflowId: syncWorkflowId(data, user.id),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [{ userId: user.id, ...input }],
      signal: syncSignals[data].requested,
      signalArgs: [request],
    });
  return { apiKey, user, signal };
}

export async function until(probe: () => Promise<boolean> | boolean, what: string) {
  const deadline = Date.now() + 60_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

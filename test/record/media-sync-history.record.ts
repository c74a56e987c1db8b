// Records a history of the media sync loop on the time-skipping server, from the workflow code as it was before
// media pushes got timeouts derived from their work (patched 'media-push-timeouts-from-work'), so
// test/media-replay.test.ts (and test/workflow-replay.test.ts) prove the changed workflow still replays it:
// an upload, a delete, and the idle end. Payloads are not encrypted here (no codec), so the fixture replays
// without the run's keys.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { sealCredentials } from '../../activities/credential-store.js';
import { createCoreActivities, createPlatformActivities } from '../../activities/index.js';
import { getPlatform, platformTaskQueue, WORKFLOW_TASK_QUEUE } from '../../adapters/catalog.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { LocalDiskStorage } from '../../lib/media-storage.js';
import { FAILURE_CONVERTER_PATH } from '../../lib/payload-codec.js';
import { hashApiToken, newApiToken, newMasterKey } from '../../lib/secrets.js';
import { apiMediaRulesOf } from '../../simulators/api-media.js';
import { RestPlatformSimulator } from '../../simulators/etalenta/server.js';
import { syncWorkflowId } from '../../workflows/ids.js';
import { syncSignals } from '../../workflows/sync-signals.js';
import { historyToFixture } from '../support/histories.js';
import { image } from '../support/media-files.js';
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
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-record-'));
  config = loadConfig({ DATABASE_URL: inject('databaseUrl'), CASTSYNC_MASTER_KEYS: `test:${newMasterKey()}`, CASTSYNC_PLATFORM_URL_ETALENTA: sim.url, CASTSYNC_DATA_DIR: dataDir });
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

it('records a media sync: an upload, a delete, the idle end', async () => {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  sim.addAccount(apiKey);
  const user = await db.user.create({ data: { email: `record-${randomBytes(6).toString('hex')}@example.test`, name: 'Replay Actor', apiTokenHash: hashApiToken(newApiToken()) } });
  await db.platformConnection.create({ data: { userId: user.id, platformId: 'etalenta', ...sealCredentials(config, user.id, 'etalenta', { apiKey }) } });
  const stored = await new LocalDiskStorage(config.mediaDir).put(Readable.from(await image(1200, 1600)));
  const photo = await db.media.create({
    data: { userId: user.id, type: 'photo', contentHash: stored.key, storageKey: stored.key, originalName: 'a.jpg', mimeType: 'image/jpeg', bytes: stored.bytes, width: 1200, height: 1600, isMain: true },
  });
  const input = { userId: user.id, coalesceMs: 0 };
  const signal = (request: object) =>
    env.client.workflow.signalWithStart('mediaSyncWorkflow', {
      workflowId: syncWorkflowId('media', user.id),
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [input],
      signal: syncSignals.media.requested,
      signalArgs: [request],
    });

  const handle = await signal({ requestId: 'record-1' });
  await until(() => sim.media(apiKey).length === 1, 'the upload');
  await db.media.update({ where: { id: photo.id }, data: { deletedAt: new Date(), isMain: false, version: { increment: 1 } } });
  await signal({ requestId: 'record-2' });
  await until(() => sim.media(apiKey).length === 0, 'the delete');
  await env.sleep(2 * 60 * MINUTE); // idle: the run completes
  await env.client.workflow.getHandle(handle.workflowId).result();

  const history = historyToFixture(await env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId).fetchHistory());
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'media-sync-before-work-timeouts.json'), history);
});

// A sync round's first step (the listTargets local activity) outlives a workflow task when the database is slow:
// the SDK heartbeats the task and records the local activity's marker in a later task than the round began in. A
// worker that takes such a workflow over (after a restart, or with its cache evicted) replays that history and
// the next change still reaches the platform, with no failed workflow task. (The SDK's patched() is replayed wrongly
// when the marker and the call land in different tasks, a race this test cannot force; runs started now record no
// patch marker at all, see SYNC_LOOP_FEATURES and availability-sync.test.ts.) Own dev server, so no other test
// file's worker takes these workflow tasks.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { sealCredentials } from '../activities/credential-store.js';
import { createCoreActivities, createPlatformActivities } from '../activities/index.js';
import { platformTaskQueue, WORKFLOW_TASK_QUEUE, availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import { loadConfig, type Config } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';
import { parseDay } from '../lib/days.js';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { newMasterKey } from '../lib/secrets.js';
import { requestSync } from '../lib/sync-requests.js';
import { startDevServer, type DevServer } from '../lib/temporal-server.js';
import { RestPlatformSimulator } from '../simulators/etalenta/server.js';
import { waitFor } from './support/stack-core.js';

/** Past 80 % of the 10 s workflow task timeout: the SDK heartbeats the task while the local activity runs. */
const SLOW_MS = 9_500;
let server: DevServer;
let db: Db;
let sim: RestPlatformSimulator;
let config: Config;
let client: Client;
let connection: Connection;
let nativeConnection: NativeConnection;
let slow = false;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  server = await startDevServer({ uiPort: null });
  sim = new RestPlatformSimulator();
  await sim.start();
  db = createDb(inject('databaseUrl'));
  config = loadConfig({ DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: server.address, CASTSYNC_MASTER_KEYS: `slow:${newMasterKey()}`, CASTSYNC_PLATFORM_URL_ETALENTA: sim.url });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, dataConverter: temporalDataConverter(config) });
  nativeConnection = await NativeConnection.connect({ address: server.address });
});

afterAll(async () => {
  await nativeConnection?.close();
  await connection?.close();
  await server?.stop();
  await sim?.stop();
  await db?.$disconnect();
});

/** A workflow and a platform worker with an empty workflow cache: whatever they take over, they replay. */
async function startWorkers() {
  const deps = { db, config, temporal: client };
  const core = createCoreActivities(deps);
  const common = { connection: nativeConnection, dataConverter: temporalDataConverter(config) };
  const workers = [
    await Worker.create({
      ...common,
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: {
        ...core,
        // The database answering slowly, as when it is overloaded or failing over.
        listAvailabilitySyncTargets: async (query: Parameters<typeof core.listAvailabilitySyncTargets>[0]) => {
          if (slow) await new Promise((r) => setTimeout(r, SLOW_MS));
          return core.listAvailabilitySyncTargets(query);
        },
      },
    }),
    await Worker.create({ ...common, taskQueue: platformTaskQueue('etalenta'), activities: createPlatformActivities(deps) }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    async stop() {
      for (const w of workers) w.shutdown();
      await running;
    },
  };
}

it('replays a round whose local activity outlived its workflow task, and the next change still reaches the platform', { timeout: 120_000 }, async () => {
  const user = await db.user.create({ data: { email: `slow-${randomBytes(6).toString('hex')}@example.test`, name: 'Slow' } });
  const apiKey = `key_${randomBytes(8).toString('hex')}`;
  sim.addAccount(apiKey);
  await db.platformConnection.create({ data: { userId: user.id, platformId: 'etalenta', ...sealCredentials(config, user.id, 'etalenta', { apiKey }) } });
  const entry = (day: string) => db.availability.create({ data: { userId: user.id, startDate: parseDay(day)!, endDate: parseDay(day)!, status: 'unavailable', type: 'block' } });
  const onPlatform = (id: string) => waitFor(() => sim.calendar(apiKey).some((e) => e.clientRef === id), { what: `${id} on e-TALENTA`, timeoutMs: 60_000 });

  const first = await startWorkers();
  slow = true;
  const a = await entry('2029-06-01');
  await requestSync(client, config, 'availability', user.id, {});
  await onPlatform(a.id);
  slow = false;
  await first.stop();

  const second = await startWorkers();
  try {
    const b = await entry('2029-06-02');
    await requestSync(client, config, 'availability', user.id, {});
    await onPlatform(b.id);
  } finally {
    await second.stop();
  }
  const events = (await client.workflow.getHandle(availabilitySyncWorkflowId(user.id)).fetchHistory()).events ?? [];
  expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
  // The first round's local activity did outlive its task: a task completed (the SDK's heartbeat) before its marker.
  const firstMarker = events.findIndex((e) => e.markerRecordedEventAttributes);
  expect(events.slice(0, firstMarker).filter((e) => e.workflowTaskCompletedEventAttributes).length).toBeGreaterThanOrEqual(2);
});

// Starts the Temporal workers: one for workflows (with the database-only local activities), one for the destination
// calendars' pushes, and one activity worker per platform task queue, rate-limited by the platform catalog. SIGINT/SIGTERM drain them gracefully.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createCalendarDestinationWorkerActivities, createCoreActivities, createPlatformActivities } from './activities/index.js';
import { CALENDAR_DESTINATION_TASK_QUEUE, platformTaskQueue, WORKFLOW_TASK_QUEUE } from './workflows/plumbing.js';
import { platformCatalog, type PlatformEntry } from './adapters/catalog.js';
import { closeBrowser } from './adapters/browser/browser-pool.js';
import { closeSmtpPools } from './adapters/email/smtp-pool.js';
import { removeLeftoverUploads } from './adapters/browser/upload-file.js';
import { hasAdapter } from './adapters/registry.js';
import { platformsWorkableHere } from './lib/chromium.js';
import { loadConfigOrExit, platformDispatch, type Config } from './lib/config.js';
import { createDb, type Db } from './lib/db.js';
import { releaseUnneededOriginals } from './lib/media-originals.js';
import { LocalDiskStorage } from './lib/media-storage.js';
import { startMetricsServer } from './lib/metrics.js';
import { temporalDataConverter } from './lib/payload-codec.js';
import { temporalConnectionOptions } from './lib/temporal-client.js';
import { startTracing } from './lib/tracing.js';
import { installSdkLogging, sdkLogLevel } from './lib/temporal-logging.js';

export interface WorkerSetOptions {
  config: Config;
  db: Db;
  /** A prebuilt bundle (tests build it once); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Only these platforms get activity workers (default: every enabled platform with an adapter). */
  platformIds?: string[];
}

export interface WorkerSet {
  workers: Worker[];
  connection: NativeConnection;
  clientConnection: Connection;
  /** The worker's /metrics, when CASTSYNC_WORKER_METRICS_PORT is set. */
  metricsUrl: string | null;
  /** The worker's /health (200 while every worker polls, 503 otherwise), when CASTSYNC_WORKER_METRICS_PORT is set. */
  healthUrl: string | null;
  /** Resolves when every worker has stopped. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createWorkers({ config, db, workflowBundle, platformIds }: WorkerSetOptions): Promise<WorkerSet> {
  await removeLeftovers(config, db);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const namespace = config.temporalNamespace;
  const dataConverter = temporalDataConverter(config);
  const tracing = startTracing(config, 'castsync-worker');
  const plugins = tracing.plugins;
  // Activities that start or signal workflows (a pull that imported a booking, an option released) use a client.
  const clientConnection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({ connection: clientConnection, namespace, dataConverter, plugins });
  const deps = { db, config, temporal };
  const platformActivities = createPlatformActivities(deps);
  const platforms = platformsWorkableHere(
    config,
    Object.values(platformCatalog as Record<string, PlatformEntry>).filter(
      (p) => hasAdapter(p.kind) && config.enabledPlatforms.includes(p.id) && (!platformIds || platformIds.includes(p.id)),
    ),
  );

  const workers = [
    await Worker.create({
      connection,
      namespace,
      taskQueue: WORKFLOW_TASK_QUEUE,
      dataConverter,
      plugins,
      ...(workflowBundle ? { workflowBundle } : workflowCode()),
      activities: createCoreActivities(deps),
    }),
    // The user's own calendar servers: no platform's limits; a few at a time per worker process.
    await Worker.create({
      connection,
      namespace,
      taskQueue: CALENDAR_DESTINATION_TASK_QUEUE,
      dataConverter,
      plugins,
      activities: createCalendarDestinationWorkerActivities(deps),
      maxConcurrentActivityTaskExecutions: 10,
    }),
    ...(await Promise.all(
      platforms.map((platform) => {
        const dispatch = platformDispatch(config, platform);
        return Worker.create({
          connection,
          namespace,
          taskQueue: platformTaskQueue(platform.id),
          dataConverter,
          plugins,
          activities: platformActivities,
          maxTaskQueueActivitiesPerSecond: dispatch.activitiesPerSecond,
          maxConcurrentActivityTaskExecutions: dispatch.maxConcurrent,
        });
      }),
    )),
  ];

  const healthy = () => workers.every((worker) => worker.getState() === 'RUNNING');
  const metrics = config.workerMetricsPort === null ? null : await startMetricsServer(config.workerMetricsPort, config.apiHost, healthy);
  let running: Promise<void> | undefined;
  return {
    workers,
    connection,
    clientConnection,
    metricsUrl: metrics?.url ?? null,
    healthUrl: metrics?.healthUrl ?? null,
    run() {
      running ??= Promise.all(workers.map((w) => w.run())).then(() => undefined);
      return running;
    },
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await metrics?.close();
      await closeBrowser();
      closeSmtpPools();
      await tracing.shutdown();
      await clientConnection.close();
      await connection.close();
    },
  };
}

/**
 * Where the workflow code comes from when no bundle is passed. From the build (dist/worker.js), the bundle that
 * `npm run build` wrote next to it: no webpack run at start. From the TypeScript sources (tsx), always a fresh bundle
 * of workflows/index.ts, so a developer never runs a stale build's workflows.
 */
export function workflowCode(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const here = fileURLToPath(import.meta.url);
  const fromSources = here.endsWith('.ts');
  const bundle = path.join(path.dirname(here), 'workflow-bundle.js');
  if (!fromSources && existsSync(bundle)) {
    console.log(`worker: workflow code from the prebuilt bundle ${path.relative(process.cwd(), bundle) || bundle}`);
    return { workflowBundle: { codePath: bundle } };
  }
  const workflowsPath = path.join(path.dirname(here), 'workflows', fromSources ? 'index.ts' : 'index.js');
  if (fromSources) console.log('worker: bundling the workflow code from workflows/index.ts at start (development)');
  else console.warn(`worker: no prebuilt workflow bundle at ${bundle} (run npm run build); bundling ${workflowsPath} at start`);
  return { workflowsPath };
}

/**
 * What a killed worker could not clean up: its upload folders (hard links that keep deleted files' bytes on disk),
 * and originals of deleted media that its interrupted pushes held back. Trouble here is logged, never fatal.
 */
async function removeLeftovers(config: Config, db: Db) {
  const pids = await removeLeftoverUploads().catch((error: unknown) => {
    console.warn(`worker: could not remove leftover upload folders: ${String(error)}`);
    return [];
  });
  if (pids.length) console.log(`worker: removed the upload folders of stopped workers (pids ${pids.join(', ')})`);
  await releaseUnneededOriginals(db, new LocalDiskStorage(config.mediaDir)).catch((error: unknown) => {
    console.warn(`worker: could not remove released media originals: ${String(error)}`);
  });
}

async function main() {
  const config = loadConfigOrExit();
  installSdkLogging(sdkLogLevel(config.logLevel), { metricsAddress: config.temporalMetricsAddress });
  const db = createDb(config.databaseUrl);
  const set = await createWorkers({ config, db });
  // The SDK's runtime shuts the workers down on SIGINT/SIGTERM; run() resolves once they have drained.
  const running = set.run(); // every worker polls from here on
  console.log(`worker: polling ${set.workers.length} task queues on ${config.temporalAddress}`);
  if (set.metricsUrl) console.log(`worker: metrics at ${set.metricsUrl}, health at ${set.healthUrl}`);
  await running;
  await set.shutdown(); // the workers have drained; this closes /metrics, the browser and the connections
  await db.$disconnect();
  console.log('worker: stopped');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

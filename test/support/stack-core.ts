// The real stack as one test file (or a benchmark) sees it: its own workers and simulators against the shared Temporal server and
// database, the gateway (driven through Fastify's inject, the full request pipeline), and helpers to make users.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { buildApp } from '../../api/app.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { createDb, type Db } from '../../lib/db.js';
import { temporalDataConverter } from '../../lib/payload-codec.js';
import { temporalConnectionOptions } from '../../lib/temporal-client.js';
import { getPlatform } from '../../adapters/catalog.js';
import { syncStateQuery } from '../../workflows/availability-sync.js';
import { availabilitySyncWorkflowId } from '../../workflows/plumbing.js';
import type { AuthData } from '../../adapters/types.js';
import { newMasterKey } from '../../lib/secrets.js';
import { createUser } from '../../lib/accounts.js';
import { saveConnection } from '../../lib/connections.js';
import { apiMediaRulesOf } from '../../simulators/api-media.js';
import { RestPlatformSimulator } from '../../simulators/etalenta/server.js';
import { portalOptionsFromCatalog } from '../../simulators/portal/catalog-options.js';
import { PortalSimulator } from '../../simulators/portal/server.js';
import { simulatorOAuthClientEnv } from '../../simulators/main.js';
import { createWorkers, type WorkerSet } from '../../worker.js';

let runtimeInstalled = false;
export function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
}

export interface Stack {
  config: Config;
  /** The environment the stack's config was read from, for a worker started as a separate process. */
  env: Record<string, string>;
  db: Db;
  temporal: Client;
  app: Awaited<ReturnType<typeof buildApp>>;
  simulators: Record<string, RestPlatformSimulator>;
  /** Portal simulators by platform id (options.portalPlatforms), set up from their catalog entries. */
  portals: Record<string, PortalSimulator>;
  workers: WorkerSet | null;
  startWorkers(): Promise<WorkerSet>;
  stopWorkers(): Promise<void>;
  /** A user with a token, connected to the given REST platforms' simulators (default: all of restPlatforms). */
  createUser(options?: { platforms?: string[] }): Promise<TestUser>;
  /** Waits until the outbox relay has delivered every row of the user (or of everyone). */
  outboxDelivered(userId?: string): Promise<void>;
  /**
   * Waits until nothing more is coming for one of the user's availability targets: the outbox delivered, no attempt
   * open, and the sync workflow neither pushing to it nor holding another push for it. A test that changes a
   * platform or calendar behind castsync's back does it only then, so a late push cannot meet the change first.
   */
  availabilitySettled(userId: string, platformId: string): Promise<void>;
  /**
   * Stores a connection with sealed credentials as connect does (lib/connections.ts saveConnection), without the
   * credential check, the audit record or the outbox messages: the test decides what runs.
   */
  connect(userId: string, platformId: string, credentials: AuthData, extra?: { accountRef?: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface TestUser {
  id: string;
  token: string;
  /** platform id -> the API key its simulator account was given */
  apiKeys: Record<string, string>;
  auth: { authorization: string };
}

export interface StackOptions {
  /** REST platforms to run a simulator for (each gets CASTSYNC_PLATFORM_URL_<ID>); default e-TALENTA. */
  restPlatforms?: string[];
  /** Browser platforms to run a portal simulator for, with the catalog's upload rules (each gets CASTSYNC_PLATFORM_URL_<ID>). */
  portalPlatforms?: string[];
  /** Platforms that get activity workers; default: restPlatforms. */
  workerPlatforms?: string[];
  /** Start the workers in beforeAll (default true). */
  workers?: boolean;
  /** Extra environment for the config, e.g. URLs of simulators a test started itself. */
  env?: Record<string, string>;
  /** Account quotas the REST simulators enforce with 429s, by platform id (default: none). */
  simulatorQuotas?: Record<string, { requests: number; perSeconds: number }>;
}

/** The shared real parts (the suite's global setup provides them; a benchmark passes its own). */
export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  /** A prebuilt workflow bundle, or undefined to let the worker bundle workflows/ itself. */
  workflowBundlePath?: string;
  /** CASTSYNC_PAYLOAD_KEYS shared by every stack on this Temporal server (default: derived from the stack's master key). */
  payloadKeys?: string;
}

export async function buildStack(options: StackOptions, infra: Infrastructure): Promise<Stack> {
  quietRuntime();
  const restPlatforms = options.restPlatforms ?? ['etalenta'];
  const workerPlatforms = options.workerPlatforms ?? restPlatforms;
  const simulators: Record<string, RestPlatformSimulator> = {};
  for (const id of restPlatforms) {
    simulators[id] = new RestPlatformSimulator({ name: id, media: apiMediaRulesOf(getPlatform(id)), quota: options.simulatorQuotas?.[id] });
    await simulators[id].start();
  }
  const portals: Record<string, PortalSimulator> = {};
  for (const id of options.portalPlatforms ?? []) {
    portals[id] = new PortalSimulator(portalOptionsFromCatalog(getPlatform(id)));
    await portals[id].start();
  }
  const env: Record<string, string> = {
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    CASTSYNC_MASTER_KEYS: `test:${newMasterKey()}`,
    LOG_LEVEL: 'warn',
    CASTSYNC_RATE_LIMIT: 'off', // tests send many requests at once; test/rate-limits.test.ts turns the limits on
    ...(infra.payloadKeys ? { CASTSYNC_PAYLOAD_KEYS: infra.payloadKeys } : {}),
    ...Object.fromEntries(restPlatforms.map((id) => [`CASTSYNC_PLATFORM_URL_${id.toUpperCase().replace(/-/g, '_')}`, simulators[id]!.url])),
    ...Object.fromEntries(Object.entries(portals).map(([id, portal]) => [`CASTSYNC_PLATFORM_URL_${id.toUpperCase().replace(/-/g, '_')}`, portal.url])),
    ...simulatorOAuthClientEnv(),
    ...options.env,
  };
  const config = loadConfig(env);
  const db = createDb(config.databaseUrl);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.temporalNamespace, dataConverter: temporalDataConverter(config) });
  const app = await buildApp({ config, db, temporal, logger: false });

  const stack: Stack = {
    config,
    env,
    db,
    temporal,
    app,
    simulators,
    portals,
    workers: null,
    async startWorkers() {
      const workflowBundle = infra.workflowBundlePath ? { codePath: infra.workflowBundlePath } : undefined;
      const set = await createWorkers({ config, db, workflowBundle, platformIds: workerPlatforms });
      void set.run();
      stack.workers = set;
      return set;
    },
    async stopWorkers() {
      await stack.workers?.shutdown();
      stack.workers = null;
    },
    async createUser({ platforms = restPlatforms } = {}) {
      const { userId, token: issued } = await createUser(db, { email: `actor-${randomBytes(6).toString('hex')}@example.test`, name: 'Test Actor' });
      const user = { id: userId };
      const token = issued.token;
      const apiKeys: Record<string, string> = {};
      for (const platformId of platforms) {
        const apiKey = `key_${randomBytes(12).toString('hex')}`;
        apiKeys[platformId] = apiKey;
        simulators[platformId]!.addAccount(apiKey);
        await stack.connect(user.id, platformId, { apiKey });
      }
      return { id: user.id, token, apiKeys, auth: { authorization: `Bearer ${token}` } };
    },
    async outboxDelivered(userId) {
      await waitFor(async () => (await db.outboxMessage.count({ where: { deliveredAt: null, ...(userId ? { userId } : {}) } })) === 0, { what: 'the outbox delivered' });
    },
    async availabilitySettled(userId, platformId) {
      await stack.outboxDelivered(userId);
      await waitFor(async () => {
        if ((await db.syncLog.count({ where: { userId, platformId, status: 'pending' } })) > 0) return false;
        const view = await stack.temporal.workflow.getHandle(availabilitySyncWorkflowId(userId)).query(syncStateQuery);
        const platform = view.platforms.find((p) => p.platformId === platformId);
        return !platform || (platform.state !== 'syncing' && !platform.queued);
      }, { what: `the pushes to ${platformId} to settle` });
    },
    async connect(userId, platformId, credentials, extra = {}) {
      await saveConnection(db, config, { userId, platformId, credentials, accountRef: extra.accountRef ?? null });
    },
    async stop() {
      await stack.stopWorkers();
      await app.close();
      await connection.close();
      await db.$disconnect();
      await Promise.all(Object.values(simulators).map((s) => s.stop()));
      await Promise.all(Object.values(portals).map((p) => p.stop()));
    },
  };
  if (options.workers !== false) await stack.startWorkers();
  return stack;
}

/** Polls `probe` until it returns a truthy value (which it returns) or the time is up. */
export async function waitFor<T>(probe: () => Promise<T> | T, { timeoutMs = 30_000, intervalMs = 50, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

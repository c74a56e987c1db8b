// Starts the real parts the suite needs, once: a Temporal dev server on free ports (the CLI provisioned by
// lib/temporal-server.ts), a PostgreSQL database created for this run with every migration applied, and the
// workflow bundle that each test's workers load.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { writeWorkflowBundle } from '../../scripts/build.js';
import { applyMigrations } from '../../scripts/db-migrate.js';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../../lib/databases.js';
import { newMasterKey } from '../../lib/secrets.js';
import { startDevServer } from '../../lib/temporal-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
    payloadKeys: string;
  }
}

const serverDatabaseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export default async function setup(project: TestProject) {
  const started = Date.now();
  const databaseUrl = siblingDatabaseUrl(serverDatabaseUrl, 'castsync_test');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'castsync-test-'));
  const [server] = await Promise.all([
    startDevServer({ uiPort: null }),
    createDatabase(databaseUrl).then(() => applyMigrations(databaseUrl)),
    writeWorkflowBundle(path.join(tmp, 'workflow-bundle.js')),
  ]);
  project.provide('temporalAddress', server.address);
  project.provide('databaseUrl', databaseUrl);
  project.provide('workflowBundlePath', path.join(tmp, 'workflow-bundle.js'));
  // One payload key for the run: a workflow a finished test file left running is then still readable by the next
  // file's workers (as in production, where every process shares the keys), instead of failing to decode.
  project.provide('payloadKeys', `test:${newMasterKey()}`);
  console.log(`test stack: Temporal ${server.address}, database ${new URL(databaseUrl).pathname.slice(1)} (${Date.now() - started} ms)`);

  return async () => {
    await server.stop();
    await dropDatabase(databaseUrl);
    await rm(tmp, { recursive: true, force: true });
  };
}

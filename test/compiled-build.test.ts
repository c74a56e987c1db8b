// The runtime image without Docker: what the Dockerfile's runtime stage copies (package.json, package-lock.json,
// dist/, prisma/, bin/) in a folder of its own, `npm ci --omit=dev --ignore-scripts` there, and every process run
// with `node dist/...`: no tsx, no TypeScript, no dev dependency within reach. The test builds into that folder
// itself (scripts/build.ts --out-dir), so it never tests a stale dist/ of the checkout.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { startMetricsServer } from '../lib/metrics.js';
import { projectRoot } from '../lib/paths.js';
import { newMasterKey } from '../lib/secrets.js';
import { workflowCode } from '../worker.js';
import { searchAttributeDefinitions } from '../workflows/search-attributes.js';
import { ensureTemporalCli, freePort, stopChild } from '../lib/temporal-server.js';
import { waitFor } from './support/stack-core.js';

interface Finished {
  code: number | null;
  output: string;
}

/** Runs node with `args` in `cwd` to the end; stdout and stderr together. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(command, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

interface Running {
  child: ChildProcess;
  output(): string;
}

function start(args: string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** npm as the running Node ships it (next to the binary), else whatever npm is on PATH. */
function npmCommand(): { command: string; prefix: string[] } {
  const cli = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  return existsSync(cli) ? { command: process.execPath, prefix: [cli] } : { command: 'npm', prefix: [] };
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

// Its own namespace: the suite's other workers poll the same task queue names on the shared dev server. It needs
// castsync's search attributes, which the dev server registers on the default namespace only.
const NAMESPACE = 'castsync-compiled-build';

async function registerNamespace(address: string) {
  const cli = (args: string[]) => run(ensureTemporalCli(), ['operator', ...args, '--address', address], { cwd: projectRoot, env: process.env });
  const created = await cli(['namespace', 'create', '--namespace', NAMESPACE]);
  if (created.code !== 0 && !created.output.includes('already')) throw new Error(created.output);
  // A namespace just created may take a moment to be known everywhere in the server: retry until it is.
  for (const { name, type } of searchAttributeDefinitions) {
    await waitFor(async () => (await cli(['search-attribute', 'create', '--namespace', NAMESPACE, '--name', name, '--type', type])).code === 0, {
      intervalMs: 500,
      what: `search attribute ${name}`,
    });
  }
}

let image: string;
let databaseUrl: string;
let env: NodeJS.ProcessEnv;
const started: ChildProcess[] = [];

beforeAll(async () => {
  image = await mkdtemp(path.join(os.tmpdir(), 'castsync-image-'));
  const built = await run(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--out-dir', path.join(image, 'dist')], { cwd: projectRoot, env: process.env });
  if (built.code !== 0) throw new Error(`npm run build failed:\n${built.output}`);
  for (const item of ['package.json', 'package-lock.json', 'prisma/schema.prisma', 'prisma/migrations', 'bin']) {
    await cp(path.join(projectRoot, item), path.join(image, item), { recursive: true });
  }
  const npm = npmCommand();
  const installed = await run(npm.command, [...npm.prefix, 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: image, env: process.env });
  if (installed.code !== 0) throw new Error(`npm ci --omit=dev failed:\n${installed.output}`);

  databaseUrl = siblingDatabaseUrl(inject('databaseUrl'), 'castsync_image');
  await createDatabase(databaseUrl);
  await registerNamespace(inject('temporalAddress'));
  // Only what the processes need: no NODE_OPTIONS or loader of the test process leaks into them.
  env = {
    PATH: process.env.PATH,
    HOME: image,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: NAMESPACE,
    CASTSYNC_MASTER_KEYS: `test:${newMasterKey()}`,
    LOG_LEVEL: 'warn',
  };
  const migrated = await run(process.execPath, ['dist/scripts/db-migrate.js', 'deploy'], { cwd: image, env });
  expect(migrated.output).toContain('applied: ');
  expect(migrated.code).toBe(0);
}, 600_000);

afterAll(async () => {
  await Promise.all(started.map((child) => stopChild(child)));
  try {
    if (databaseUrl) await dropDatabase(databaseUrl);
  } finally {
    if (image) await rm(image, { recursive: true, force: true }); // the folder holds a whole node_modules
  }
});

function startNode(args: string[], extraEnv: Record<string, string> = {}): Running {
  const running = start(args, image, { ...env, ...extraEnv });
  started.push(running.child);
  return running;
}

describe('the compiled build with production dependencies only', () => {
  it('holds JavaScript only, and neither tsx nor the test tools are installed', async () => {
    const files = await filesUnder(path.join(image, 'dist'));
    expect(files.filter((f) => /\.(?:ts|mts|cts)$/.test(f))).toEqual([]);
    for (const entry of ['api/main.js', 'worker.js', 'relay.js', 'scripts/db-migrate.js', 'scripts/castsync.js', 'scripts/healthcheck.js', 'simulators/main.js', 'workflow-bundle.js']) {
      expect(files).toContain(path.join(image, 'dist', entry));
    }
    for (const dev of ['tsx', 'vitest', 'eslint', 'fast-check', '@temporalio/testing']) {
      expect(existsSync(path.join(image, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('finds nothing left to migrate on a second run of the migration runner', async () => {
    const again = await run(process.execPath, ['dist/scripts/db-migrate.js', 'deploy'], { cwd: image, env });
    expect(again).toEqual({ code: 0, output: 'database is up to date\n' });
  });

  it('manages accounts with the castsync command, which runs the build where there are no sources', async () => {
    const created = await run(process.execPath, ['bin/castsync.js', 'user', 'create', '--email', 'ada@example.com', '--name', 'Ada'], { cwd: image, env });
    expect(created).toMatchObject({ code: 0, output: expect.stringContaining('(ada@example.com) created') });
    const listed = await run(process.execPath, ['dist/scripts/castsync.js', 'user', 'list'], { cwd: image, env });
    expect(listed).toMatchObject({ code: 0, output: expect.stringContaining('ada@example.com') });
    const refused = await run(process.execPath, ['bin/castsync.js', 'user', 'frobnicate'], { cwd: image, env });
    expect(refused).toMatchObject({ code: 2, output: expect.stringContaining('frobnicate') });
  });

  it('serves the API, its dashboard files and its /health; the healthcheck script reports both answers', async () => {
    const port = await freePort();
    const api = startNode(['dist/api/main.js'], { API_PORT: String(port) });
    const health = `http://127.0.0.1:${port}/health`;
    await waitFor(() => fetch(health).then((r) => r.status === 200, () => api.child.exitCode !== null), { timeoutMs: 60_000, what: 'the API' });
    expect(api.child.exitCode, api.output()).toBeNull();
    const page = await fetch(`http://127.0.0.1:${port}/app/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');

    expect(await run(process.execPath, ['dist/scripts/healthcheck.js', health], { cwd: image, env })).toMatchObject({ code: 0 });
    await stopChild(api.child);
    const down = await run(process.execPath, ['dist/scripts/healthcheck.js', health], { cwd: image, env });
    expect(down.code).toBe(1);
  });

  it('starts the worker on the prebuilt workflow bundle, runs a workflow from it, and answers /health while it polls', async () => {
    const [apiPort, healthPort] = [await freePort(), await freePort()];
    const api = startNode(['dist/api/main.js'], { API_PORT: String(apiPort) });
    const worker = startNode(['dist/worker.js'], { CASTSYNC_WORKER_METRICS_PORT: String(healthPort) });
    await waitFor(() => worker.output().includes('worker: polling') || worker.child.exitCode !== null, { timeoutMs: 120_000, what: 'the worker to poll' });
    expect(worker.output()).toMatch(/worker: workflow code from the prebuilt bundle .*workflow-bundle\.js/);
    expect(worker.output()).not.toContain('bundling');
    await waitFor(() => worker.output().includes('health at'), { what: 'the health URL' });
    const health = `http://127.0.0.1:${healthPort}/health`;
    expect(await run(process.execPath, ['dist/scripts/healthcheck.js', health], { cwd: image, env })).toMatchObject({ code: 0 });

    // A change through the API: the relay signals the user's workflow, which only the bundle's code can run.
    const created = await run(process.execPath, ['dist/scripts/castsync.js', 'user', 'create', '--email', 'grace@example.com', '--name', 'Grace'], { cwd: image, env });
    const token = /^ {2}(\S+)$/m.exec(created.output)?.[1];
    expect(token, created.output).toBeDefined();
    await waitFor(() => fetch(`http://127.0.0.1:${apiPort}/health`).then((r) => r.ok, () => false), { timeoutMs: 60_000, what: 'the API' });
    const change = await fetch(`http://127.0.0.1:${apiPort}/api/availability`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ startDate: '2030-03-02', endDate: '2030-03-02', status: 'unavailable', type: 'block' }),
    });
    expect(change.status).toBe(201);
    await waitFor(() => workflowTaskCompleted(inject('temporalAddress')), { timeoutMs: 60_000, what: 'a workflow task the worker completed' });

    await stopChild(worker.child);
    expect(worker.child.exitCode, worker.output()).toBe(0);
    expect(worker.output()).toContain('worker: stopped');
    expect((await run(process.execPath, ['dist/scripts/healthcheck.js', health], { cwd: image, env })).code).toBe(1);
    await stopChild(api.child);
  });

  it('bundles the compiled workflows at start, saying so, when the build lacks its bundle', async () => {
    await rm(path.join(image, 'dist', 'workflow-bundle.js'));
    const worker = startNode(['dist/worker.js']);
    await waitFor(() => worker.output().includes('worker: polling') || worker.child.exitCode !== null, { timeoutMs: 120_000, what: 'the worker to poll' });
    expect(worker.output()).toMatch(/worker: no prebuilt workflow bundle at .*workflow-bundle\.js \(run npm run build\); bundling .*index\.js at start/);
    expect(worker.output()).toContain('worker: polling');
    await stopChild(worker.child);
  });
});

describe('the worker from the TypeScript sources', () => {
  it('always bundles workflows/index.ts, never a build that may be older than the sources', () => {
    expect(workflowCode()).toEqual({ workflowsPath: path.join(projectRoot, 'workflows', 'index.ts') });
  });
});

/** Whether any workflow in the test's namespace has a workflow task completed by a worker. */
async function workflowTaskCompleted(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address });
  try {
    const { executions } = await connection.workflowService.listWorkflowExecutions({ namespace: NAMESPACE, pageSize: 10 });
    for (const execution of executions) {
      const { history } = await connection.workflowService.getWorkflowExecutionHistory({ namespace: NAMESPACE, execution: execution.execution });
      if (history?.events?.some((event) => event.workflowTaskCompletedEventAttributes)) return true;
    }
    return false;
  } finally {
    await connection.close();
  }
}

describe("the worker's /health", () => {
  it('answers 200 while every worker polls and 503 otherwise; /metrics stays where it was', async () => {
    let healthy = false;
    const server = await startMetricsServer(0, '127.0.0.1', () => healthy);
    try {
      const unhealthy = await fetch(server.healthUrl);
      expect(unhealthy.status).toBe(503);
      expect(await unhealthy.json()).toEqual({ status: 'unavailable' });
      healthy = true;
      const ok = await fetch(server.healthUrl);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'ok' });
      expect((await fetch(server.url)).status).toBe(200);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

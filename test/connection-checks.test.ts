// Connect-time credential checks run on a worker, on the platform's task queue: the gateway starts no browser (its
// CHROMIUM_PATH here is a trap that records any launch and fails it; only the worker has the machine's Chromium),
// the session the check's login left is the one the first push uses, nothing of the credentials is in the check's
// workflow history (decoded with the payload keys), a refusal is a 400 that stores nothing, and a platform no
// worker polls (once the pickup bound has passed) or a Temporal that does not answer gets 503, leaving nothing behind.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { buildApp } from '../api/app.js';
import { openCredentials } from '../activities/credential-store.js';
import { closeBrowser } from '../adapters/browser/browser-pool.js';
import { loadConfig } from '../lib/config.js';
import { sealCheckCredentials } from '../lib/connection-checks.js';
import { AesGcmPayloadCodec } from '../lib/payload-codec.js';
import { freePort } from '../lib/temporal-server.js';
import { createWorkers, type WorkerSet } from '../worker.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const REAL_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'check-password-7f3a9c';

let dataDir: string;
let launched: string;
let stack: Stack;
let workers: WorkerSet;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-connection-checks-'));
  // An executable, so the gateway's Chromium check passes; launching it records the launch and fails.
  const trap = path.join(dataDir, 'chromium-trap');
  launched = path.join(dataDir, 'launched');
  await writeFile(trap, `#!/bin/sh\necho "$@" >> '${launched}'\nexit 1\n`);
  await chmod(trap, 0o755);
  stack = await startStack({
    restPlatforms: ['agentur-connection'],
    portalPlatforms: ['filmmakers'],
    workers: false,
    env: { CHROMIUM_PATH: trap, CASTSYNC_DATA_DIR: dataDir },
  });
  // The worker is another machine's in production: here the same process with the real Chromium. No worker polls
  // agentur-connection's queue.
  workers = await createWorkers({
    config: loadConfig({ ...stack.env, CHROMIUM_PATH: REAL_CHROMIUM }),
    db: stack.db,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    platformIds: ['filmmakers'],
  });
  void workers.run();
});

afterAll(async () => {
  await workers?.shutdown();
  await stack?.stop();
  await closeBrowser();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function portalUser(): Promise<TestUser & { email: string }> {
  const user = await stack.createUser({ platforms: [] });
  const email = `actor-${randomBytes(4).toString('hex')}@portal.test`;
  stack.portals.filmmakers!.addAccount(email, PASSWORD);
  return { ...user, email };
}

const connect = (user: TestUser, platformId: string, payload: object) => stack.app.inject({ method: 'POST', url: `/api/platforms/${platformId}/connect`, headers: user.auth, payload });

/** Everything a connect could have written for this user. */
async function userRows(userId: string) {
  const { db } = stack;
  return {
    connections: await db.platformConnection.count({ where: { userId } }),
    checks: await db.connectionCheck.count({ where: { userId } }),
    outbox: await db.outboxMessage.count({ where: { userId } }),
    audit: await db.auditEvent.count({ where: { userId } }),
  };
}

async function checkRuns(): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of stack.temporal.workflow.list({ query: 'WorkflowType = "connectionCheckWorkflow"' })) runs.push(run);
  return runs;
}

/** The check runs that appear (in the visibility store) after `before`, once `count` of them are there. */
async function newCheckRuns(before: WorkflowExecutionInfo[], count: number): Promise<WorkflowExecutionInfo[]> {
  const known = new Set(before.map((r) => r.runId));
  return waitFor(async () => {
    const fresh = (await checkRuns()).filter((r) => !known.has(r.runId));
    return fresh.length >= count ? fresh : null;
  }, { what: `${count} new connection check run(s)` });
}

/** Every Payload in a history. */
function payloadsIn(value: unknown): Payload[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return [];
  if ('data' in value && 'metadata' in value && (value as Payload).data instanceof Uint8Array) return [value as Payload];
  return Object.values(value).flatMap(payloadsIn);
}

const asText = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));

/** A run's history as text, every payload decrypted with the deployment's keys: what an operator could read. */
async function decodedHistory(workflowId: string): Promise<string> {
  const plain = new Client({ connection: stack.temporal.connection, namespace: stack.config.temporalNamespace });
  const history = await plain.workflow.getHandle(workflowId).fetchHistory();
  const codec = new AesGcmPayloadCodec(stack.config.payloadKeys, stack.config.payloadActiveKeyId);
  const decoded = await codec.decode(payloadsIn(history.events));
  return [asText(history), ...decoded.map((p) => Buffer.from(p.data!).toString('utf8'))].join('\n');
}

describe('connecting a browser platform', () => {
  it('logs in on the worker, not in the gateway, and the first push uses the session that login left', async () => {
    await closeBrowser(); // no shared browser in this process: a launch by the gateway would have to start the trap
    const user = await portalUser();
    const before = await checkRuns();
    const res = await connect(user, 'filmmakers', { email: user.email, password: PASSWORD });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ platformId: 'filmmakers', connection: { connected: true, status: 'ok' } });
    expect(existsSync(launched)).toBe(false);
    const portal = stack.portals.filmmakers!;
    expect(portal.loginsOf(user.email)).toBe(1);

    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'filmmakers' } });
    expect(openCredentials(stack.config, user.id, 'filmmakers', row)).toMatchObject({ email: user.email, password: PASSWORD, sessionState: expect.anything() });
    expect(await stack.db.connectionCheck.count({ where: { userId: user.id } })).toBe(0);

    const entry = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2031-03-01', endDate: '2031-03-02', status: 'unavailable', type: 'block' } });
    expect(entry.statusCode, entry.body).toBe(201);
    await waitFor(() => portal.entries(user.email).length === 1, { what: 'the first push to reach the portal', timeoutMs: 60_000 });
    expect(portal.loginsOf(user.email)).toBe(1);
    expect(existsSync(launched)).toBe(false);

    // The check's run: its answer, and nothing of the credentials, even decrypted.
    const [run] = await newCheckRuns(before, 1);
    expect(run!.status.name).toBe('COMPLETED');
    expect(run!.taskQueue).toBe('castsync-workflows');
    const text = await decodedHistory(run!.workflowId);
    expect(text).toContain('platform-filmmakers'); // the activity's task queue, from the input: decoding worked
    expect(text).toContain('"accepted":true');
    for (const secret of [PASSWORD, user.email, user.id]) expect(text).not.toContain(secret);
  });

  it('refuses a wrong password with 400, stores nothing, and removes an expired check a dead gateway left', async () => {
    const user = await portalUser();
    const leftId = '00000000-0000-4000-8000-00000000c0de';
    await stack.db.connectionCheck.create({
      data: { id: leftId, userId: user.id, platformId: 'filmmakers', expiresAt: new Date(Date.now() - 1000), ...sealCheckCredentials(stack.config, leftId, { email: user.email, password: PASSWORD }) },
    });
    const before = await userRows(user.id);
    const runsBefore = await checkRuns();

    const res = await connect(user, 'filmmakers', { email: user.email, password: 'not the password' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('Filmmakers did not accept these credentials');
    expect(res.body).not.toContain('not the password');
    expect(await userRows(user.id)).toEqual({ ...before, checks: 0 });
    expect(before.checks).toBe(1);
    expect(existsSync(launched)).toBe(false);

    const [run] = await newCheckRuns(runsBefore, 1);
    const text = await decodedHistory(run!.workflowId);
    expect(text).toContain('"accepted":false');
    for (const secret of ['not the password', user.email]) expect(text).not.toContain(secret);
  });
});

describe('a check that cannot run', () => {
  it('answers 503 for a platform no worker polls once the pickup bound has passed, stores nothing, and ends the check run', async () => {
    // A gateway that waits 2 s for a worker to take a check (CASTSYNC_CONNECT_CHECK_PICKUP_MS).
    const app = await buildApp({ config: { ...stack.config, connectCheckPickupMs: 2000 }, db: stack.db, temporal: stack.temporal, logger: false });
    onTestFinished(() => app.close());
    const user = await stack.createUser({ platforms: [] });
    const apiKey = `key_${randomBytes(8).toString('hex')}`;
    stack.simulators['agentur-connection']!.addAccount(apiKey);
    const before = await userRows(user.id);
    const runsBefore = await checkRuns();

    const res = await app.inject({ method: 'POST', url: '/api/platforms/agentur-connection/connect', headers: user.auth, payload: { apiKey } });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toBe('Agentur Connection cannot be checked now: no castsync worker took the check within 2 s (none is running for it, or all are busy); try again later');
    expect(res.body).not.toContain(apiKey);
    expect(await userRows(user.id)).toEqual(before);

    const [run] = await newCheckRuns(runsBefore, 1);
    const ended = await waitFor(async () => {
      const described = await stack.temporal.workflow.getHandle(run!.workflowId).describe();
      return described.status.name === 'RUNNING' ? null : described;
    }, { what: 'the check run to end' });
    expect(ended.status.name).toBe('TERMINATED');
    expect(await decodedHistory(run!.workflowId)).not.toContain(apiKey);
  });

  it('answers 503 when Temporal does not answer, and stores nothing', async () => {
    const port = await freePort(); // nothing listens there
    const temporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }), namespace: stack.config.temporalNamespace });
    const app = await buildApp({ config: { ...stack.config, relayInProcess: false }, db: stack.db, temporal, logger: false });
    onTestFinished(async () => {
      await app.close();
      await temporal.connection.close();
    });
    const user = await stack.createUser({ platforms: [] });
    const apiKey = `key_${randomBytes(8).toString('hex')}`;
    stack.simulators['agentur-connection']!.addAccount(apiKey);
    const before = await userRows(user.id);

    const res = await app.inject({ method: 'POST', url: '/api/platforms/agentur-connection/connect', headers: user.auth, payload: { apiKey } });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toBe("Agentur Connection cannot be checked now: castsync's sync service does not answer; try again later");
    expect(await userRows(user.id)).toEqual(before);
  });
});

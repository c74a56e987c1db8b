// A worker process killed (SIGKILL) during a large upload leaves neither a lost nor a duplicated file on the
// platform: the platform stored the file but its answer never reached the worker; the next worker's attempt
// looks before it uploads, finds the file by its reference, and records it. A worker killed during a portal
// upload leaves its temporary upload folder (a hard link to the file) behind; the next worker removes it at start.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseMediaRef } from '../adapters/media-reference.js';
import { stopChild } from '../lib/temporal-server.js';
import { filesUnder, mp4, multipart } from './support/media-files.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { startWorkerProcess } from './support/worker-process.js';

let stack: Stack;
const children: ChildProcess[] = [];
beforeAll(async () => {
  stack = await startStack({ workers: false, portalPlatforms: ['schauspielervideos'] });
});
afterAll(async () => {
  await Promise.all(children.map((c) => stopChild(c)));
  await stack?.stop();
});

async function startWorker(env: Record<string, string> = {}): Promise<ChildProcess> {
  const { child } = await startWorkerProcess({ ...stack.env, ...env });
  children.push(child);
  return child;
}

it('finishes a large upload after its worker is killed, with exactly one file on the platform', async () => {
  const user = await stack.createUser();
  const sim = stack.simulators.etalenta!;
  const first = await startWorker();

  sim.faults = { answerDelayMs: 4000 };
  const reel = mp4(90, 12 * 1024 * 1024);
  const { payload, headers } = multipart({}, [{ fileName: 'showreel.mp4', content: reel }]);
  const res = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...headers }, payload });
  expect(res.statusCode, res.body).toBe(201);
  const mediaId = res.json().id as string;

  // The platform has stored the whole file, but its answer is still on the way: kill the worker now.
  await waitFor(() => sim.media(user.apiKeys.etalenta!).length === 1, { what: 'the upload to land', timeoutMs: 60_000 });
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  sim.faults = {};

  await startWorker();
  const rows = await waitFor(async () => {
    const all = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'sync_media' }, orderBy: { attempt: 'asc' } });
    return all.at(-1)?.status === 'success' ? all : null;
  }, { what: 'the retried attempt to succeed', timeoutMs: 90_000 });

  expect(rows.map((r) => [r.attempt, r.status, r.errorType])).toEqual([
    [1, 'failed', 'Interrupted'],
    [2, 'success', null],
  ]);
  expect(rows[1]!.itemsProcessed).toBe(0); // the retry found the file already there
  const onPlatform = sim.media(user.apiKeys.etalenta!);
  expect(onPlatform).toHaveLength(1);
  expect(parseMediaRef(onPlatform[0]!.reference)?.mediaId).toBe(mediaId);
  expect(sim.mediaContent(user.apiKeys.etalenta!, onPlatform[0]!.id)!.equals(reel)).toBe(true);
  const state = await stack.db.platformMediaState.findFirstOrThrow({ where: { mediaId, platformId: 'etalenta' } });
  expect(state).toMatchObject({ status: 'success', externalId: onPlatform[0]!.id });
});

it('removes the upload folder a worker killed during a portal upload left behind when the next worker starts', async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c))); // only this test's workers take its upload
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'castsync-worker-tmp-'));
  const portal = stack.portals.schauspielervideos!;
  try {
    const env = { TMPDIR: tmp };
    const uploads = path.join(tmp, 'castsync-uploads');
    const user = await stack.createUser({ platforms: [] });
    const email = `actor-${user.id.slice(0, 8)}@portal.test`;
    portal.addAccount(email, 'correct horse battery staple');
    await stack.connect(user.id, 'schauspielervideos', { email, password: 'correct horse battery staple' });
    const first = await startWorker(env);

    portal.faults = { slowMs: 3000 }; // every page a while: the upload's folder exists long enough to be seen
    const { payload, headers } = multipart({}, [{ fileName: 'reel.mp4', content: mp4(40, 2 * 1024 * 1024) }]);
    const res = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...headers }, payload });
    expect(res.statusCode, res.body).toBe(201);

    const own = path.join(uploads, String(first.pid));
    await waitFor(async () => (await filesUnder(own)).length > 0, { what: "the upload's temporary file", timeoutMs: 60_000 });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    portal.faults = {};
    expect((await filesUnder(own)).length).toBeGreaterThan(0); // a killed process cleans nothing up

    const second = await startWorker(env);
    expect(await readdir(uploads)).not.toContain(String(first.pid));
    // The new worker finishes the upload, and cleans its own folder up as it goes.
    await waitFor(() => portal.media(email).length === 1, { what: 'the video on the portal', timeoutMs: 90_000 });
    await waitFor(async () => (await filesUnder(path.join(uploads, String(second.pid)))).length === 0, { what: "the new worker's folder empty" });
  } finally {
    portal.faults = {};
    await rm(tmp, { recursive: true, force: true });
  }
});

// One media push attempt at a time, and a delete that does not pull the file from under a running push.
// A platform that answers so slowly that a push outruns its time limit: Temporal starts another attempt, the
// timed-out one hears it through its heartbeat and stops between items, the new one waits for it (push lease)
// and then looks before it uploads — so every photo is uploaded once. And a video deleted while a push is
// uploading: the push still has the file (the original is kept until no push needs it), succeeds, and the
// next push removes the video from the platform; then the stored original goes.
import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMediaPushPlanActivities } from '../activities/media-push-plan.js';
import { parseMediaRef } from '../adapters/media-reference.js';
import { LocalDiskStorage } from '../lib/media-storage.js';
import { image, mp4, multipart, type FilePart } from './support/media-files.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  // Small time limits: 2 s + 0.2 s per item + 1 s per MiB. Eight small photos get under 4 s, which a platform
  // answering 0.8 s late outruns; a 20 MiB video gets room enough.
  stack = await startStack({ env: { CASTSYNC_MEDIA_PUSH_BASE_MS: '2000', CASTSYNC_MEDIA_PUSH_ITEM_MS: '200', CASTSYNC_MEDIA_PUSH_BYTES_PER_SECOND: String(1024 * 1024) } });
});
afterAll(async () => {
  await stack?.stop();
});

async function upload(user: TestUser, file: FilePart) {
  const { payload, headers } = multipart({}, [file]);
  const res = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...headers }, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; contentHash: string };
}

/** A user whose changes do not push by themselves: the test starts the push by hand once the library is there. */
async function quietUser(): Promise<TestUser> {
  const user = await stack.createUser();
  await stack.db.platformConnection.update({ where: { userId_platformId: { userId: user.id, platformId: 'etalenta' } }, data: { autoSync: false } });
  return user;
}

async function pushNow(user: TestUser) {
  const res = await stack.app.inject({ method: 'POST', url: '/api/sync/media/etalenta', headers: user.auth });
  expect(res.statusCode, res.body).toBe(202);
}

/** Every live item recorded on the platform at its current version, and no attempt still running. */
async function settled(user: TestUser, timeoutMs: number) {
  return waitFor(async () => {
    const [pending, media] = await Promise.all([
      stack.db.syncLog.count({ where: { userId: user.id, status: 'pending' } }),
      stack.db.media.findMany({ where: { userId: user.id, deletedAt: null }, include: { platformStates: true } }),
    ]);
    return pending === 0 && media.every((m) => m.platformStates[0]?.syncedVersion === m.version && m.platformStates[0].status === 'success') ? media : null;
  }, { what: 'the media push to settle', timeoutMs });
}

const uploadsTo = (user: TestUser) => stack.simulators.etalenta!.requests.filter((r) => r.apiKey === user.apiKeys.etalenta && r.method === 'POST' && /^\/v1\/media(\?|$)/.test(r.path));

it('uploads every photo once to a platform slow enough to outrun the push time limit', async () => {
  const user = await quietUser();
  const sim = stack.simulators.etalenta!;
  const colours = ['#102030', '#203040', '#304050', '#405060', '#506070', '#607080', '#708090', '#8090a0'];
  const photos = [];
  for (const colour of colours) photos.push(await upload(user, { fileName: `${colour.slice(1)}.jpg`, content: await image(1200, 1600, 'jpeg', colour) }));

  sim.faults = { answerDelayMs: 800 };
  try {
    await pushNow(user);
    await settled(user, 120_000);
  } finally {
    sim.faults = {};
  }

  const onPlatform = sim.media(user.apiKeys.etalenta!);
  expect(onPlatform.map((i) => parseMediaRef(i.reference)?.mediaId).sort()).toEqual(photos.map((p) => p.id).sort());
  expect(uploadsTo(user)).toHaveLength(photos.length); // no photo was sent twice

  // Read once no attempt is running: on a loaded machine the round may still close with a last, empty attempt.
  const attempts = await waitFor(async () => {
    const rows = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'sync_media' }, orderBy: { startedAt: 'asc' } });
    return rows.every((row) => row.status !== 'pending') ? rows : null;
  }, { what: 'every media attempt finished' });
  expect(uploadsTo(user)).toHaveLength(photos.length); // and that last one sent nothing again
  // The push did outrun its limit: an attempt was stopped by Temporal, and it said so.
  expect(attempts.some((a) => a.status === 'failed' && a.errorType === 'Cancelled')).toBe(true);
  expect(attempts.at(-1)).toMatchObject({ status: 'success' });
  // One at a time: each attempt began after the one before had closed its row.
  for (let i = 1; i < attempts.length; i += 1) expect(attempts[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(attempts[i - 1]!.finishedAt!.getTime());
  // Stopping is not the platform's fault: the connection is not marked as failing.
  const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } });
  expect(connection.status).toBe('ok');
});

it('finishes a push during which a video it is uploading was deleted, and removes the original afterwards', async () => {
  const user = await quietUser();
  const sim = stack.simulators.etalenta!;
  const storage = new LocalDiskStorage(stack.config.mediaDir);
  const photo = await upload(user, { fileName: 'photo.jpg', content: await image(1200, 1600, 'jpeg', '#aa3344') });
  const reel = await upload(user, { fileName: 'reel.mp4', content: mp4(30, 20 * 1024 * 1024) });

  sim.faults = { answerDelayMs: 1000 };
  try {
    await pushNow(user);
    // The photo is there (its answer is a second late); the video, sent from the stored original, is next.
    await waitFor(() => sim.media(user.apiKeys.etalenta!).length === 1, { what: 'the photo on the platform' });
    const deleted = await stack.app.inject({ method: 'DELETE', url: `/api/media/${reel.id}`, headers: user.auth });
    expect(deleted.statusCode).toBe(204);
    // A push still needs it: the original stays for now.
    expect(await storage.exists(reel.contentHash)).toBe(true);
    await settled(user, 60_000);
  } finally {
    sim.faults = {};
  }

  const attempts = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'sync_media' }, orderBy: { startedAt: 'asc' } });
  expect(attempts.map((a) => [a.status, a.errorMessage])).toContainEqual(['success', null]);
  // No attempt failed, and none was cut off: the video's bytes gave the push time enough on this slow platform.
  expect(attempts.filter((a) => a.status === 'failed')).toEqual([]);
  // The delete's own push takes the video off the platform.
  await stack.app.inject({ method: 'POST', url: '/api/sync/media/etalenta', headers: user.auth });
  await waitFor(() => sim.media(user.apiKeys.etalenta!).every((i) => parseMediaRef(i.reference)?.mediaId === photo.id), { what: 'the video gone from the platform' });
  await waitFor(async () => !(await storage.exists(reel.contentHash)), { what: 'the released original removed' });
  const row = await stack.db.media.findUniqueOrThrow({ where: { id: reel.id } });
  expect(row.originalReleasedAt).toBeNull();
  await expect(stat(storage.pathOf(photo.contentHash))).resolves.toBeTruthy();
});

it('gives a media push time in proportion to its items and bytes', async () => {
  const user = await quietUser();
  const { planMediaPush } = createMediaPushPlanActivities(stack.db, stack.config);
  const empty = await planMediaPush({ userId: user.id, platformId: 'etalenta' });
  expect(empty).toMatchObject({ items: 0, bytes: 0, startToCloseTimeoutMs: 2000 });

  const photo = await image(1200, 1600, 'jpeg', '#335577');
  await upload(user, { fileName: 'a.jpg', content: photo });
  await upload(user, { fileName: 'reel.mp4', content: mp4(10, 4 * 1024 * 1024) });
  const plan = await planMediaPush({ userId: user.id, platformId: 'etalenta' });
  const bytes = photo.length + mp4(10, 4 * 1024 * 1024).length;
  expect(plan).toMatchObject({ items: 2, bytes, startToCloseTimeoutMs: Math.ceil(2000 + 2 * 200 + (bytes * 1000) / (1024 * 1024)) });
  // The REST kind's 30-minute retry window comes after room for one whole attempt.
  expect(plan.scheduleToCloseTimeoutMs).toBe(plan.startToCloseTimeoutMs + 30 * 60_000);
});

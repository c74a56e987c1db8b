// Media reaching the platforms through Temporal: the media sync workflow pushes the library to each connected
// platform that takes media — uploads (a variant made to the platform's rules), main photo, order, replacement
// after a new crop, removal after a delete — looks before it uploads, skips what a platform cannot take with a
// reason instead of retrying, and a scheduled pull reports drift (a file removed or added on the platform) as
// conflicts a person resolves.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../workflows/plumbing.js';
import { platformCatalog } from '../adapters/catalog.js';
import { parseMediaRef } from '../adapters/media-reference.js';
import type { ApiMediaItem } from '../simulators/api-media.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { apiMediaRulesOf } from '../simulators/api-media.js';
import { image, mp4, multipart, photoWithExif, tinyPdf, type FilePart } from './support/media-files.js';
import { grantTokens } from './support/oauth-grant.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const PORTALS = ['filmmakers', 'casting-network', 'schauspielervideos'];
let stack: Stack;
let wanted: OAuthPlatformSimulator;

beforeAll(async () => {
  wanted = new OAuthPlatformSimulator({ name: 'wanted', displayName: 'Wanted', media: apiMediaRulesOf(platformCatalog.wanted) });
  const wantedUrl = await wanted.start();
  stack = await startStack({
    restPlatforms: ['etalenta'],
    portalPlatforms: PORTALS,
    workerPlatforms: ['etalenta', 'wanted', ...PORTALS],
    env: { CASTSYNC_PLATFORM_URL_WANTED: wantedUrl },
  });
});
afterAll(async () => {
  await stack?.stop();
  await wanted?.stop();
});

async function upload(user: TestUser, file: FilePart, fields: Record<string, string> = {}) {
  const { payload, headers } = multipart(fields, [file]);
  const res = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...headers }, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; version: number };
}

async function patch(user: TestUser, id: string, payload: Record<string, unknown>) {
  const res = await stack.app.inject({ method: 'PATCH', url: `/api/media/${id}`, headers: user.auth, payload });
  expect(res.statusCode, res.body).toBe(200);
}

const etalentaMedia = (user: TestUser): ApiMediaItem[] => stack.simulators.etalenta!.media(user.apiKeys.etalenta!);
const refOf = (item: ApiMediaItem) => parseMediaRef(item.reference);

/** Waits until no media attempt is pending and the library's states on the platform settled at the current versions. */
async function settled(user: TestUser, platformId: string) {
  return waitFor(async () => {
    const [pending, media] = await Promise.all([
      stack.db.syncLog.count({ where: { userId: user.id, platformId, status: 'pending' } }),
      stack.db.media.findMany({ where: { userId: user.id, deletedAt: null }, include: { platformStates: { where: { platformId } } } }),
    ]);
    const inStep = media.every((m) => m.platformStates[0]?.syncedVersion === m.version);
    return pending === 0 && inStep ? media : null;
  }, { what: `media on ${platformId} to settle`, timeoutMs: 30_000 });
}

describe('media sync to a REST platform (e-TALENTA)', () => {
  it('uploads variants made to its rules, sets the main photo and order, and takes a PDF and a video as they are', async () => {
    const user = await stack.createUser();
    const first = await upload(user, { fileName: 'portrait.jpg', content: await photoWithExif(3600, 4800) }, { photographerCredit: 'Jane Doe' });
    const second = await upload(user, { fileName: 'headshot.png', content: await image(900, 1200, 'png') }, { type: 'headshot' });
    const cv = await upload(user, { fileName: 'cv.pdf', content: tinyPdf });
    const reel = await upload(user, { fileName: 'reel.mp4', content: mp4(60, 64 * 1024) });

    await waitFor(() => etalentaMedia(user).length === 4, { what: 'four files on e-TALENTA' });
    await settled(user, 'etalenta');
    const items = etalentaMedia(user);
    expect(items.map((i) => refOf(i)?.mediaId)).toEqual([first.id, second.id, cv.id, reel.id]);
    expect(items.map((i) => i.type)).toEqual(['photo', 'photo', 'document', 'video']);
    expect(items.find((i) => i.isMain)?.id).toBe(items[0]!.id);

    // The photo: scaled within e-TALENTA's 3000 px, sRGB, no EXIF (GPS included) — read back with sharp.
    const photo = await sharp(stack.simulators.etalenta!.mediaContent(user.apiKeys.etalenta!, items[0]!.id)!).metadata();
    expect(Math.max(photo.width, photo.height)).toBeLessThanOrEqual(platformCatalog.etalenta.media.maxEdge);
    expect(photo).toMatchObject({ format: 'jpeg', space: 'srgb' });
    expect(photo.exif).toBeUndefined();
    expect(items[0]!.credit).toBe('Jane Doe');
    // The PDF and the video go byte for byte.
    expect(stack.simulators.etalenta!.mediaContent(user.apiKeys.etalenta!, items[2]!.id)!.equals(tinyPdf)).toBe(true);

    const states = await stack.db.platformMediaState.findMany({ where: { platformId: 'etalenta', media: { userId: user.id } } });
    expect(states.every((s) => s.status === 'success' && s.externalId !== null)).toBe(true);
    const listed = (await stack.app.inject({ method: 'GET', url: '/api/media', headers: user.auth })).json().items;
    expect(listed[0].platforms).toEqual([expect.objectContaining({ platformId: 'etalenta', status: 'success', externalId: items[0]!.id })]);
  });

  it('follows a new main photo, a new order, a new crop (replace, no duplicate) and a delete', async () => {
    const user = await stack.createUser();
    const a = await upload(user, { fileName: 'a.jpg', content: await image(1200, 1600) });
    const b = await upload(user, { fileName: 'b.jpg', content: await image(1200, 1600, 'jpeg', '#204060') });
    await waitFor(() => etalentaMedia(user).length === 2, { what: 'both photos on e-TALENTA' });
    await settled(user, 'etalenta');
    const oldA = etalentaMedia(user).find((i) => refOf(i)?.mediaId === a.id)!;

    await patch(user, b.id, { isMain: true });
    await waitFor(() => etalentaMedia(user).find((i) => i.isMain && refOf(i)?.mediaId === b.id), { what: 'b to be the main photo' });

    await patch(user, a.id, { sortOrder: 10 });
    await waitFor(() => etalentaMedia(user).map((i) => refOf(i)?.mediaId).join() === [b.id, a.id].join(), { what: 'the new order' });

    await patch(user, a.id, { crop: { left: 0, top: 0, width: 1200, height: 1200 } });
    const replaced = await waitFor(() => {
      const now = etalentaMedia(user).find((i) => refOf(i)?.mediaId === a.id);
      return now && now.id !== oldA.id ? now : null;
    }, { what: 'a to be replaced after the crop' });
    await settled(user, 'etalenta');
    expect(etalentaMedia(user)).toHaveLength(2);
    expect([replaced.width, replaced.height]).toEqual([1200, 1200]);

    // The platform takes the credit only with the file: a new credit replaces the file there.
    await patch(user, a.id, { photographerCredit: 'Max Muster' });
    await waitFor(() => etalentaMedia(user).find((i) => refOf(i)?.mediaId === a.id)?.credit === 'Max Muster', { what: 'the new credit on e-TALENTA' });
    await settled(user, 'etalenta');
    expect(etalentaMedia(user)).toHaveLength(2);

    const deleted = await stack.app.inject({ method: 'DELETE', url: `/api/media/${b.id}`, headers: user.auth });
    expect(deleted.statusCode).toBe(204);
    await waitFor(() => etalentaMedia(user).length === 1, { what: 'b to be removed from e-TALENTA' });
    // The remaining photo became our main photo, and the platform's too.
    await waitFor(() => etalentaMedia(user)[0]!.isMain, { what: 'a to be the main photo on e-TALENTA' });
  });

  it('looks before it uploads: a manual sync of a platform in step uploads nothing', async () => {
    const user = await stack.createUser();
    await upload(user, { fileName: 'a.jpg', content: await image(1200, 1600) });
    await waitFor(() => etalentaMedia(user).length === 1, { what: 'the photo on e-TALENTA' });
    await settled(user, 'etalenta');
    const uploadsBefore = stack.simulators.etalenta!.mediaCounters.uploads;
    const logsBefore = await stack.db.syncLog.count({ where: { userId: user.id, operation: 'sync_media' } });
    const res = await stack.app.inject({ method: 'POST', url: '/api/sync/media/etalenta', headers: user.auth });
    expect(res.statusCode, res.body).toBe(202);
    const logs = await waitFor(async () => {
      const all = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'sync_media' }, orderBy: { startedAt: 'asc' } });
      return all.length > logsBefore && all.every((l) => l.status !== 'pending') ? all : null;
    }, { what: 'the manual sync' });
    expect(logs.at(-1)).toMatchObject({ status: 'success', itemsProcessed: 0 });
    expect(stack.simulators.etalenta!.mediaCounters.uploads).toBe(uploadsBefore);
    expect(etalentaMedia(user)).toHaveLength(1);
  });

  it('brings the library and the profile to a platform connected later', async () => {
    const user = await stack.createUser({ platforms: [] });
    const photo = await upload(user, { fileName: 'a.jpg', content: await image(1200, 1600) });
    const saved = await stack.app.inject({ method: 'PUT', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 177 }, visibility: {} } });
    expect(saved.statusCode, saved.body).toBe(200);
    const apiKey = `key_later_${photo.id.slice(0, 8)}`;
    stack.simulators.etalenta!.addAccount(apiKey);
    const connected = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { apiKey } });
    expect(connected.statusCode, connected.body).toBe(201);
    await waitFor(() => stack.simulators.etalenta!.media(apiKey).length === 1, { what: 'the library on the newly connected platform' });
    expect(parseMediaRef(stack.simulators.etalenta!.media(apiKey)[0]!.reference)?.mediaId).toBe(photo.id);
    await waitFor(() => stack.simulators.etalenta!.profiles.of(apiKey).heightCm === 177, { what: 'the profile on the newly connected platform' });
  });

  it('answers 409 for a manual media sync of a platform that takes no media, and 404 for one not connected', async () => {
    const user = await stack.createUser();
    await stack.connect(user.id, 'jobwork', { accessToken: 'x', refreshToken: 'y', accessTokenExpiresAt: Date.now() + 3600_000 });
    const noMedia = await stack.app.inject({ method: 'POST', url: '/api/sync/media/jobwork', headers: user.auth });
    expect(noMedia.statusCode).toBe(409);
    expect(noMedia.json().message).toBe('JobWork does not take media');
    const notConnected = await stack.app.inject({ method: 'POST', url: '/api/sync/media/filmmakers', headers: user.auth });
    expect(notConnected.statusCode).toBe(404);
  });
});

describe('media sync to an OAuth platform (Wanted)', () => {
  it('uploads the photos it takes and skips, with reasons and no retries, what it cannot take', async () => {
    const user = await stack.createUser({ platforms: [] });
    const { accountId, tokens } = await grantTokens(wanted, platformCatalog.wanted);
    await stack.connect(user.id, 'wanted', tokens);
    const photo = await upload(user, { fileName: 'big.jpg', content: await image(1600, 2000) });
    await upload(user, { fileName: 'small.jpg', content: await image(300, 400) });
    await upload(user, { fileName: 'cv.pdf', content: tinyPdf });

    const media = await settled(user, 'wanted');
    const onWanted = wanted.media(accountId);
    expect(onWanted.map((i) => parseMediaRef(i.reference)?.mediaId)).toEqual([photo.id]);
    const variant = await sharp(wanted.mediaContent(accountId, onWanted[0]!.id)!).metadata();
    expect(variant.width / variant.height).toBeCloseTo(4 / 5, 2);

    const skipped = media.flatMap((m) => m.platformStates).filter((s) => s.status === 'skipped');
    expect(skipped.map((s) => s.lastError).sort()).toEqual([
      'Wanted takes no documents (CV)',
      expect.stringMatching(/^Wanted: the photo is too small: .*at least 600 px$/),
    ]);
    const logs = await stack.db.syncLog.findMany({ where: { userId: user.id, platformId: 'wanted' }, orderBy: { startedAt: 'asc' } });
    expect(logs.every((l) => l.attempt === 1)).toBe(true);
    // The uploads may reach Wanted in one push or in several, and a round that finds everything in step records a
    // success: the pushes that met the files Wanted cannot take are partial and name them.
    expect(logs.map((l) => l.status).filter((status) => status !== 'success' && status !== 'partial')).toEqual([]);
    const partial = logs.filter((l) => l.status === 'partial');
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.map((l) => l.errorType)).toEqual(partial.map(() => 'skipped'));
    expect(partial.map((l) => l.errorMessage).join('\n')).toContain('small.jpg');

    // A second photo becomes the main one there, and a deleted one goes.
    const second = await upload(user, { fileName: 'second.jpg', content: await image(1600, 2000, 'jpeg', '#446688') });
    await patch(user, second.id, { isMain: true });
    await waitFor(() => wanted.media(accountId).find((i) => i.isMain && parseMediaRef(i.reference)?.mediaId === second.id), { what: 'the second photo main on Wanted' });
    expect((await stack.app.inject({ method: 'DELETE', url: `/api/media/${photo.id}`, headers: user.auth })).statusCode).toBe(204);
    await waitFor(() => wanted.media(accountId).length === 1, { what: 'the first photo gone from Wanted' });
    expect(parseMediaRef(wanted.media(accountId)[0]!.reference)?.mediaId).toBe(second.id);
  });
});

describe('media sync to the browser portals', () => {
  it('uploads to each portal, follows the main photo, and deletes (or, on Casting Network, hides) a deleted photo', async () => {
    const user = await stack.createUser({ platforms: [] });
    const login = (id: string) => ({ email: `actor@${id}.example`, password: 'correct horse' });
    for (const id of PORTALS) {
      stack.portals[id]!.addAccount(login(id).email, login(id).password);
      await stack.connect(user.id, id, login(id));
    }
    const visible = (id: string) => stack.portals[id]!.media(login(id).email).filter((i) => !i.hidden);
    const a = await upload(user, { fileName: 'a.jpg', content: await image(1500, 2000) });
    const b = await upload(user, { fileName: 'b.jpg', content: await image(1500, 2000, 'jpeg', '#224466') });
    for (const id of PORTALS) await settled(user, id);
    for (const id of PORTALS) {
      expect(visible(id).map((i) => parseMediaRef(i.fileName)?.mediaId), id).toEqual([a.id, b.id]);
      expect(visible(id).find((i) => i.main)?.fileName, id).toContain(a.id);
    }
    // Schauspielervideos: 3:4 with at least one edge of 1200 px, read back from what the portal stored.
    const sv = visible('schauspielervideos')[0]!;
    expect(sv.width! / sv.height!).toBeCloseTo(3 / 4, 2);
    expect(Math.max(sv.width!, sv.height!)).toBeGreaterThanOrEqual(1200);

    await patch(user, b.id, { isMain: true });
    for (const id of PORTALS) await waitFor(() => visible(id).find((i) => i.main)?.fileName.includes(b.id), { what: `b main on ${id}` });

    // A new crop of b is a new variant: uploaded, then the old file removed (hidden on Casting Network).
    const oldB = Object.fromEntries(PORTALS.map((id) => [id, visible(id).find((i) => i.fileName.includes(b.id))!.id]));
    await patch(user, b.id, { crop: { left: 0, top: 200, width: 1500, height: 1500 } });
    for (const id of PORTALS) {
      await waitFor(() => {
        const bs = visible(id).filter((i) => i.fileName.includes(b.id));
        return bs.length === 1 && bs[0]!.id !== oldB[id];
      }, { what: `b replaced on ${id}` });
    }
    await waitFor(() => visible('filmmakers').find((i) => i.main)?.fileName.includes(b.id), { what: 'the new b main on Filmmakers' });

    const deleted = await stack.app.inject({ method: 'DELETE', url: `/api/media/${a.id}`, headers: user.auth });
    expect(deleted.statusCode).toBe(204);
    for (const id of PORTALS) await waitFor(() => visible(id).length === 1, { what: `a gone from ${id}` });
    // Casting Network cannot delete: the photo (and b's replaced variant) are hidden there, not gone.
    expect(stack.portals['casting-network']!.media(login('casting-network').email).filter((i) => i.hidden).map((i) => parseMediaRef(i.fileName)?.mediaId)).toEqual([a.id, b.id]);
    expect(stack.portals.filmmakers!.media(login('filmmakers').email)).toHaveLength(1);
  });
});

describe('media drift, found by the scheduled pull', () => {
  it('opens a conflict for a file removed on the platform and one added there; keep_ours uploads it again', async () => {
    const user = await stack.createUser();
    const a = await upload(user, { fileName: 'a.jpg', content: await image(1200, 1600) });
    await waitFor(() => etalentaMedia(user).length === 1, { what: 'the photo on e-TALENTA' });
    await settled(user, 'etalenta');
    const sim = stack.simulators.etalenta!;
    const ours = etalentaMedia(user)[0]!;
    expect(sim.removePlatformMedia(user.apiKeys.etalenta!, ours.id)).toBe(true);
    sim.addPlatformMedia(user.apiKeys.etalenta!, 'holiday.jpg', await image(800, 1000));

    await stack.temporal.workflow.execute('availabilityPullWorkflow', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId: `test-pull-${user.id}`, args: [{ userId: user.id, platformId: 'etalenta' }] });
    const conflicts = await stack.db.conflict.findMany({ where: { userId: user.id, kind: 'media_drift' }, orderBy: { createdAt: 'asc' } });
    expect(conflicts).toHaveLength(2);
    const lost = conflicts.find((c) => c.externalId === ours.id)!;
    const added = conflicts.find((c) => c.externalId !== ours.id)!;
    expect(lost.ours).toMatchObject({ mediaId: a.id, originalName: 'a.jpg' });
    expect(added.theirs).toMatchObject({ fileName: 'holiday.jpg', type: 'photo' });

    // Pulling again reports nothing new.
    await stack.temporal.workflow.execute('availabilityPullWorkflow', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId: `test-pull-again-${user.id}`, args: [{ userId: user.id, platformId: 'etalenta' }] });
    expect(await stack.db.conflict.count({ where: { userId: user.id, kind: 'media_drift' } })).toBe(2);

    const refused = await stack.app.inject({ method: 'POST', url: `/api/conflicts/${added.id}/resolve`, headers: user.auth, payload: { action: 'keep_ours' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/never deletes files it did not upload/);
    const accepted = await stack.app.inject({ method: 'POST', url: `/api/conflicts/${added.id}/resolve`, headers: user.auth, payload: { action: 'accept_theirs' } });
    expect(accepted.statusCode, accepted.body).toBe(200);

    const kept = await stack.app.inject({ method: 'POST', url: `/api/conflicts/${lost.id}/resolve`, headers: user.auth, payload: { action: 'keep_ours' } });
    expect(kept.statusCode, kept.body).toBe(200);
    await waitFor(() => etalentaMedia(user).some((i) => refOf(i)?.mediaId === a.id), { what: 'the photo to be uploaded again' });
    expect(etalentaMedia(user).map((i) => i.fileName).filter((n) => n === 'holiday.jpg')).toHaveLength(1);
  });

  it('accept_theirs leaves a removed file off that platform for good', async () => {
    const user = await stack.createUser();
    const a = await upload(user, { fileName: 'a.jpg', content: await image(1200, 1600) });
    await waitFor(() => etalentaMedia(user).length === 1, { what: 'the photo on e-TALENTA' });
    await settled(user, 'etalenta');
    expect(stack.simulators.etalenta!.removePlatformMedia(user.apiKeys.etalenta!, etalentaMedia(user)[0]!.id)).toBe(true);
    await stack.temporal.workflow.execute('availabilityPullWorkflow', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId: `test-pull-${user.id}`, args: [{ userId: user.id, platformId: 'etalenta' }] });
    const conflict = await stack.db.conflict.findFirstOrThrow({ where: { userId: user.id, kind: 'media_drift' } });
    const res = await stack.app.inject({ method: 'POST', url: `/api/conflicts/${conflict.id}/resolve`, headers: user.auth, payload: { action: 'accept_theirs' } });
    expect(res.statusCode, res.body).toBe(200);

    // Another change to the library pushes again; the removed photo stays off e-TALENTA.
    await upload(user, { fileName: 'b.jpg', content: await image(1200, 1600, 'jpeg', '#335577') });
    await waitFor(() => etalentaMedia(user).length === 1, { what: 'b on e-TALENTA' });
    await settled(user, 'etalenta');
    expect(etalentaMedia(user).map((i) => refOf(i)?.mediaId)).not.toContain(a.id);
    const listed = (await stack.app.inject({ method: 'GET', url: '/api/media', headers: user.auth })).json().items;
    expect(listed.find((m: { id: string }) => m.id === a.id).platforms[0]).toMatchObject({ status: 'skipped', lastError: expect.stringContaining('accept_theirs') });
  });
});

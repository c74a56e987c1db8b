// Media and profile on the browser platforms, in real Chromium against portal simulators set up from the catalog
// (the stack's portalPlatforms): the BrowserAdapter uploads a file under the name that carries our reference and
// lists it back, changes the main photo, deletes (or, on Casting Network, hides) it, fills the Filmmakers profile
// form, and turns the portal's refusals, error pages and ended sessions into the right PlatformErrors. Each call
// gets a fresh adapter from the stored connection, as an activity would.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionCredentialStore, openCredentials } from '../activities/credential-store.js';
import { adapterFor } from '../adapters/adapter-context.js';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { getPlatform, type PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { platformFailure as failure } from './support/platform-failure.js';
import { mediaFileName, variantHashOf } from '../adapters/media-reference.js';
import type { MediaUpload, PlatformAdapter, PlatformMediaOps } from '../adapters/types.js';
import { mediaRulesFromCatalog, portalOptionsFromCatalog } from '../simulators/portal/catalog-options.js';
import type { PortalSimulator } from '../simulators/portal/server.js';
import { image, isoMedia } from './support/media-files.js';
import { startStack, type Stack } from './support/stack.js';

const PASSWORD = 'correct horse battery staple';
const PORTALS = ['filmmakers', 'casting-network', 'schauspielervideos'] as const;
type PortalId = (typeof PORTALS)[number];

let stack: Stack;
let dataDir: string;
let filesDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-browser-media-'));
  filesDir = path.join(dataDir, 'variants');
  await mkdir(filesDir);
  stack = await startStack({ restPlatforms: [], portalPlatforms: [...PORTALS], workers: false, env: { CASTSYNC_DATA_DIR: dataDir } });
});

afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const id of PORTALS) stack.portals[id]!.faults = {};
});

interface Connected {
  userId: string;
  email: string;
  platformId: PortalId;
  portal: PortalSimulator;
  /** Progress reports of every adapter made by `adapter()`. */
  steps: string[];
  /** A fresh adapter from the stored connection (with the session the last call saved). */
  adapter(): Promise<PlatformAdapter>;
  media(): Promise<PlatformMediaOps>;
}

/** A user connected to a fresh account on the portal (a wrong password when `password` is given). */
async function connected(platformId: PortalId, password = PASSWORD): Promise<Connected> {
  const user = await stack.createUser({ platforms: [] });
  const email = `actor-${user.id.slice(0, 8)}@portal.test`;
  const portal = stack.portals[platformId]!;
  portal.addAccount(email, PASSWORD);
  await stack.connect(user.id, platformId, { email, password });
  const steps: string[] = [];
  const adapter = async () => {
    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId } });
    return adapterFor(stack.config, {
      platformId,
      credentials: openCredentials(stack.config, user.id, platformId, row),
      credentialStore: connectionCredentialStore(stack.db, stack.config, user.id, platformId),
      onProgress: (detail) => steps.push(detail),
    });
  };
  const media = async () => {
    const ops = (await adapter()).media;
    if (!ops) throw new Error(`${platformId} has no media operations`);
    return ops;
  };
  return { userId: user.id, email, platformId, portal, steps, adapter, media };
}

/** A file on disk as the media pipeline leaves it: named after its variant, not after the name to upload under. */
async function upload(content: Buffer, contentType: 'image/jpeg' | 'image/png' | 'video/mp4', credit: string | null = null): Promise<MediaUpload> {
  const ref = { mediaId: randomUUID(), variantHash: variantHashOf(createHash('sha256').update(content).digest('hex')) };
  const file = path.join(filesDir, `variant-${randomUUID()}.bin`);
  await writeFile(file, content);
  return {
    ref,
    type: contentType.startsWith('video/') ? 'video' : 'photo',
    fileName: mediaFileName(ref, contentType),
    contentType,
    bytes: content.length,
    path: file,
    photographerCredit: credit,
  };
}
const photo = async (width: number, height: number, credit: string | null = null) => upload(await image(width, height, 'jpeg'), 'image/jpeg', credit);

const uploadPosts = (user: Connected) => user.portal.requestsOf(user.email, 'POST', '/media').length;
const uploadTempDirs = async () => (await readdir(os.tmpdir())).filter((name) => name.startsWith('castsync-upload-'));

describe('portal simulators follow the catalog', () => {
  it('derives each portal\'s upload rules and delete-or-hide from its catalog entry', () => {
    expect(mediaRulesFromCatalog(getPlatform('schauspielervideos'))).toEqual({
      formats: ['jpeg', 'png', 'mp4', 'mov'],
      maxBytes: 10 * 1024 * 1024,
      maxVideoBytes: 500 * 1024 * 1024,
      maxVideos: 5,
      minLongEdgePx: 1200,
      maxEdgePx: 1800,
      maxItems: 50,
    });
    expect(mediaRulesFromCatalog(getPlatform('filmmakers'))).toMatchObject({ formats: ['jpeg', 'png', 'mp4', 'mov'], maxBytes: 6 * 1024 * 1024, minShortEdgePx: 500, maxEdgePx: 4000 });
    expect(portalOptionsFromCatalog(getPlatform('casting-network'))).toMatchObject({ name: 'Casting Network', mediaCanDelete: false });
    expect(portalOptionsFromCatalog(getPlatform('filmmakers')).mediaCanDelete).toBe(true);
    for (const id of PORTALS) expect(stack.portals[id]!.mediaRules).toEqual(mediaRulesFromCatalog(getPlatform(id)));

    const webmOnly: PlatformEntry = { ...getPlatform('schauspielervideos'), video: { contentTypes: ['video/webm'], maxBytes: 1024 } };
    expect(() => mediaRulesFromCatalog(webmOnly)).toThrow('the portal simulator cannot check video/webm uploads');
  });
});

describe('media on the portals', () => {
  it.each(PORTALS)('uploads a photo to %s under the name that carries our reference, and lists it back with its ref', async (platformId) => {
    const user = await connected(platformId);
    const tempDirsBefore = await uploadTempDirs();
    const file = await photo(1200, 1600, 'Jane Doe');
    const sent: number[] = [];

    const { externalId } = await (await user.media()).uploadMedia(file, (bytes) => sent.push(bytes));

    const [stored] = user.portal.media(user.email);
    expect(user.portal.media(user.email)).toEqual([
      expect.objectContaining({ id: externalId, fileName: file.fileName, type: 'photo', bytes: file.bytes, width: 1200, height: 1600, main: true, credit: 'Jane Doe' }),
    ]);
    expect(user.portal.mediaContent(user.email, stored!.id)!.length).toBe((await stat(file.path)).size);
    expect(sent).toEqual([0, file.bytes]);
    expect(user.steps).toContain(`${getPlatform(platformId).name}: uploaded ${file.fileName}`);
    // The file was sent under its reference from a temporary name, which is gone again; the variant itself stays.
    expect(await uploadTempDirs()).toEqual(tempDirsBefore);
    expect((await stat(file.path)).size).toBe(file.bytes);

    expect(await (await user.media()).listMedia()).toEqual([
      { externalId, ref: file.ref, type: 'photo', fileName: file.fileName, isMain: true, hidden: false },
    ]);
  });

  it('lists a file added on the portal by hand without a ref, and a video as a video', async () => {
    const user = await connected('schauspielervideos');
    const byHand = user.portal.addMedia(user.email, 'holiday.jpg', await image(1350, 1800));
    const reel = await upload(isoMedia('isom'), 'video/mp4');
    const { externalId } = await (await user.media()).uploadMedia(reel);

    expect(await (await user.media()).listMedia()).toEqual([
      { externalId: byHand.id, ref: null, type: 'photo', fileName: 'holiday.jpg', isMain: true, hidden: false },
      { externalId, ref: reel.ref, type: 'video', fileName: reel.fileName, isMain: false, hidden: false },
    ]);
  });

  it('changes the main photo, and leaves a photo that is already main alone', async () => {
    const user = await connected('filmmakers');
    const media = await user.media();
    const first = await media.uploadMedia(await photo(800, 1000));
    const second = await media.uploadMedia(await photo(800, 1000));
    expect((await media.listMedia()).map((m) => [m.externalId, m.isMain])).toEqual([[first.externalId, true], [second.externalId, false]]);

    await (await user.media()).setMainMedia(second.externalId);
    expect((await (await user.media()).listMedia()).map((m) => [m.externalId, m.isMain])).toEqual([[first.externalId, false], [second.externalId, true]]);
    expect(user.portal.media(user.email).map((m) => m.main)).toEqual([false, true]);

    const postsBefore = user.portal.requestsOf(user.email, 'POST', '/media/main').length;
    await (await user.media()).setMainMedia(second.externalId);
    expect(user.portal.requestsOf(user.email, 'POST', '/media/main')).toHaveLength(postsBefore);

    const missing = await failure((await user.media()).setMainMedia('999999'));
    expect(missing).toMatchObject({ type: ErrorType.client, retryable: false, message: 'Filmmakers shows no media item 999999 to make the main photo' });
  });

  it('deletes on Filmmakers; deleting what is gone is done', async () => {
    const user = await connected('filmmakers');
    const kept = await (await user.media()).uploadMedia(await photo(800, 1000));
    const gone = await (await user.media()).uploadMedia(await photo(800, 1000));

    await (await user.media()).deleteMedia(gone.externalId);
    expect(user.portal.media(user.email).map((m) => m.id)).toEqual([kept.externalId]);
    expect((await (await user.media()).listMedia()).map((m) => m.externalId)).toEqual([kept.externalId]);

    const deletesBefore = user.portal.counters.mediaRemoved;
    await (await user.media()).deleteMedia(gone.externalId);
    expect(user.portal.counters.mediaRemoved).toBe(deletesBefore);
  });

  it('hides on Casting Network, where media cannot be deleted; uploading the same file again shows it again', async () => {
    const user = await connected('casting-network');
    const file = await photo(800, 1000);
    const { externalId } = await (await user.media()).uploadMedia(file);

    await (await user.media()).deleteMedia(externalId);
    expect(user.portal.media(user.email)).toEqual([expect.objectContaining({ id: externalId, hidden: true, main: false })]);
    expect(await (await user.media()).listMedia()).toEqual([
      { externalId, ref: file.ref, type: 'photo', fileName: file.fileName, isMain: false, hidden: true },
    ]);
    const hidesBefore = user.portal.requestsOf(user.email, 'POST', '/media/hide').length;
    await (await user.media()).deleteMedia(externalId);
    expect(user.portal.requestsOf(user.email, 'POST', '/media/hide')).toHaveLength(hidesBefore);

    const uploadedBefore = user.portal.counters.mediaUploaded;
    expect(await (await user.media()).uploadMedia(file)).toEqual({ externalId });
    expect(user.portal.counters.mediaUploaded).toBe(uploadedBefore);
    expect(user.portal.media(user.email)).toEqual([expect.objectContaining({ id: externalId, hidden: false, main: true })]);
  });

  it('refuses a photo too small for Schauspielervideos\' 1200 px rule as a validation error in the portal\'s words, with a screenshot', async () => {
    const user = await connected('schauspielervideos');
    const file = await photo(600, 800);

    const error = await failure((await user.media()).uploadMedia(file));
    expect(error).toMatchObject({
      type: ErrorType.validation,
      retryable: false,
      message: `Schauspielervideos refused the upload of ${file.fileName}: "${file.fileName}" is too small (600 × 800 px): one edge must be at least 1200 px.`,
      details: { status: 422, artifactPath: expect.stringMatching(/^schauspielervideos-.*\.png$/) },
    });
    expect((await stat(path.join(stack.config.artifactsDir, error.details.artifactPath!))).size).toBeGreaterThan(0);
    expect(user.portal.media(user.email)).toEqual([]);
  });

  it('refuses a sixth video on Schauspielervideos (the catalog\'s 5 showreels)', async () => {
    const user = await connected('schauspielervideos');
    for (let n = 0; n < 5; n += 1) await (await user.media()).uploadMedia(await upload(Buffer.concat([isoMedia('isom'), Buffer.from(randomUUID())]), 'video/mp4'));
    const sixth = await upload(Buffer.concat([isoMedia('isom'), Buffer.from(randomUUID())]), 'video/mp4');

    const error = await failure((await user.media()).uploadMedia(sixth));
    expect(error).toMatchObject({ type: ErrorType.validation, retryable: false, message: expect.stringContaining('You have reached the limit of 5 videos.') });
    expect(user.portal.media(user.email)).toHaveLength(5);
  });

  it('signs in again when the session expired between calls, and uploads exactly once', async () => {
    const user = await connected('filmmakers');
    expect(await (await user.media()).listMedia()).toEqual([]);
    expect(user.portal.loginsOf(user.email)).toBe(1);
    user.portal.expireSessions(user.email);

    const file = await photo(800, 1000);
    const { externalId } = await (await user.media()).uploadMedia(file);
    expect(user.portal.loginsOf(user.email)).toBe(2);
    expect(uploadPosts(user)).toBe(1);
    expect(user.portal.media(user.email)).toEqual([expect.objectContaining({ id: externalId, fileName: file.fileName })]);
  });

  it('uploads exactly once when the portal ends the session on the upload form or right after it', async () => {
    const user = await connected('filmmakers');
    await (await user.media()).listMedia();

    // The media page opens, then the upload form post lands on the login page: nothing was stored, so it is sent again.
    user.portal.faults = { logoutAfter: 1, logoutNext: 1 };
    const first = await photo(800, 1000);
    const a = await (await user.media()).uploadMedia(first);
    expect(user.portal.media(user.email).map((m) => [m.id, m.fileName])).toEqual([[a.externalId, first.fileName]]);
    expect(user.portal.loginsOf(user.email)).toBe(2);

    // The upload is stored, then the page it leads to lands on the login page: the file is found, not sent again.
    user.portal.faults = { logoutAfter: 2, logoutNext: 1 };
    const second = await photo(800, 1000);
    const uploadedBefore = user.portal.counters.mediaUploaded;
    const b = await (await user.media()).uploadMedia(second);
    expect(user.portal.counters.mediaUploaded).toBe(uploadedBefore + 1);
    expect(user.portal.loginsOf(user.email)).toBe(3);
    expect(user.portal.media(user.email).map((m) => [m.id, m.fileName])).toEqual([[a.externalId, first.fileName], [b.externalId, second.fileName]]);
  });

  it('makes 5xx and 429 pages retryable errors (with the Retry-After), and the next attempt uploads once', async () => {
    const user = await connected('casting-network');
    const file = await photo(800, 1000);
    user.portal.faults = { failNext: { count: 1, status: 503 } };
    expect(await failure((await user.media()).uploadMedia(file))).toMatchObject({ type: ErrorType.server, retryable: true, details: { status: 503 } });

    user.portal.faults = { failNext: { count: 1, status: 429, retryAfterSeconds: 30 } };
    expect(await failure((await user.media()).uploadMedia(file))).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429, retryAfterMs: 30_000 } });
    expect(user.portal.media(user.email)).toEqual([]);

    await (await user.media()).uploadMedia(file);
    expect(user.portal.media(user.email).map((m) => m.fileName)).toEqual([file.fileName]);
  });

  it('fails a wrong password without retries, and refuses a file name that is not a plain name before signing in', async () => {
    const wrong = await connected('schauspielervideos', 'not the password');
    expect(await failure((await wrong.media()).listMedia())).toMatchObject({ type: ErrorType.auth, retryable: false });

    const user = await connected('filmmakers');
    const file = { ...(await photo(800, 1000)), fileName: '../escape.jpg' };
    expect(await failure((await user.media()).uploadMedia(file))).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(user.portal.requestsOf(user.email)).toEqual([]);
  });

  it('checks a media-only portal\'s sign-in on its media page', async () => {
    const user = await connected('schauspielervideos');
    expect(await (await user.adapter()).authenticate()).toBe(true);
    // Signed out, the portal sends us from the media page to its login form and back; the calendar is never opened.
    expect(new Set(user.portal.requestsOf(user.email, 'GET').map((r) => r.path.split('?')[0]))).toEqual(new Set(['/media']));
  });
});

describe('profile on Filmmakers', () => {
  const values = {
    playingAgeFrom: 25,
    playingAgeTo: 35,
    heightCm: 182,
    eyeColour: 'green',
    languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }],
    skills: ['Stage combat', 'Horse riding'],
  };

  it('fills the form from the values; the portal then stores exactly them, and nulls clear fields', async () => {
    const user = await connected('filmmakers');
    const adapter = await user.adapter();
    expect(adapter.updateProfile).toBeTypeOf('function');

    const result = await adapter.updateProfile!(values);
    expect(user.portal.profile(user.email)).toEqual(values);
    expect(result.requests).toBeGreaterThanOrEqual(2);

    const cleared = { playingAgeFrom: null, playingAgeTo: null, heightCm: null, eyeColour: null, languages: [], skills: ['Singing'] };
    await (await user.adapter()).updateProfile!(cleared);
    expect(user.portal.profile(user.email)).toEqual(cleared);
  });

  it('signs in again when the session expired, and saves once', async () => {
    const user = await connected('filmmakers');
    await (await user.adapter()).updateProfile!(values);
    user.portal.expireSessions(user.email);
    const savedBefore = user.portal.counters.profilesSaved;

    await (await user.adapter()).updateProfile!({ ...values, heightCm: 180 });
    expect(user.portal.counters.profilesSaved).toBe(savedBefore + 1);
    expect(user.portal.loginsOf(user.email)).toBe(2);
    expect(user.portal.profile(user.email)).toEqual({ ...values, heightCm: 180 });
  });

  it('turns a value the portal refuses into a validation error in the portal\'s words, and keeps the stored profile', async () => {
    const user = await connected('filmmakers');
    await (await user.adapter()).updateProfile!(values);

    const error = await failure((await user.adapter()).updateProfile!({ ...values, heightCm: 400, playingAgeTo: 20 }));
    expect(error).toMatchObject({
      type: ErrorType.validation,
      retryable: false,
      message: 'Filmmakers refused the profile: Playing age to must not be below playing age from. Height must be a whole number from 50 to 250.',
      details: { status: 422 },
    });
    expect(user.portal.profile(user.email)).toEqual(values);
  });

  it('refuses an eye colour the form does not offer, and values of the wrong shape before opening the portal', async () => {
    const user = await connected('filmmakers');
    const colour = await failure((await user.adapter()).updateProfile!({ ...values, eyeColour: 'violet' }));
    expect(colour).toMatchObject({ type: ErrorType.validation, retryable: false, message: expect.stringContaining('it offers no eye colour "violet" (only blue, grey, green') });
    expect(user.portal.profile(user.email)).toMatchObject({ heightCm: null });

    const requestsBefore = user.portal.requestsOf(user.email).length;
    const shape = await failure((await user.adapter()).updateProfile!({ ...values, heightCm: '182' }));
    expect(shape).toMatchObject({ type: ErrorType.validation, retryable: false, message: 'Filmmakers: the profile values do not fit its form: heightCm must be a whole number or null' });
    expect(user.portal.requestsOf(user.email)).toHaveLength(requestsBefore);
  });

  it('is offered only where the catalog has a profile form', async () => {
    expect((await (await connected('casting-network')).adapter()).updateProfile).toBeUndefined();
    expect((await (await connected('schauspielervideos')).adapter()).media).toBeDefined();
  });
});

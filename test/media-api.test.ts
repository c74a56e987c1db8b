// The media library API on the real stack: uploads of every type decided by content, bad files refused with a 4xx
// that names the problem and leaving neither a row nor a stored file, identical content stored once, the main
// photo kept unique, crops checked against the image, and another user's media answering 404.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type TestUser } from './support/stack.js';
import sharp from 'sharp';
import { filesUnder, image, isoMedia, mp4, multipart, photoWithExif, pngBomb, tinyPdf, tinyWebm, truncatedJpeg, type FilePart } from './support/media-files.js';

const MAX_BYTES = 300_000;
const MAX_PER_USER = 7;

let stack: Stack;
let dataDir: string;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'castsync-media-'));
  stack = await startStack({
    restPlatforms: [],
    workers: false,
    env: { CASTSYNC_DATA_DIR: dataDir, CASTSYNC_MEDIA_MAX_BYTES: String(MAX_BYTES), CASTSYNC_MEDIA_MAX_PIXELS: '25000000', CASTSYNC_MEDIA_MAX_PER_USER: String(MAX_PER_USER) },
  });
  alice = await stack.createUser();
  bob = await stack.createUser();
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function upload(user: TestUser, file: FilePart | null, fields: Record<string, string> = {}) {
  const body = multipart(fields, file ? [file] : []);
  return stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...body.headers }, payload: body.payload });
}

const stored = () => filesUnder(stack.config.mediaDir);
const rowsOf = (user: TestUser) => stack.db.media.count({ where: { userId: user.id } });

describe('uploads of every type', () => {
  it('decides the type from the content and serves the same bytes back', async () => {
    const cases: [FilePart, Record<string, string>, { type: string; mimeType: string; width: number | null; height: number | null; durationSeconds?: number | null }][] = [
      [{ fileName: 'me.jpg', content: await image(900, 1200) }, { caption: 'Berlin 2026', photographerCredit: 'Jane Doe' }, { type: 'photo', mimeType: 'image/jpeg', width: 900, height: 1200 }],
      [{ fileName: 'head.png', content: await image(500, 600, 'png') }, { type: 'headshot' }, { type: 'headshot', mimeType: 'image/png', width: 500, height: 600 }],
      [{ fileName: 'cv.pdf', content: tinyPdf }, {}, { type: 'document', mimeType: 'application/pdf', width: null, height: null }],
      [{ fileName: 'reel.mp4', content: isoMedia('isom') }, { type: 'video' }, { type: 'video', mimeType: 'video/mp4', width: null, height: null, durationSeconds: null }],
      [{ fileName: 'showreel.mp4', content: mp4(95.5) }, { type: 'video' }, { type: 'video', mimeType: 'video/mp4', width: null, height: null, durationSeconds: 95.5 }],
      [{ fileName: 'clip.mov', content: isoMedia('qt  '), contentType: 'image/jpeg' }, {}, { type: 'video', mimeType: 'video/quicktime', width: null, height: null }],
      [{ fileName: 'clip.webm', content: tinyWebm }, {}, { type: 'video', mimeType: 'video/webm', width: null, height: null }],
    ];
    const user = await stack.createUser();
    for (const [file, fields, expected] of cases) {
      const res = await upload(user, file, fields);
      expect(res.statusCode, res.body).toBe(201);
      const media = res.json();
      expect(media).toMatchObject({ ...expected, originalName: file.fileName, bytes: file.content.length });
      const back = await stack.app.inject({ method: 'GET', url: `/api/media/${media.id}/file`, headers: user.auth });
      expect(back.statusCode).toBe(200);
      expect(back.headers['content-type']).toContain(expected.mimeType);
      expect(back.rawPayload.equals(file.content)).toBe(true);
    }
    const list = (await stack.app.inject({ method: 'GET', url: '/api/media', headers: user.auth })).json().items;
    expect(list.map((m: { type: string }) => m.type)).toEqual(['photo', 'headshot', 'document', 'video', 'video', 'video', 'video']);
    expect(list.filter((m: { isMain: boolean }) => m.isMain).map((m: { originalName: string }) => m.originalName)).toEqual(['me.jpg']);
    expect(list[0]).toMatchObject({ caption: 'Berlin 2026', photographerCredit: 'Jane Doe' });
  });

  it('takes a PDF named .jpg as a document, and refuses it as a headshot', async () => {
    const disguised = { fileName: 'portrait.jpg', content: tinyPdf, contentType: 'image/jpeg' };
    const asDocument = await upload(alice, disguised);
    expect(asDocument.statusCode, asDocument.body).toBe(201);
    expect(asDocument.json()).toMatchObject({ type: 'document', mimeType: 'application/pdf' });
    const asHeadshot = await upload(alice, disguised, { type: 'headshot' });
    expect(asHeadshot.statusCode).toBe(400);
    expect(asHeadshot.json().message).toBe('the file\'s content is a PDF document, so it cannot be a headshot');
  });
});

describe('bad files leave nothing behind', () => {
  const cases: [string, () => Promise<{ file: FilePart | null; fields?: Record<string, string> }>, number, RegExp][] = [
    ['a truncated JPEG', async () => ({ file: { fileName: 'cut.jpg', content: await truncatedJpeg() } }), 400, /the image is truncated or incomplete/],
    ['a PNG bomb', async () => ({ file: { fileName: 'bomb.png', content: await pngBomb() } }), 413, /more than 25000000 pixels/],
    ['a 0-byte file', async () => ({ file: { fileName: 'empty.jpg', content: Buffer.alloc(0) } }), 400, /the file is empty \(0 bytes\)/],
    ['an oversized file', async () => ({ file: { fileName: 'huge.jpg', content: Buffer.alloc(MAX_BYTES + 1, 7) } }), 413, new RegExp(`the file is too large: at most ${MAX_BYTES} bytes`)],
    ['a text file', async () => ({ file: { fileName: 'notes.pdf', content: Buffer.from('just some words, not a PDF at all') } }), 415, /not an image .* a PDF or a video/],
    ['a video as a setcard', async () => ({ file: { fileName: 'reel.mp4', content: isoMedia('isom') }, fields: { type: 'setcard' } }), 400, /a video \(video\/mp4\), so it cannot be a setcard/],
    ['an image as a document', async () => ({ file: { fileName: 'a.png', content: await image(50, 50, 'png') }, fields: { type: 'document' } }), 400, /its type must be one of photo, headshot, setcard/],
    ['an unknown type', async () => ({ file: { fileName: 'a.png', content: await image(50, 50, 'png') }, fields: { type: 'selfie' } }), 400, /type "selfie" is not one of/],
    ['an unknown field', async () => ({ file: { fileName: 'a.png', content: await image(50, 50, 'png') }, fields: { colour: 'red' } }), 400, /unknown field "colour"/],
    ['no file', async () => ({ file: null, fields: { caption: 'x' } }), 400, /the upload has no file/],
    ['a file in the wrong part', async () => ({ file: { name: 'photo', fileName: 'a.png', content: await image(50, 50, 'png') } }), 400, /part named "file", not "photo"/],
  ];
  for (const [name, make, status, message] of cases) {
    it(`refuses ${name}`, async () => {
      const { file, fields } = await make();
      const [rowsBefore, filesBefore] = [await rowsOf(alice), await stored()];
      const res = await upload(alice, file, fields);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().message).toMatch(message);
      expect(await rowsOf(alice)).toBe(rowsBefore);
      expect(await stored()).toEqual(filesBefore);
      expect((await stored()).filter((f) => f.startsWith('tmp'))).toEqual([]);
    });
  }

  it('refuses a request that is not multipart', async () => {
    const res = await stack.app.inject({ method: 'POST', url: '/api/media', headers: alice.auth, payload: { file: 'x' } });
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toMatch(/multipart\/form-data/);
  });

  it('refuses uploads past the per-user limit with 409', async () => {
    const carol = await stack.createUser();
    for (let i = 0; i < MAX_PER_USER; i++) expect((await upload(carol, { fileName: `${i}.png`, content: await image(20 + i, 20, 'png') })).statusCode).toBe(201);
    const filesBefore = await stored();
    const res = await upload(carol, { fileName: 'one-more.png', content: await image(99, 20, 'png') });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe(`you already have ${MAX_PER_USER} media; at most ${MAX_PER_USER} are allowed (delete some first)`);
    expect(await stored()).toEqual(filesBefore);
  });
});

describe('content addressing', () => {
  it('stores identical content once and removes it only when the last medium using it goes', async () => {
    const content = await image(321, 123, 'png', '#123456');
    const first = (await upload(alice, { fileName: 'a.png', content })).json();
    const filesAfterFirst = await stored();
    const second = (await upload(bob, { fileName: 'b.png', content })).json();
    expect(second.contentHash).toBe(first.contentHash);
    expect(await stored()).toEqual(filesAfterFirst);
    expect(filesAfterFirst.filter((f) => f.endsWith(first.contentHash))).toHaveLength(1);

    expect((await stack.app.inject({ method: 'DELETE', url: `/api/media/${first.id}`, headers: alice.auth })).statusCode).toBe(204);
    expect((await stored()).some((f) => f.endsWith(first.contentHash))).toBe(true); // Bob still uses it
    expect((await stack.app.inject({ method: 'DELETE', url: `/api/media/${second.id}`, headers: bob.auth })).statusCode).toBe(204);
    expect((await stored()).some((f) => f.endsWith(first.contentHash))).toBe(false);
    const row = await stack.db.media.findUniqueOrThrow({ where: { id: second.id } });
    expect(row.deletedAt).not.toBeNull(); // soft delete: the row stays for the platforms' delete sync
    expect((await stack.app.inject({ method: 'GET', url: `/api/media/${second.id}/file`, headers: bob.auth })).statusCode).toBe(404);
  });
});

describe('thumbnails', () => {
  it('serves an image as a small JPEG, rotated, cropped as the user chose and without metadata; nothing for a video or another user', async () => {
    const user = await stack.createUser();
    const photo = (await upload(user, { fileName: 'exif.jpg', content: await photoWithExif(1600, 1200) })).json();
    const thumb = await stack.app.inject({ method: 'GET', url: `/api/media/${photo.id}/thumbnail`, headers: user.auth });
    expect(thumb.statusCode, thumb.body).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(thumb.rawPayload).metadata();
    // Stored 1600×1200 with EXIF orientation 6: shown upright, 1200×1600, so the thumbnail is 360×480.
    expect([photo.width, photo.height, meta.width, meta.height]).toEqual([1200, 1600, 360, 480]);
    expect(meta.exif).toBeUndefined();

    const cropped = await stack.app.inject({ method: 'PATCH', url: `/api/media/${photo.id}`, headers: user.auth, payload: { crop: { left: 0, top: 0, width: 600, height: 600 } } });
    expect(cropped.statusCode, cropped.body).toBe(200);
    const square = await sharp((await stack.app.inject({ method: 'GET', url: `/api/media/${photo.id}/thumbnail`, headers: user.auth })).rawPayload).metadata();
    expect([square.width, square.height]).toEqual([480, 480]);

    const reel = (await upload(user, { fileName: 'reel.mp4', content: mp4(10) })).json();
    const none = await stack.app.inject({ method: 'GET', url: `/api/media/${reel.id}/thumbnail`, headers: user.auth });
    expect(none.statusCode).toBe(409);
    expect(none.json().message).toBe('a video has no thumbnail; only images do');
    const other = await stack.createUser();
    expect((await stack.app.inject({ method: 'GET', url: `/api/media/${photo.id}/thumbnail`, headers: other.auth })).statusCode).toBe(404);
  });
});

describe('editing', () => {
  it('keeps exactly one main photo, checks crops against the image, and promotes a photo when the main one goes', async () => {
    const user = await stack.createUser();
    const one = (await upload(user, { fileName: '1.jpg', content: await image(800, 1000) })).json();
    const two = (await upload(user, { fileName: '2.jpg', content: await image(1000, 800) })).json();
    const cv = (await upload(user, { fileName: 'cv.pdf', content: tinyPdf })).json();
    expect([one.isMain, two.isMain, cv.isMain]).toEqual([true, false, false]);
    const patch = (id: string, payload: object) => stack.app.inject({ method: 'PATCH', url: `/api/media/${id}`, headers: user.auth, payload });

    const main = await patch(two.id, { isMain: true, sortOrder: 0, caption: 'new main' });
    expect(main.statusCode, main.body).toBe(200);
    const mains = await stack.db.media.findMany({ where: { userId: user.id, isMain: true } });
    expect(mains.map((m) => m.id)).toEqual([two.id]);

    const unset = await patch(two.id, { isMain: false });
    expect(unset.statusCode).toBe(409);
    expect(unset.json().message).toMatch(/there must be a main photo/);
    expect((await patch(cv.id, { isMain: true })).json().message).toBe('only an image can be the main photo; this medium is a document');

    const outside = await patch(two.id, { crop: { left: 300, top: 0, width: 800, height: 800 } });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().message).toBe('the crop (300,0 800×800) reaches outside the image (1000×800)');
    expect((await patch(cv.id, { crop: { left: 0, top: 0, width: 1, height: 1 } })).json().message).toMatch(/only images can be cropped/);
    expect((await patch(two.id, { crop: { left: 0, top: 0, width: 0, height: 10 } })).statusCode).toBe(400);
    const cropped = await patch(two.id, { crop: { left: 200, top: 0, width: 640, height: 800 } });
    expect(cropped.json().crop).toEqual({ left: 200, top: 0, width: 640, height: 800 });
    expect((await patch(two.id, { crop: null })).json().crop).toBeNull();
    const stale = await patch(two.id, { caption: 'x', version: 1 });
    expect(stale.statusCode).toBe(409);

    expect((await stack.app.inject({ method: 'DELETE', url: `/api/media/${two.id}`, headers: user.auth })).statusCode).toBe(204);
    const after = (await stack.app.inject({ method: 'GET', url: '/api/media', headers: user.auth })).json().items;
    expect(after.filter((m: { isMain: boolean }) => m.isMain).map((m: { id: string }) => m.id)).toEqual([one.id]);
  });

  it("answers 404 for another user's media and changes nothing", async () => {
    const mine = (await upload(alice, { fileName: 'private.jpg', content: await image(400, 500, 'jpeg', '#00ff00') })).json();
    const before = await stack.db.media.findUniqueOrThrow({ where: { id: mine.id } });
    const requests = [
      { method: 'GET', url: `/api/media/${mine.id}/file` },
      { method: 'PATCH', url: `/api/media/${mine.id}`, payload: { caption: 'mine now' } },
      { method: 'DELETE', url: `/api/media/${mine.id}` },
    ] as const;
    for (const request of requests) {
      const res = await stack.app.inject({ ...request, headers: bob.auth });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(404);
      expect(res.json().message).toBe('no such medium');
    }
    const list = (await stack.app.inject({ method: 'GET', url: '/api/media', headers: bob.auth })).json().items;
    expect(list.map((m: { id: string }) => m.id)).not.toContain(mine.id);
    expect(await stack.db.media.findUniqueOrThrow({ where: { id: mine.id } })).toEqual(before);
  });
});

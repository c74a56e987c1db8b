// Media on the API platforms, adapter against simulator over HTTP: e-TALENTA (REST, API key) and Wanted (OAuth 2.0,
// scope media:write). Uploads stream from disk with our reference and arrive byte for byte; the simulators judge a
// file by its content against the catalog's rules, and their refusals, outages and rate limits come back as the
// typed errors the sync activities act on; an expired access token is refreshed and the upload sent once.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryCredentialStore } from '../adapters/adapter-context.js';
import { getPlatform, type PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import { formatMediaRef, mediaFileName } from '../adapters/media-reference.js';
import { createAuthorizationRequest, exchangeAuthorizationCode } from '../adapters/oauth/oauth-flow.js';
import { OAuthAdapter } from '../adapters/oauth/oauth-adapter.js';
import { RestAdapter } from '../adapters/rest/rest-adapter.js';
import type { AuthData, MediaRef, MediaUpload, PlatformMediaOps, PlatformMediaType } from '../adapters/types.js';
import { SIMULATOR_OAUTH_CLIENT } from '../simulators/oauth/server.js';
import { apiMediaRulesOf } from '../simulators/api-media.js';
import { RestPlatformSimulator } from '../simulators/etalenta/server.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { image, isoMedia, tinyPdf } from './support/media-files.js';

const etalenta = getPlatform('etalenta');
const wanted = getPlatform('wanted');
const MB = 1024 * 1024;

let dir: string;
let rest: RestPlatformSimulator;
let oauth: OAuthPlatformSimulator;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'castsync-api-media-'));
  rest = new RestPlatformSimulator({ name: 'etalenta', media: apiMediaRulesOf(etalenta) });
  oauth = new OAuthPlatformSimulator({ name: 'wanted', displayName: 'Wanted', media: apiMediaRulesOf(wanted) });
  await Promise.all([rest.start(), oauth.start()]);
});
afterAll(async () => {
  await Promise.all([rest?.stop(), oauth?.stop()]);
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  rest.faults = {};
  oauth.faults = {};
  oauth.autoApprove = null;
});

const newRef = (): MediaRef => ({ mediaId: randomUUID(), variantHash: randomUUID().replace(/-/g, '').slice(0, 16) });

/** A file on disk as the media activity hands it over: named by its reference, with its content type. */
async function uploadOf(content: Buffer, contentType: string, type: PlatformMediaType, extra: Partial<MediaUpload> = {}): Promise<MediaUpload> {
  const ref = newRef();
  const fileName = mediaFileName(ref, contentType);
  const filePath = path.join(dir, `${randomUUID()}-${fileName}`);
  await writeFile(filePath, content);
  return { ref, type, fileName, contentType, bytes: content.length, path: filePath, ...extra };
}

const readBack = (upload: MediaUpload) => readFile(upload.path);

const jpeg = async (width: number, height: number, extra: Partial<MediaUpload> = {}) =>
  uploadOf(await image(width, height, 'jpeg'), 'image/jpeg', 'photo', extra);

/** Uploads and records every onSent report. */
async function uploadCounting(media: PlatformMediaOps, upload: MediaUpload) {
  const reports: number[] = [];
  const { externalId } = await media.uploadMedia(upload, (sent) => reports.push(sent));
  return { externalId, reports };
}

async function refusalOf(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

function restAdapterFor(apiKey: string, platform: PlatformEntry = etalenta) {
  return new RestAdapter({ platform, baseUrl: rest.url, credentials: { apiKey }, credentialStore: memoryCredentialStore({ apiKey }) });
}

function restAccount() {
  const apiKey = `key_${randomUUID()}`;
  rest.addAccount(apiKey);
  const adapter = restAdapterFor(apiKey);
  return { apiKey, adapter, media: adapter.media! };
}

describe('e-TALENTA media (REST)', () => {
  it('uploads a photo, a showreel and a CV byte for byte, with the reference that lets a list find them', async () => {
    const { apiKey, media } = restAccount();
    const photo = await jpeg(1200, 1600, { caption: 'Headshot 2027', photographerCredit: 'Jane Doe' });
    const video = await uploadOf(isoMedia('isom'), 'video/mp4', 'video');
    const cv = await uploadOf(tinyPdf, 'application/pdf', 'document');

    const sent = [];
    for (const upload of [photo, video, cv]) sent.push(await uploadCounting(media, upload));

    const stored = rest.media(apiKey);
    expect(stored.map((item) => [item.type, item.contentType, item.reference])).toEqual([
      ['photo', 'image/jpeg', formatMediaRef(photo.ref)],
      ['video', 'video/mp4', formatMediaRef(video.ref)],
      ['document', 'application/pdf', formatMediaRef(cv.ref)],
    ]);
    for (const [index, upload] of [photo, video, cv].entries()) {
      expect(stored[index]!.id).toBe(sent[index]!.externalId);
      expect(rest.mediaContent(apiKey, stored[index]!.id)!.equals(await readBack(upload))).toBe(true);
      expect(sent[index]!.reports[0]).toBe(0);
      expect(sent[index]!.reports.at(-1)).toBe(upload.bytes);
    }
    expect(stored[0]).toMatchObject({ fileName: photo.fileName, width: 1200, height: 1600, caption: 'Headshot 2027', credit: 'Jane Doe', isMain: true });

    const listed = await media.listMedia();
    expect(listed).toEqual([
      { externalId: sent[0]!.externalId, ref: photo.ref, type: 'photo', fileName: photo.fileName, isMain: true },
      { externalId: sent[1]!.externalId, ref: video.ref, type: 'video', fileName: video.fileName, isMain: false },
      { externalId: sent[2]!.externalId, ref: cv.ref, type: 'document', fileName: cv.fileName, isMain: false },
    ]);
    expect(rest.mediaCounters.uploads).toBeGreaterThanOrEqual(3);
  });

  it('reports the bytes sent while a large file streams, ending with its full size', async () => {
    const { apiKey, media } = restAccount();
    const bigPdf = Buffer.concat([tinyPdf, Buffer.alloc(3 * MB, 0x20)]);
    const upload = await uploadOf(bigPdf, 'application/pdf', 'document');
    const { externalId, reports } = await uploadCounting(media, upload);

    expect(reports.length).toBeGreaterThan(3);
    expect(reports).toEqual([...reports].sort((a, b) => a - b));
    expect(reports.at(-1)).toBe(bigPdf.length);
    expect(rest.mediaContent(apiKey, externalId)!.equals(bigPdf)).toBe(true);
  });

  it('sets the main photo and the order, deletes, and takes a delete of what is already gone as done', async () => {
    const { apiKey, media } = restAccount();
    const first = await media.uploadMedia(await jpeg(800, 1000));
    const second = await media.uploadMedia(await jpeg(900, 1200));
    const cv = await media.uploadMedia(await uploadOf(tinyPdf, 'application/pdf', 'document'));
    const byHand = rest.addPlatformMedia(apiKey, 'holiday.jpg', await image(640, 480));

    await media.setMainMedia(second.externalId);
    await media.setMediaOrder!([cv.externalId, second.externalId]);
    expect((await media.listMedia()).map((item) => [item.externalId, item.isMain, item.ref === null])).toEqual([
      [cv.externalId, false, false],
      [second.externalId, true, false],
      [first.externalId, false, false],
      [byHand.id, false, true],
    ]);

    await media.deleteMedia(second.externalId);
    await media.deleteMedia(second.externalId);
    const left = rest.media(apiKey);
    expect(left.map((item) => item.id)).toEqual([cv.externalId, first.externalId, byHand.id]);
    // The main photo went, so the next photo in order took its place.
    expect(left.find((item) => item.isMain)?.id).toBe(first.externalId);
  });

  it('refuses to make a CV the main photo or to order unknown items, without retrying', async () => {
    const { media } = restAccount();
    const cv = await media.uploadMedia(await uploadOf(tinyPdf, 'application/pdf', 'document'));

    const notAPhoto = await refusalOf(media.setMainMedia(cv.externalId));
    expect(notAPhoto).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(notAPhoto.message).toMatch(/only a photo can be the main photo/);
    const unknownMain = await refusalOf(media.setMainMedia('med_unknown'));
    expect(unknownMain).toMatchObject({ type: ErrorType.client, retryable: false, details: { status: 404 } });
    const unknownOrder = await refusalOf(media.setMediaOrder!(['med_unknown', cv.externalId]));
    expect(unknownOrder).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(unknownOrder.message).toMatch(/no media item "med_unknown"/);
  });

  it('is refused a photo below the minimum edge, a file it cannot use and a PDF over the size limit, with the reason', async () => {
    const { apiKey, media } = restAccount();
    const refusalsBefore = rest.mediaCounters.refusals;

    const tooSmall = await refusalOf(media.uploadMedia(await jpeg(300, 500)));
    expect(tooSmall).toMatchObject({ type: ErrorType.validation, retryable: false, details: { status: 422 } });
    expect(tooSmall.message).toMatch(/too small \(300 × 500 px\): the shorter edge must be at least 400 px/);

    // Named and typed as a JPEG, but the bytes are text: judged by content, not by name.
    const notAnImage = await refusalOf(media.uploadMedia(await uploadOf(Buffer.from('just some text, not a photo'), 'image/jpeg', 'photo')));
    expect(notAnImage).toMatchObject({ type: ErrorType.validation, retryable: false, details: { status: 422 } });
    expect(notAnImage.message).toMatch(/is not a file this platform takes \(only JPEG or PNG photos, MP4 or MOV videos, PDF documents\)/);

    const hugePdf = Buffer.concat([tinyPdf, Buffer.alloc(10 * MB, 0x20)]);
    const tooLarge = await refusalOf(media.uploadMedia(await uploadOf(hugePdf, 'application/pdf', 'document')));
    expect(tooLarge).toMatchObject({ type: ErrorType.validation, retryable: false, details: { status: 413 } });
    expect(tooLarge.message).toMatch(/documents may have at most 10 MB/);

    expect(rest.media(apiKey)).toEqual([]);
    expect(rest.mediaCounters.refusals - refusalsBefore).toBe(3);
  });

  it('turns a 429 with Retry-After and a 503 into retryable errors, and a retry then uploads once', async () => {
    const { apiKey, media } = restAccount();
    const upload = await jpeg(600, 800);

    rest.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 7 } };
    const limited = await refusalOf(media.uploadMedia(upload));
    expect(limited).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429, retryAfterMs: 7000 } });

    rest.faults = { failNext: { count: 1, status: 503 } };
    const down = await refusalOf(media.uploadMedia(upload));
    expect(down).toMatchObject({ type: ErrorType.server, retryable: true, details: { status: 503 } });

    rest.faults = { failNext: { count: 1, status: 503 } };
    expect(await refusalOf(media.listMedia())).toMatchObject({ type: ErrorType.server, retryable: true });

    expect(rest.media(apiKey)).toEqual([]);
    await media.uploadMedia(upload);
    expect(rest.media(apiKey).map((item) => item.reference)).toEqual([formatMediaRef(upload.ref)]);
  });

  it('counts media calls against the account quota, and a revoked key is an auth failure', async () => {
    const quoted = new RestPlatformSimulator({ name: 'etalenta', media: apiMediaRulesOf(etalenta), quota: { requests: 2, perSeconds: 3600 } });
    await quoted.start();
    try {
      quoted.addAccount('quota-key');
      const media = new RestAdapter({ platform: etalenta, baseUrl: quoted.url, credentials: { apiKey: 'quota-key' }, credentialStore: memoryCredentialStore({}) }).media!;
      await media.uploadMedia(await jpeg(600, 800));
      await media.listMedia();
      const overQuota = await refusalOf(media.listMedia());
      expect(overQuota).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429 } });
      expect(overQuota.details.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await quoted.stop();
    }

    const { apiKey, media } = restAccount();
    rest.accounts.get(apiKey)!.revoked = true;
    expect(await refusalOf(media.uploadMedia(await jpeg(600, 800)))).toMatchObject({ type: ErrorType.auth, retryable: false });
  });

  it('stops reading a file at the largest size it takes, and refuses an upload once the account is full', async () => {
    const small = new RestPlatformSimulator({
      name: 'etalenta',
      media: { photos: { formats: ['jpeg'], maxBytes: 64 * 1024, minEdge: 100, minEdgeOf: 'shorter', maxEdge: 4000 }, videos: null, documents: null, maxItems: 1 },
    });
    await small.start();
    try {
      small.addAccount('small-key');
      const media = new RestAdapter({ platform: etalenta, baseUrl: small.url, credentials: { apiKey: 'small-key' }, credentialStore: memoryCredentialStore({}) }).media!;
      const oversized = await refusalOf(media.uploadMedia(await uploadOf(Buffer.concat([await image(300, 300), Buffer.alloc(MB)]), 'image/jpeg', 'photo')));
      expect(oversized).toMatchObject({ type: ErrorType.validation, retryable: false, details: { status: 413 } });
      expect(oversized.message).toMatch(/is larger than 0.06 MB/);

      await media.uploadMedia(await jpeg(300, 300));
      const full = await refusalOf(media.uploadMedia(await jpeg(300, 300)));
      expect(full).toMatchObject({ type: ErrorType.validation, retryable: false, details: { status: 422 } });
      expect(full.message).toMatch(/already has 1 media items, the most it may keep/);
      expect(small.media('small-key')).toHaveLength(1);
      expect(small.mediaCounters).toEqual({ uploads: 1, refusals: 2 });
    } finally {
      await small.stop();
    }
  });

  it('offers media only on platforms that take it: Agentur Connection shares the adapter but has none', async () => {
    expect(restAdapterFor('any', getPlatform('agentur-connection')).media).toBeUndefined();
    expect(restAdapterFor('any').media).toBeDefined();
    // Its simulator, started from the catalog, has no media API at all.
    const agency = new RestPlatformSimulator({ name: 'agentur-connection', media: apiMediaRulesOf(getPlatform('agentur-connection')) });
    await agency.start();
    try {
      agency.addAccount('agency-key');
      const answer = await request(`${agency.url}/v1/media`, { headers: { authorization: 'Bearer agency-key' } });
      await answer.body.dump();
      expect(answer.statusCode).toBe(404);
    } finally {
      await agency.stop();
    }
  });
});

describe('Wanted media (OAuth)', () => {
  const redirectUri = 'http://localhost:3000/api/platforms/wanted/callback';

  /** The authorization-code flow with the account saying yes; `scope` overrides the catalog's. */
  async function authorize(accountId: string, scope = wanted.oauth!.scope): Promise<AuthData> {
    const platform = { ...wanted, oauth: { ...wanted.oauth!, scope } };
    const started = await createAuthorizationRequest({ platform, baseUrl: oauth.url, client: SIMULATOR_OAUTH_CLIENT, redirectUri });
    oauth.autoApprove = accountId;
    const answer = await request(started.url);
    await answer.body.dump();
    const location = new URL(String(answer.headers.location));
    return exchangeAuthorizationCode({ platform, baseUrl: oauth.url, client: SIMULATOR_OAUTH_CLIENT, code: location.searchParams.get('code')!, codeVerifier: started.codeVerifier, redirectUri });
  }

  async function wantedAccount(scope?: string) {
    const account = oauth.addAccount();
    const tokens = await authorize(account.accountId, scope);
    const store = memoryCredentialStore(tokens);
    const adapter = new OAuthAdapter({ platform: wanted, baseUrl: oauth.url, credentials: tokens, credentialStore: store, oauthClient: SIMULATOR_OAUTH_CLIENT });
    return { accountId: account.accountId, tokens, store, media: adapter.media! };
  }

  it('uploads, lists, sets the main photo and order, and deletes', async () => {
    const { accountId, media } = await wantedAccount();
    const first = await jpeg(1200, 1500, { photographerCredit: 'Studio Nord' });
    const second = await jpeg(960, 1200);
    const a = await uploadCounting(media, first);
    const b = await uploadCounting(media, second);
    expect(a.reports.at(-1)).toBe(first.bytes);
    expect(oauth.mediaContent(accountId, a.externalId)!.equals(await readBack(first))).toBe(true);
    expect(oauth.media(accountId)[0]).toMatchObject({ reference: formatMediaRef(first.ref), credit: 'Studio Nord', width: 1200, height: 1500 });

    await media.setMediaOrder!([b.externalId, a.externalId]);
    await media.setMainMedia(b.externalId);
    expect(await media.listMedia()).toEqual([
      { externalId: b.externalId, ref: second.ref, type: 'photo', fileName: second.fileName, isMain: true },
      { externalId: a.externalId, ref: first.ref, type: 'photo', fileName: first.fileName, isMain: false },
    ]);

    await media.deleteMedia(a.externalId);
    await media.deleteMedia(a.externalId);
    expect(oauth.media(accountId).map((item) => item.id)).toEqual([b.externalId]);
  });

  it('is refused a PDF (photos only), a PNG (JPEG only), a square photo (4:5) and a small one, with the reason', async () => {
    const { accountId, media } = await wantedAccount();
    const cases: [MediaUpload, RegExp][] = [
      [await uploadOf(tinyPdf, 'application/pdf', 'document'), /is a PDF document; this platform takes only JPEG photos/],
      [await uploadOf(await image(1200, 1500, 'png'), 'image/png', 'photo'), /is a PNG image; this platform takes only JPEG photos/],
      [await jpeg(1500, 1500), /has the wrong aspect \(1500 × 1500 px\): photos must be 4:5/],
      [await jpeg(400, 500), /too small \(400 × 500 px\): the shorter edge must be at least 600 px/],
    ];
    for (const [upload, reason] of cases) {
      const refusal = await refusalOf(media.uploadMedia(upload));
      expect(refusal).toMatchObject({ type: ErrorType.validation, retryable: false, details: { status: 422 } });
      expect(refusal.message).toMatch(reason);
    }
    expect(oauth.media(accountId)).toEqual([]);
  });

  it('refreshes a refused access token and uploads once, not twice', async () => {
    const { accountId, store, tokens, media } = await wantedAccount();
    const uploadsBefore = oauth.mediaCounters.uploads;
    // The platform stops honouring the access token before the expiry we were told (a key rotation).
    oauth.invalidateAccessTokens(accountId);
    const upload = await jpeg(1200, 1500);
    const { externalId, reports } = await uploadCounting(media, upload);

    expect(oauth.refreshCount(accountId)).toBe(1);
    expect(store.current().accessToken).not.toBe(tokens.accessToken);
    expect(oauth.media(accountId).map((item) => item.id)).toEqual([externalId]);
    expect(oauth.mediaCounters.uploads - uploadsBefore).toBe(1);
    expect(oauth.apiRequests({ method: 'POST', accountId }).map((r) => r.status)).toEqual([401, 201]);
    expect(reports.at(-1)).toBe(upload.bytes);
    expect(oauth.mediaContent(accountId, externalId)!.equals(await readBack(upload))).toBe(true);
  });

  it('refreshes an access token that has run out before it sends the upload', async () => {
    const { accountId, store, media } = await wantedAccount();
    const expired = { ...store.current(), accessTokenExpiresAt: Date.now() - 1000 };
    const adapter = new OAuthAdapter({ platform: wanted, baseUrl: oauth.url, credentials: expired, credentialStore: memoryCredentialStore(expired), oauthClient: SIMULATOR_OAUTH_CLIENT });
    const { externalId } = await adapter.media!.uploadMedia(await jpeg(1200, 1500));

    expect(oauth.refreshCount(accountId)).toBe(1);
    expect(oauth.apiRequests({ method: 'POST', accountId }).map((r) => r.status)).toEqual([201]);
    expect((await media.listMedia()).map((item) => item.externalId)).toEqual([externalId]);
  });

  it('needs the media:write scope: a grant without it is an auth failure, not retried', async () => {
    const { accountId, media } = await wantedAccount('calendar:read calendar:write');
    const refusal = await refusalOf(media.uploadMedia(await jpeg(1200, 1500)));
    expect(refusal).toMatchObject({ type: ErrorType.auth, retryable: false, details: { status: 403 } });
    expect(refusal.message).toMatch(/403: this call needs the scope media:write/);
    // Refreshing cannot add a scope, so none was tried.
    expect(oauth.refreshCount(accountId)).toBe(0);
    expect(oauth.media(accountId)).toEqual([]);
  });

  it('turns a 429 with Retry-After and a 503 into retryable errors', async () => {
    const { accountId, media } = await wantedAccount();
    const upload = await jpeg(1200, 1500);

    oauth.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 30 } };
    expect(await refusalOf(media.uploadMedia(upload))).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { retryAfterMs: 30_000 } });
    oauth.faults = { failNext: { count: 1, status: 503 } };
    expect(await refusalOf(media.uploadMedia(upload))).toMatchObject({ type: ErrorType.server, retryable: true, details: { status: 503 } });
    oauth.faults = { failNext: { count: 1, status: 502 } };
    expect(await refusalOf(media.deleteMedia('med_any'))).toMatchObject({ type: ErrorType.server, retryable: true });

    expect(oauth.media(accountId)).toEqual([]);
  });

  it('offers media only on platforms that take it: JobWork has none', () => {
    const jobwork = new OAuthAdapter({ platform: getPlatform('jobwork'), baseUrl: oauth.url, credentials: {}, credentialStore: memoryCredentialStore({}), oauthClient: SIMULATOR_OAUTH_CLIENT });
    expect(jobwork.media).toBeUndefined();
  });
});

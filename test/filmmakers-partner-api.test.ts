// Filmmakers' read-only partner API as its public documentation describes it (denkungsart/filmmakers-api): the
// simulator serves only the documented endpoints and shapes (token header, Link paging with Total and Per-Page,
// per_page at most 1000, 300 requests per 5 minutes per IP then 429 with Ratelimit-* headers, Reset a Unix
// timestamp), built from the portal's own state; and PartnerApiClient reads the actor's profile, pictures and
// showreels through it with no browser, paging whatever the server's default page size. The calendar is never
// read through the API (it has none).
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserAdapter, closeBrowser } from '../adapters/browser/browser-adapter.js';
import { nextLink, PartnerApiClient, profileDrift } from '../adapters/browser/partner-api.js';
import { getPlatform, type PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import type { AdapterContext, AuthData } from '../adapters/types.js';
import { API_REFERENCE_MD_DEFAULT_PER_PAGE } from '../simulators/portal/partner-api.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { image, mp4 } from './support/media-files.js';

const TOKEN = 'partner-token-of-the-actor';
const AGENCY_TOKEN = 'partner-token-of-an-agency';
const EMAIL = 'mara.lindqvist@portal.test';
const PASSWORD = 'correct horse battery staple';

/** Simulators started by this file, stopped at the end. */
const started: PortalSimulator[] = [];

async function filmmakers(partnerApi: Partial<NonNullable<ConstructorParameters<typeof PortalSimulator>[0]>['partnerApi']> = {}): Promise<PortalSimulator> {
  const portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens: [TOKEN, AGENCY_TOKEN], ...partnerApi } });
  portal.addAccount(EMAIL, PASSWORD, { partnerApiToken: TOKEN });
  await portal.start();
  started.push(portal);
  return portal;
}

afterAll(async () => {
  await closeBrowser();
  await Promise.all(started.map((p) => p.stop()));
});

async function get(portal: PortalSimulator, path: string, authorization: string | null = `Token token=${TOKEN}`) {
  const response = await request(new URL(path, portal.url), { headers: authorization ? { authorization } : {} });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, body: text ? JSON.parse(text) : null };
}

/** A credential store that keeps what it is given (the API never rewrites credentials). */
function storeOf(credentials: AuthData): AdapterContext['credentialStore'] {
  let stored = credentials;
  return { update: async (fn) => (stored = (await fn(stored)) ?? stored) };
}

function client(portal: PortalSimulator, credentials: Partial<AuthData> = {}, platform: PlatformEntry = getPlatform('filmmakers')): PartnerApiClient {
  const all: AuthData = { email: EMAIL, password: PASSWORD, partnerApiToken: TOKEN, ...credentials };
  const api = PartnerApiClient.for({ platform, baseUrl: portal.url, credentials: all, credentialStore: storeOf(all) });
  if (!api) throw new Error('the catalog names no partner API for Filmmakers');
  return api;
}

/** The catalog's Filmmakers entry asking for the server's default page size (no per_page). */
function withServerDefaultPageSize(): PlatformEntry {
  const entry = getPlatform('filmmakers');
  return { ...entry, browser: { ...entry.browser!, partnerApiPerPage: undefined } };
}

function apiPaths(portal: PortalSimulator, prefix: string): string[] {
  return portal.requests.filter((r) => r.path.startsWith(prefix)).map((r) => r.path);
}

describe('the simulated partner API', () => {
  let portal: PortalSimulator;
  beforeAll(async () => {
    portal = await filmmakers();
  });

  it('takes the documented token header and answers 401 with no body otherwise, or once the key is revoked', async () => {
    for (const authorization of [null, 'Token token=wrong', `Bearer ${TOKEN}`, TOKEN]) {
      const answer = await get(portal, '/api/v1/actor_profiles', authorization);
      expect(answer).toMatchObject({ status: 401, text: '' });
    }
    expect((await get(portal, '/api/v1/actor_profiles', `Token token="${TOKEN}"`)).status).toBe(200);
    const revocable = await filmmakers();
    revocable.partnerApi!.revoke(TOKEN);
    expect((await get(revocable, '/api/v1/actor_profiles')).status).toBe(401);
  });

  it('serves the documented resources only: anything else is a 404 with no body', async () => {
    for (const path of ['/api/v1/calendar', '/api/v1/profiles/1', '/api/v1/actor_profiles/1/calendar', '/api/v1/crew_profile']) {
      expect(await get(portal, path)).toMatchObject({ status: 404, text: '' });
    }
    const post = await request(new URL('/api/v1/actor_profiles', portal.url), { method: 'POST', headers: { authorization: `Token token=${TOKEN}` } });
    expect(post.statusCode).toBe(404);
    await post.body.text();
  });

  it('lists the key\'s actor with the documented default fields, and reads the profile the portal holds', async () => {
    const profileId = portal.profileIdOf(EMAIL)!;
    const list = await get(portal, '/api/v1/actor_profiles');
    expect(list.body).toEqual([{ id: Number(profileId), name: 'Mara Lindqvist', gender: null }]);
    expect(list.headers).toMatchObject({ total: '1', 'per-page': '250' });
    expect((await get(portal, '/api/v1/actor_profiles?fields=first_name,last_name,languages')).body).toEqual([
      { id: Number(profileId), first_name: 'Mara', last_name: 'Lindqvist', languages: {} },
    ]);
    expect((await get(portal, `/api/v1/actor_profiles/${Number(profileId) + 1}`)).status).toBe(404);
  });

  it('serves the closed lists as docs/attributes.md shows them: the names, then one list as key/value pairs by locale', async () => {
    const names = await get(portal, '/api/v1/attributes/');
    expect(names.status).toBe(200);
    expect(names.body).toEqual(expect.arrayContaining(['eye_color', 'language_skill', 'languages']));
    expect((await get(portal, '/api/v1/attributes')).body).toEqual(names.body);
    expect((await get(portal, '/api/v1/attributes/eye_color')).body).toMatchObject({ braun: 'Brown', dunkelbraun: 'Dark brown' });
    expect((await get(portal, '/api/v1/attributes/languages?locale=de')).body).toMatchObject({ deutsch: 'Deutsch', englisch: 'Englisch' });
    expect((await get(portal, '/api/v1/attributes/language_skill?locale=en')).body).toMatchObject({ muttersprachlich: 'Native speaker', fliessend: 'Fluent' });
    expect(await get(portal, '/api/v1/attributes/no_such_list')).toMatchObject({ status: 404, text: '' });
    expect((await get(portal, '/api/v1/attributes', null)).status).toBe(401);
  });

  it('refuses per_page above 1000 with 400 and takes 1000', async () => {
    expect((await get(portal, '/api/v1/actor_profiles?per_page=1000')).status).toBe(200);
    expect(await get(portal, '/api/v1/actor_profiles?per_page=1001')).toMatchObject({ status: 400, text: '' });
  });

  it('reads the RFC 8288 rel="next" target among several links and relation types', () => {
    expect(nextLink('<https://x.test/a?page=1>; rel="prev", <https://x.test/a?page=3>; rel="next last"')).toBe('https://x.test/a?page=3');
    expect(nextLink('<https://x.test/a?page=2>; title="p"; rel=next')).toBe('https://x.test/a?page=2');
    expect(nextLink('<https://x.test/a?page=1>; rel="first"')).toBeNull();
  });
});

describe('paging through actor_profiles', () => {
  it('at the maximum page size: 1001 profiles in two pages of at most 1000', async () => {
    const portal = await filmmakers({ agencyProfiles: 1000 });
    const ids = await client(portal, { partnerApiToken: AGENCY_TOKEN }).profileIds();
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    const withOwn = await client(portal).profileIds();
    expect(withOwn).toHaveLength(1001);
    expect(withOwn).toContain(portal.profileIdOf(EMAIL));
    expect(apiPaths(portal, '/api/v1/actor_profiles').slice(-2)).toEqual(['/api/v1/actor_profiles?per_page=1000', '/api/v1/actor_profiles?per_page=1000&page=2']);
  });

  it('at the default of docs/pagination.md (250), sending no per_page', async () => {
    const portal = await filmmakers({ agencyProfiles: 600 });
    const ids = await client(portal, {}, withServerDefaultPageSize()).profileIds();
    expect(ids).toHaveLength(601);
    expect(apiPaths(portal, '/api/v1/actor_profiles')).toEqual(['/api/v1/actor_profiles', '/api/v1/actor_profiles?page=2&per_page=250', '/api/v1/actor_profiles?page=3&per_page=250']);
  });

  it('at the default of docs/api-reference.md (25), sending no per_page', async () => {
    const portal = await filmmakers({ agencyProfiles: 60, defaultPerPage: API_REFERENCE_MD_DEFAULT_PER_PAGE });
    const first = await get(portal, '/api/v1/actor_profiles');
    expect(first.headers).toMatchObject({ total: '61', 'per-page': '25' });
    expect(first.body).toHaveLength(25);
    expect(await client(portal, {}, withServerDefaultPageSize()).profileIds()).toHaveLength(61);
    expect(apiPaths(portal, '/api/v1/actor_profiles?page=')).toEqual(['/api/v1/actor_profiles?page=2&per_page=25', '/api/v1/actor_profiles?page=3&per_page=25']);
  });

  it('never sends per_page above the documented maximum, whatever the catalog says', async () => {
    const portal = await filmmakers({ agencyProfiles: 3 });
    const entry = getPlatform('filmmakers');
    const greedy = { ...entry, browser: { ...entry.browser!, partnerApiPerPage: 5000 } };
    expect(await client(portal, {}, greedy).profileIds()).toHaveLength(4);
    expect(apiPaths(portal, '/api/v1/')).toEqual(['/api/v1/actor_profiles?per_page=1000']);
  });
});

describe('the rate limit', () => {
  it('answers 429 with the three documented headers, Reset a Unix timestamp at the window\'s end, and no Retry-After', async () => {
    const windowMs = 60_000;
    const portal = await filmmakers({ rateLimit: { requests: 3, windowMs } });
    const before = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i += 1) expect((await get(portal, '/api/v1/actor_profiles')).status).toBe(200);
    const refused = await get(portal, '/api/v1/actor_profiles');
    const after = Math.ceil(Date.now() / 1000);
    expect(refused).toMatchObject({ status: 429, text: '' });
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0' });
    expect(refused.headers['retry-after']).toBeUndefined();
    const reset = Number(refused.headers['ratelimit-reset']);
    expect(reset).toBeGreaterThanOrEqual(before + windowMs / 1000);
    expect(reset).toBeLessThanOrEqual(after + windowMs / 1000);
    expect(portal.counters.apiRateLimited).toBe(1);

    // Through the client the 429 is a retryable rate-limit error waiting until the Reset timestamp (adapters/http.ts
    // reads it as a timestamp, not as seconds to wait): about the window, not decades.
    const failure = await client(portal).actorProfile().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429 } });
    const waitMs = (failure as PlatformError).details.retryAfterMs!;
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(reset * 1000 - (Date.now() - 1000));

    portal.partnerApi!.resetRateLimits();
    expect((await get(portal, '/api/v1/actor_profiles')).status).toBe(200);
  });

  it('starts a new window once the old one has passed', async () => {
    const portal = await filmmakers({ rateLimit: { requests: 1, windowMs: 1_000 } });
    expect((await get(portal, '/api/v1/actor_profiles')).status).toBe(200);
    expect((await get(portal, '/api/v1/actor_profiles')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await get(portal, '/api/v1/actor_profiles')).status).toBe(200);
  });
});

describe('PartnerApiClient', () => {
  it('reads the profile, pictures and showreels the portal holds, and sees a change made on the portal, with no browser', async () => {
    const portal = await filmmakers();
    portal.changeProfile(EMAIL, { playingAgeFrom: 28, playingAgeTo: 36, heightCm: 172, eyeColour: 'green', languages: [{ language: 'German', level: 'native' }], skills: ['fencing'] });
    const headshot = portal.addMedia(EMAIL, 'headshot.jpg', await image(800, 1000), 'Foto: Jan Berg');
    const reel = portal.addMedia(EMAIL, 'showreel-2026.mp4', mp4(3));
    const api = client(portal);

    const profile = await api.actorProfile();
    expect(profile.id).toBe(portal.profileIdOf(EMAIL));
    // Eye colour and languages as keys of the platform's lists (docs/actor-profiles.md), read through them.
    expect(profile.fields).toMatchObject({ acting_age_from: 28, acting_age_to: 36, height: 172, eye_color: 'gruen', languages: { deutsch: 'muttersprachlich' } });
    expect(profile.fields).not.toHaveProperty('skills');
    const vocabulary = await api.vocabulary();
    expect(vocabulary).toMatchObject({ eyeColors: expect.objectContaining({ gruen: 'Green' }), languages: expect.objectContaining({ deutsch: 'German' }), languageLevels: expect.objectContaining({ muttersprachlich: 'Native speaker' }) });
    // In the portal form's keys, for profile drift; skills are not in the API, so not in the values.
    const values = (p: typeof profile) => PartnerApiClient.profileValues(getPlatform('filmmakers'), p, vocabulary);
    expect(values(profile)).toEqual({ playingAgeFrom: 28, playingAgeTo: 36, heightCm: 172, eyeColour: 'green', languages: [{ language: 'German', level: 'native' }] });
    expect(profile.pictures).toEqual([
      {
        id: headshot.id,
        mainPicture: true,
        copyright: 'Foto: Jan Berg',
        url: expect.stringContaining(`/media/${headshot.id}/file`),
        versions: { original: expect.any(String), large: expect.any(String), thumb: expect.any(String), thumb_large: expect.any(String) },
      },
    ]);
    expect(await api.showreels(profile)).toEqual([{ id: reel.id, name: 'showreel-2026.mp4', type: 'video', mediumIds: [reel.id] }]);
    const medium = await get(portal, `/api/v1/showreel_media/${reel.id}`);
    expect(medium.body).toMatchObject({ id: Number(reel.id), type: 'ShowreelVideo', proxies: { sd: expect.stringContaining(`/media/${reel.id}/file`) } });

    // What castsync sent, compared with what the API shows: no drift (skills are not compared).
    const sent = { playingAgeFrom: 28, playingAgeTo: 36, heightCm: 172, eyeColour: 'green', languages: [{ language: 'German', level: 'native' }], skills: ['fencing'] };
    expect(profileDrift(sent, values(profile))).toEqual([]);

    // Changed on the portal: the API shows it, with a later updated_at.
    portal.changeProfile(EMAIL, { ...portal.profile(EMAIL)!, heightCm: 174 });
    const second = portal.addMedia(EMAIL, 'profile.jpg', await image(1000, 1000));
    await new Promise((r) => setTimeout(r, 5));
    const changed = await api.actorProfile();
    expect(changed.fields.height).toBe(174);
    expect(profileDrift(sent, values(changed))).toEqual(['heightCm']);
    expect(profileDrift({ ...sent, eyeColour: 'brown', languages: [] }, values(changed))).toEqual(['heightCm', 'eyeColour', 'languages']);
    expect(changed.pictures.map((p) => [p.id, p.mainPicture])).toEqual([[headshot.id, true], [second.id, false]]);
    expect(Date.parse(changed.updatedAt!)).toBeGreaterThan(Date.parse(profile.updatedAt!));
    expect(portal.loginsOf(EMAIL)).toBe(0);
    expect(portal.requests.filter((r) => !r.path.startsWith('/api/'))).toEqual([]);
  });

  it('fails a revoked token as a non-retryable auth error, naming the token', async () => {
    const portal = await filmmakers();
    expect((await client(portal).pictures())).toEqual([]);
    portal.partnerApi!.revoke(TOKEN);
    const failure = await client(portal).pictures().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure).toMatchObject({ type: ErrorType.auth, retryable: false, details: { status: 401 } });
    expect((failure as Error).message).toMatch(/partner API token/);
  });

  it('with an agency key, reads the profile the user named, and refuses to guess among several', async () => {
    const portal = await filmmakers({ agencyProfiles: 2 });
    const guessed = await client(portal, { partnerApiToken: AGENCY_TOKEN }).actorProfile().catch((e: unknown) => e);
    expect(guessed).toMatchObject({ type: ErrorType.auth, retryable: false });
    expect((guessed as Error).message).toMatch(/reads 2 actor profiles/);
    expect((await client(portal, { partnerApiToken: AGENCY_TOKEN, partnerApiProfileId: '90002' }).actorProfile()).id).toBe('90002');
  });

  it('is only there with a token (the profile read too), and the adapter pulls the calendar from the portal even with one, never the API', async () => {
    const portal = await filmmakers();
    portal.addEntry(EMAIL, { from: '2027-08-01', to: '2027-08-01', state: 'held', comment: '2nd option Tatort' });
    const adapterWith = (credentials: AuthData) =>
      new BrowserAdapter({
        platform: getPlatform('filmmakers'),
        baseUrl: portal.url,
        credentials,
        credentialStore: storeOf(credentials),
        chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      });
    const withoutToken = adapterWith({ email: EMAIL, password: PASSWORD });
    expect(withoutToken.partnerApi()).toBeNull();
    expect(await withoutToken.readProfileForDrift()).toBeNull();
    const withToken = adapterWith({ email: EMAIL, password: PASSWORD, partnerApiToken: TOKEN });
    expect(withToken.partnerApi()).not.toBeNull();
    portal.changeProfile(EMAIL, { playingAgeFrom: null, playingAgeTo: null, heightCm: 181, eyeColour: null, languages: [], skills: [] });
    expect(await withToken.readProfileForDrift()).toEqual({ playingAgeFrom: null, playingAgeTo: null, heightCm: 181, eyeColour: null, languages: [] });
    expect(portal.loginsOf(EMAIL)).toBe(0);
    const apiRequestsBefore = apiPaths(portal, '/api/').length;
    expect(await withToken.pullAvailability()).toEqual([expect.objectContaining({ status: 'tentative', optionRank: 2 })]);
    expect(portal.loginsOf(EMAIL)).toBe(1);
    expect(apiPaths(portal, '/api/')).toHaveLength(apiRequestsBefore);
  });
});

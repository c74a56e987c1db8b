// Filmmakers' read-only partner API in the portal simulator, as its documentation describes it (token header,
// RFC 8288 Link paging with per_page up to 1000, 300 requests per 5 minutes per IP answered with 429 and RateLimit
// headers; the limits lowered here), and BrowserAdapter.pullAvailability reading the calendar through it: the
// same entries as the calendar page, with no page load, and a 429 as a retryable error with the server's delay.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserAdapter, closeBrowser } from '../adapters/browser/browser-adapter.js';
import { nextLink } from '../adapters/browser/partner-api.js';
import { getPlatform, type PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import type { AuthData } from '../adapters/types.js';
import { PortalSimulator } from '../simulators/portal/server.js';

const TOKEN = 'partner-token-of-the-actor';
const UNLINKED_TOKEN = 'partner-token-of-nobody';
const EMAIL = 'actor@portal.test';
const PASSWORD = 'correct horse battery staple';

/** Simulators started by this file, stopped at the end. */
const started: PortalSimulator[] = [];

async function filmmakers(options: Partial<ConstructorParameters<typeof PortalSimulator>[0]> = {}, entries = 5): Promise<PortalSimulator> {
  const portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens: [TOKEN, UNLINKED_TOKEN] }, ...options });
  portal.addAccount(EMAIL, PASSWORD, { partnerApiToken: TOKEN });
  for (let day = 1; day <= entries; day += 1) {
    const date = `2027-08-${String(day).padStart(2, '0')}`;
    const ours = day % 2 === 1;
    portal.addEntry(EMAIL, { from: date, to: date, state: ours ? 'blocked' : 'held', comment: ours ? `Travel day [cs:${String(day).padStart(8, 'a')}]` : '2nd option Tatort' });
  }
  await portal.start();
  started.push(portal);
  return portal;
}

afterAll(async () => {
  await closeBrowser();
  await Promise.all(started.map((p) => p.stop()));
});

async function get(portal: PortalSimulator, path: string, authorization: string | null = `Token token="${TOKEN}"`) {
  const response = await request(new URL(path, portal.url), { headers: authorization ? { authorization } : {} });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text ? JSON.parse(text) : null };
}

function adapter(portal: PortalSimulator, credentials: AuthData, platform: PlatformEntry = getPlatform('filmmakers')) {
  let stored = credentials;
  return new BrowserAdapter({
    platform,
    baseUrl: portal.url,
    credentials,
    credentialStore: { update: async (fn) => (stored = (await fn(stored)) ?? stored) },
    chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  });
}

describe('the simulated partner API', () => {
  let portal: PortalSimulator;
  beforeAll(async () => {
    portal = await filmmakers();
  });

  it('asks for a token it knows, in the Token header, and shows a token only its own profile', async () => {
    for (const authorization of [null, 'Token token="wrong"', `Bearer ${TOKEN}`]) {
      const answer = await get(portal, '/api/v1/calendar', authorization);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Token realm="Application"');
      expect(answer.headers['ratelimit-limit']).toBe('300');
    }
    expect((await get(portal, '/api/v1/calendar', `Token token="${UNLINKED_TOKEN}"`)).status).toBe(403);
    expect((await get(portal, '/api/v1/calendar', `Token token=${TOKEN}`)).status).toBe(200);

    const profileId = portal.profileIdOf(EMAIL)!;
    const profile = await get(portal, `/api/v1/profiles/${profileId}`);
    expect(profile).toMatchObject({ status: 200, body: { id: Number(profileId), playing_age: { from: null, to: null }, languages: [] } });
    expect((await get(portal, `/api/v1/profiles/${Number(profileId) + 1}`)).status).toBe(404);
  });

  it('pages the calendar with per_page and Link rel="next" until the last page', async () => {
    const seen: unknown[] = [];
    let path: string | null = '/api/v1/calendar?per_page=2';
    const sizes: number[] = [];
    while (path) {
      const answer = await get(portal, path);
      expect(answer.status).toBe(200);
      expect(answer.headers.total).toBe('5');
      seen.push(...answer.body);
      sizes.push(answer.body.length);
      path = nextLink(String(answer.headers.link));
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(portal.entries(EMAIL).map((e) => ({ id: Number(e.id), start_date: e.from, end_date: e.to, status: e.state, comment: e.comment })));

    // The default page (250) holds everything: no next link, but first and last.
    const all = await get(portal, '/api/v1/calendar');
    expect(all.body).toHaveLength(5);
    expect(nextLink(String(all.headers.link))).toBeNull();
    expect(all.headers.link).toContain('rel="last"');
  });

  it('refuses per_page above 1000 and page sizes that are not positive whole numbers', async () => {
    expect((await get(portal, '/api/v1/calendar?per_page=1000')).status).toBe(200);
    for (const perPage of ['1001', '0', 'ten']) {
      const answer = await get(portal, `/api/v1/calendar?per_page=${perPage}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatch(/per_page must be/);
    }
  });

  it('reads the rel="next" target among several links and relation types', () => {
    expect(nextLink('<https://x.test/a?page=1>; rel="prev", <https://x.test/a?page=3>; rel="next last"')).toBe('https://x.test/a?page=3');
    expect(nextLink('<https://x.test/a?page=2>; title="p"; rel=next')).toBe('https://x.test/a?page=2');
    expect(nextLink('<https://x.test/a?page=1>; rel="first"')).toBeNull();
  });
});

describe('the rate limit', () => {
  it('answers 429 with RateLimit headers and Retry-After once the window is used up, per client IP', async () => {
    const portal = await filmmakers({ partnerApi: { tokens: [TOKEN], rateLimit: { requests: 3, windowMs: 60_000 } } });
    const remaining: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await get(portal, '/api/v1/calendar');
      expect(answer.status).toBe(200);
      remaining.push(answer.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await get(portal, '/api/v1/calendar');
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'retry-after': refused.headers['ratelimit-reset'] });
    const reset = Number(refused.headers['ratelimit-reset']);
    expect(reset).toBeGreaterThan(55);
    expect(reset).toBeLessThanOrEqual(60);
    expect(portal.counters.apiRateLimited).toBe(1);

    // Through the adapter the 429 is a retryable error that waits as long as the server says.
    const failure = await adapter(portal, { email: EMAIL, password: PASSWORD, partnerApiToken: TOKEN }).pullAvailability().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429, retryAfterMs: expect.any(Number) } });
    expect((failure as PlatformError).details.retryAfterMs).toBeGreaterThan(55_000);

    portal.partnerApi!.resetRateLimits();
    expect((await get(portal, '/api/v1/calendar')).status).toBe(200);
  });

  it('starts a new window when the old one has passed, and the adapter reads RateLimit-Reset when Retry-After is missing', async () => {
    const portal = await filmmakers({ partnerApi: { tokens: [TOKEN], rateLimit: { requests: 1, windowMs: 1_500 }, retryAfterOn429: false } });
    expect((await get(portal, '/api/v1/calendar')).status).toBe(200);
    const refused = await get(portal, '/api/v1/calendar');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeUndefined();

    const failure = await adapter(portal, { email: EMAIL, password: PASSWORD, partnerApiToken: TOKEN }).pullAvailability().catch((e: unknown) => e);
    expect(failure).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { retryAfterMs: Number(refused.headers['ratelimit-reset']) * 1000 } });

    await new Promise((r) => setTimeout(r, 1_600));
    expect((await get(portal, '/api/v1/calendar')).status).toBe(200);
  });
});

describe('BrowserAdapter.pullAvailability', () => {
  it('reads through the API the same entries the calendar page shows, following Link pages, without loading a page', async () => {
    const portal = await filmmakers({}, 7);
    const fromPage = await adapter(portal, { email: EMAIL, password: PASSWORD }).pullAvailability();
    expect(fromPage).toHaveLength(7);
    expect(fromPage[0]).toMatchObject({ ourId: 'aaaaaaa1', status: 'unavailable', type: 'travel' });
    expect(fromPage[1]).toMatchObject({ ourId: null, status: 'tentative', optionRank: 2 });
    const pagesBefore = portal.requests.filter((r) => !r.path.startsWith('/api/')).length;
    const loginsBefore = portal.loginsOf(EMAIL);

    // Three entries a page: 7 entries take three requests.
    const filmmakersEntry = getPlatform('filmmakers');
    const smallPages = { ...filmmakersEntry, browser: { ...filmmakersEntry.browser!, partnerApiPerPage: 3 } };
    const fromApi = await adapter(portal, { email: EMAIL, password: PASSWORD, partnerApiToken: TOKEN }, smallPages).pullAvailability();
    expect(fromApi).toEqual(fromPage);
    expect(portal.requestsOf(undefined, 'GET', '/api/v1/calendar').map((r) => new URL(r.path, portal.url).search)).toEqual([
      '?per_page=3',
      '?page=2&per_page=3',
      '?page=3&per_page=3',
    ]);

    // The catalog's page size (1000) takes one request.
    expect(await adapter(portal, { email: EMAIL, password: PASSWORD, partnerApiToken: TOKEN }).pullAvailability()).toEqual(fromPage);
    expect(portal.requestsOf(undefined, 'GET', '/api/v1/calendar')).toHaveLength(4);
    expect(portal.requests.filter((r) => !r.path.startsWith('/api/')).length).toBe(pagesBefore);
    expect(portal.loginsOf(EMAIL)).toBe(loginsBefore);
  });

  it('fails a refused token without retries, as a credentials problem', async () => {
    const portal = await filmmakers({}, 1);
    const failure = await adapter(portal, { email: EMAIL, password: PASSWORD, partnerApiToken: 'revoked' }).pullAvailability().catch((e: unknown) => e);
    expect(failure).toMatchObject({ type: ErrorType.auth, retryable: false, details: { status: 401 } });
  });
});

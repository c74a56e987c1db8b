// The OAuth kind against the simulated JobWork: users connect through the real authorization-code flow with
// PKCE; changes reach the platform through Temporal; access tokens are refreshed before expiry and after a 401;
// two pushes at once refresh once; a revoked grant, an outage and the authorization server's refusals end the
// way a real OAuth platform makes them end.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionCredentialStore, openCredentials } from '../activities/credential-store.js';
import { getPlatform } from '../adapters/catalog.js';
import { OAuthAdapter } from '../adapters/oauth/oauth-adapter.js';
import { createAuthorizationRequest, exchangeAuthorizationCode, revokeAuthorization } from '../adapters/oauth/oauth-flow.js';
import type { AuthData, AvailabilityItem } from '../adapters/types.js';
import { SIMULATOR_OAUTH_CLIENT } from '../simulators/oauth/server.js';
import { OAuthPlatformSimulator, type SimOAuthAccount } from '../simulators/oauth/server.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const platform = getPlatform('jobwork');
const client = SIMULATOR_OAUTH_CLIENT;
const redirectUri = 'http://localhost:3000/api/platforms/jobwork/callback';
const SHORT_TTL_SECONDS = 2;
const LONG_TTL_SECONDS = 3600;

let sim: OAuthPlatformSimulator;
let stack: Stack;
beforeAll(async () => {
  sim = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  await sim.start();
  stack = await startStack({ restPlatforms: [], workerPlatforms: ['jobwork'], env: { CASTSYNC_PLATFORM_URL_JOBWORK: sim.url } });
});
afterAll(async () => {
  await stack?.stop();
  await sim?.stop();
});
beforeEach(() => {
  sim.faults = {};
  sim.autoApprove = null;
  sim.accessTokenTtlSeconds = LONG_TTL_SECONDS;
});

/** The browser's part: open the authorization URL; the platform answers with a redirect (not followed). */
async function openInBrowser(url: string): Promise<{ status: number; location: URL | null; html: string }> {
  const res = await request(url);
  const html = await res.body.text();
  const location = res.headers.location;
  return { status: res.statusCode, location: typeof location === 'string' ? new URL(location) : null, html };
}

const exchange = (code: string, codeVerifier: string, uri = redirectUri) =>
  exchangeAuthorizationCode({ platform, baseUrl: sim.url, client, code, codeVerifier, redirectUri: uri });

/** The whole connect flow, as the gateway's connect and callback routes run it, with the account saying yes. */
async function authorize(account: SimOAuthAccount): Promise<AuthData> {
  const started = await createAuthorizationRequest({ platform, baseUrl: sim.url, client, redirectUri });
  sim.autoApprove = account.accountId;
  const { status, location } = await openInBrowser(started.url);
  expect(status).toBe(302);
  expect(`${location!.origin}${location!.pathname}`).toBe(redirectUri);
  // The callback recognises its request by the state, which the platform hands back unchanged.
  expect(location!.searchParams.get('state')).toBe(started.state);
  return exchange(location!.searchParams.get('code')!, started.codeVerifier);
}

async function connectedUser({ ttlSeconds = LONG_TTL_SECONDS } = {}) {
  const user = await stack.createUser({ platforms: [] });
  const account = sim.addAccount();
  sim.accessTokenTtlSeconds = ttlSeconds;
  const authData = await authorize(account);
  sim.accessTokenTtlSeconds = LONG_TTL_SECONDS; // tokens refreshed later live long, so each test counts exact refreshes
  await stack.connect(user.id, 'jobwork', authData);
  return { user, account, authData };
}

async function storedCredentials(userId: string): Promise<AuthData> {
  const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId, platformId: 'jobwork' } });
  return openCredentials(stack.config, userId, 'jobwork', row);
}

/** The adapter as an activity builds it: decrypted credentials and the row-locked credential store. */
async function adapterFor(userId: string): Promise<OAuthAdapter> {
  return new OAuthAdapter({
    platform,
    baseUrl: sim.url,
    credentials: await storedCredentials(userId),
    credentialStore: connectionCredentialStore(stack.db, stack.config, userId, 'jobwork'),
    oauthClient: client,
  });
}

const waitForExpiry = (accessToken: string) =>
  waitFor(() => !sim.authority.checkAccessToken(accessToken).ok, { what: 'the access token to expire', timeoutMs: 10_000 });

const addRange = (user: TestUser, payload: Record<string, unknown>) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload });

const block = (user: TestUser, day: string) => addRange(user, { startDate: day, endDate: day, status: 'unavailable', type: 'block' });

const attempts = (userId: string) => stack.db.syncLog.findMany({ where: { userId }, orderBy: { startedAt: 'asc' } });

const untilLastAttemptSucceeded = (userId: string, count: number) =>
  waitFor(async () => {
    const rows = await attempts(userId);
    return rows.length === count && rows.at(-1)?.status === 'success' ? rows : null;
  }, { what: `${count} attempts, the last one successful` });

const requestLine = (r: { method: string; path: string; status: number }) => `${r.method} ${r.path} ${r.status}`;

function day(offset: number): string {
  return new Date(Date.UTC(2028, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

describe('OAuth sync (JobWork)', () => {
  it('pushes changes through Temporal, leaves entries made on the platform alone, and a repeated push writes nothing', async () => {
    const { user, account } = await connectedUser();
    const madeOnPlatform = sim.addPlatformEntry(account.accountId, { start: '2027-06-20', end: '2027-06-21', kind: 'booking', heldBy: 'Netflix' });
    const created = await addRange(user, {
      startDate: '2027-06-01',
      endDate: '2027-06-03',
      status: 'tentative',
      type: 'booking',
      optionRank: 1,
      optionHolder: 'Tatort',
      note: 'first option',
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;

    await waitFor(() => sim.calendar(account.accountId).find((e) => e.ref === id), { what: 'the entry on JobWork' });
    expect(sim.calendar(account.accountId).find((e) => e.ref === id)).toMatchObject({
      start: '2027-06-01',
      end: '2027-06-03',
      status: 'tentative',
      kind: 'booking',
      optionRank: 1,
      heldBy: 'Tatort',
      note: 'first option',
      origin: 'api',
    });
    await untilLastAttemptSucceeded(user.id, 1);

    const removed = await stack.app.inject({ method: 'DELETE', url: `/api/availability/${id}`, headers: user.auth });
    expect(removed.statusCode).toBe(204);
    await waitFor(() => !sim.calendar(account.accountId).some((e) => e.ref === id), { what: 'the deletion on JobWork' });
    expect(sim.calendar(account.accountId)).toEqual([madeOnPlatform]);
    await untilLastAttemptSucceeded(user.id, 2);

    const writesBefore = sim.apiRequests({ accountId: account.accountId }).filter((r) => r.method !== 'GET').length;
    const manual = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/jobwork', headers: user.auth });
    expect(manual.statusCode, manual.body).toBe(202);
    await untilLastAttemptSucceeded(user.id, 3);
    expect(sim.apiRequests({ accountId: account.accountId }).filter((r) => r.method !== 'GET')).toHaveLength(writesBefore);
    expect(sim.refreshCount(account.accountId)).toBe(0);
  });

  it('refreshes an expired access token before the push, and stores the rotated tokens', async () => {
    const { user, account, authData } = await connectedUser({ ttlSeconds: SHORT_TTL_SECONDS });
    await waitForExpiry(authData.accessToken!);
    const stale = await request(`${sim.url}/api/v2/me`, { headers: { authorization: `Bearer ${authData.accessToken}` } });
    await stale.body.dump();
    expect(stale.statusCode).toBe(401);
    expect(stale.headers['www-authenticate']).toBe('Bearer realm="JobWork", error="invalid_token", error_description="the access token expired"');
    const requestsBefore = sim.apiRequests({ accountId: account.accountId }).length;

    await block(user, '2027-07-01');
    await waitFor(() => sim.calendar(account.accountId).length === 1, { what: 'the push with a refreshed token' });
    await untilLastAttemptSucceeded(user.id, 1);

    expect(sim.refreshCount(account.accountId)).toBe(1);
    // Refreshed before calling, not after being turned away.
    expect(sim.apiRequests({ accountId: account.accountId }).slice(requestsBefore).map((r) => r.status)).not.toContain(401);
    const stored = await storedCredentials(user.id);
    expect(stored.accessToken).not.toBe(authData.accessToken);
    expect(stored.refreshToken).not.toBe(authData.refreshToken);
    expect(stored.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 60_000);
    expect(sim.liveRefreshTokens(account.accountId)).toEqual([stored.refreshToken]);
  });

  it('refreshes once when the platform answers 401 to a token that has not expired, and retries the call', async () => {
    const { user, account } = await connectedUser();
    sim.invalidateAccessTokens(account.accountId);
    const created = await block(user, '2027-07-02');
    await waitFor(() => sim.calendar(account.accountId).length === 1, { what: 'the push after the 401' });
    const rows = await untilLastAttemptSucceeded(user.id, 1);

    expect(rows[0]!.attempt).toBe(1);
    expect(sim.refreshCount(account.accountId)).toBe(1);
    expect(sim.apiRequests({ accountId: account.accountId }).map(requestLine)).toEqual([
      'GET /api/v2/calendar 401',
      'GET /api/v2/calendar 200',
      `PUT /api/v2/calendar/entries/${created.json().id} 201`,
    ]);
  });

  it('refreshes exactly once when two pushes of one connection need a new token at the same moment', async () => {
    const { user, account, authData } = await connectedUser({ ttlSeconds: SHORT_TTL_SECONDS });
    await waitForExpiry(authData.accessToken!);
    const [first, second] = [await adapterFor(user.id), await adapterFor(user.id)];
    const desired: AvailabilityItem[] = [{ id: randomUUID(), startDate: '2027-09-01', endDate: '2027-09-02', status: 'unavailable', type: 'block' }];

    const results = await Promise.all([first.pushAvailability(desired), second.pushAvailability(desired)]);

    for (const result of results) {
      expect(result.rejected).toEqual([]);
      expect(result.confirmed[desired[0]!.id]).toBe(sim.calendar(account.accountId)[0]!.id);
    }
    expect(sim.calendar(account.accountId)).toHaveLength(1);
    expect(sim.refreshCount(account.accountId)).toBe(1);
    // Had both refreshed, the second would have replayed a used refresh token and the platform would have
    // revoked the grant; instead the one rotated refresh token is alive and stored.
    expect(sim.grants(account.accountId).map((g) => g.revoked)).toEqual([false]);
    const stored = await storedCredentials(user.id);
    expect(sim.liveRefreshTokens(account.accountId)).toEqual([stored.refreshToken]);
    expect(stored.refreshToken).not.toBe(authData.refreshToken);
    // The one refresh is in the audit trail as a credential change by castsync, without any token.
    const audit = await stack.db.auditEvent.findMany({ where: { userId: user.id, action: 'credentials.update' } });
    expect(audit).toEqual([expect.objectContaining({ actor: 'system', target: 'jobwork', details: { fields: ['accessToken', 'accessTokenExpiresAt', 'refreshToken'] } })]);
    expect(JSON.stringify(audit)).not.toContain(stored.refreshToken!);
  });

  it('fails a revoked grant once, without retries, and asks the user to reconnect', async () => {
    const { user, account } = await connectedUser();
    sim.revokeGrant(account.accountId);
    await block(user, '2027-07-03');

    const status = await waitFor(async () => {
      const res = await stack.app.inject({ method: 'GET', url: '/api/sync/status/jobwork', headers: user.auth });
      return res.json().sync?.state === 'failed' ? res.json() : null;
    }, { what: 'the failed state' });
    const message = "JobWork revoked castsync's access (refresh token refused with invalid_grant: the grant was revoked); the user must reconnect JobWork";
    expect(status).toMatchObject({
      connectionStatus: 'needs_reauth',
      statusMessage: message,
      sync: { state: 'failed', lastErrorType: 'PlatformAuthError' },
      lastAttempt: { status: 'failed', attempt: 1 },
    });
    // The workflow only sees the activity fail once no retry is left, so this one row is all there will be.
    const rows = await attempts(user.id);
    expect(rows.map((r) => [r.attempt, r.status, r.errorType, r.errorMessage])).toEqual([[1, 'failed', 'PlatformAuthError', message]]);
    expect(sim.calendar(account.accountId)).toEqual([]);
    expect(sim.refreshCount(account.accountId)).toBe(0);
  });

  it('retries through an outage (503s) until the push succeeds', async () => {
    const { user, account } = await connectedUser();
    sim.faults = { failNext: { count: 2, status: 503 } };
    await block(user, '2027-07-04');
    await waitFor(() => sim.calendar(account.accountId).length === 1, { what: 'the push after the outage' });
    const rows = await untilLastAttemptSucceeded(user.id, 3);

    expect(rows.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'success'],
    ]);
    expect(rows[0]).toMatchObject({ errorType: 'PlatformServerError', errorMessage: 'JobWork failed with 503: service unavailable' });
    const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });
    expect(connection).toMatchObject({ status: 'ok', statusMessage: null });
  });

  it('pulls every page, including entries made on the platform, and a push never touches those', async () => {
    const { user, account } = await connectedUser();
    for (let i = 0; i < 120; i += 1) sim.addPlatformEntry(account.accountId, { start: day(i), end: day(i), kind: 'booking', heldBy: 'Netflix' });
    const adapter = await adapterFor(user.id);
    const ours: AvailabilityItem = { id: randomUUID(), startDate: '2027-10-01', endDate: '2027-10-03', status: 'unavailable', type: 'travel', note: 'Berlin' };
    await adapter.pushAvailability([ours]);

    const pulled = await adapter.pullAvailability();
    expect(pulled).toHaveLength(121);
    expect(pulled.filter((p) => p.ourId === null)).toHaveLength(120);
    expect(pulled.find((p) => p.startDate === day(0))).toEqual({
      externalId: expect.stringMatching(/^ent_/),
      ourId: null,
      startDate: day(0),
      endDate: day(0),
      status: 'unavailable',
      type: 'booking',
      optionRank: null,
      optionHolder: 'Netflix',
      note: null,
    });
    expect(pulled.find((p) => p.ourId === ours.id)).toMatchObject({ startDate: '2027-10-01', endDate: '2027-10-03', type: 'travel', note: 'Berlin' });

    const emptied = await adapter.pushAvailability([]);
    expect(emptied.itemsProcessed).toBe(1);
    expect(sim.calendar(account.accountId).map((e) => e.origin)).toEqual(Array(120).fill('web'));
  });

  it('reports an entry the platform refuses (422) and still pushes the others', async () => {
    const { user, account } = await connectedUser();
    const adapter = await adapterFor(user.id);
    const good: AvailabilityItem = { id: randomUUID(), startDate: '2027-11-01', endDate: '2027-11-01', status: 'unavailable', type: 'block' };
    const tooLong: AvailabilityItem = { ...good, id: randomUUID(), startDate: '2027-11-02', endDate: '2027-11-02', note: 'x'.repeat(600) };

    const result = await adapter.pushAvailability([good, tooLong]);

    expect(result.rejected).toEqual([{ id: tooLong.id, reason: 'JobWork refused the data (422): note is longer than 500 characters' }]);
    expect(Object.keys(result.confirmed)).toEqual([good.id]);
    expect(sim.calendar(account.accountId).map((e) => e.ref)).toEqual([good.id]);
  });
});

describe('JobWork authorization server (simulator)', () => {
  it('refuses a wrong PKCE verifier, another redirect_uri and a second use of a code', async () => {
    const account = sim.addAccount();
    const started = await createAuthorizationRequest({ platform, baseUrl: sim.url, client, redirectUri });
    sim.autoApprove = account.accountId;
    const code = (await openInBrowser(started.url)).location!.searchParams.get('code')!;
    const otherVerifier = (await createAuthorizationRequest({ platform, baseUrl: sim.url, client, redirectUri })).codeVerifier;

    await expect(exchange(code, otherVerifier)).rejects.toMatchObject({
      code: 'invalid_grant',
      retryable: false,
      message: 'JobWork refused the token request (invalid_grant: code_verifier does not match the code_challenge)',
    });
    const otherRegisteredUri = 'http://127.0.0.1:3000/api/platforms/jobwork/callback';
    await expect(exchange(code, started.codeVerifier, otherRegisteredUri)).rejects.toMatchObject({ code: 'invalid_grant' });
    const tokens = await exchange(code, started.codeVerifier);
    await expect(exchange(code, started.codeVerifier)).rejects.toMatchObject({ code: 'invalid_grant', message: expect.stringContaining('already used') });
    // A replayed code takes the tokens it was first exchanged for with it (RFC 6749 section 4.1.2).
    expect(sim.authority.checkAccessToken(tokens.accessToken!)).toMatchObject({ ok: false, reason: 'the access token was revoked' });
  });

  it('refuses authorization requests: no redirect for an unknown client or redirect_uri, an error redirect otherwise', async () => {
    const account = sim.addAccount();
    sim.autoApprove = account.accountId;
    const valid = new URL((await createAuthorizationRequest({ platform, baseUrl: sim.url, client, redirectUri })).url);
    const variant = (changes: Record<string, string | null>) => {
      const url = new URL(valid);
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) url.searchParams.delete(name);
        else url.searchParams.set(name, value);
      }
      return url.toString();
    };

    for (const [changes, text] of [
      [{ client_id: 'intruder' }, 'Unknown client_id.'],
      [{ redirect_uri: 'https://evil.example/callback' }, 'The redirect_uri is not registered for this application.'],
    ] as const) {
      const answer = await openInBrowser(variant(changes));
      expect(answer.status).toBe(400);
      expect(answer.location).toBeNull();
      expect(answer.html).toContain(text);
    }

    for (const [changes, error] of [
      [{ code_challenge: null }, 'invalid_request'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ state: null }, 'invalid_request'],
      [{ scope: 'calendar:read admin' }, 'invalid_scope'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
    ] as const) {
      const answer = await openInBrowser(variant(changes));
      expect(answer.status).toBe(302);
      expect(answer.location!.searchParams.get('error'), JSON.stringify(changes)).toBe(error);
      expect(answer.location!.searchParams.has('code')).toBe(false);
    }
  });

  it('shows a consent page: a wrong password stays there, deny redirects with access_denied, approve with a code', async () => {
    const account = sim.addAccount({ username: `ada-${randomUUID()}`, password: 's3cret' });
    const started = await createAuthorizationRequest({ platform, baseUrl: sim.url, client, redirectUri });
    const page = await openInBrowser(started.url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<form method="post" action="/oauth/authorize">');
    const hidden = Object.fromEntries([...page.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
    const submit = async (fields: Record<string, string>) => {
      const res = await request(`${sim.url}/oauth/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...hidden, ...fields }).toString(),
      });
      const html = await res.body.text();
      return { status: res.statusCode, location: res.headers.location ? new URL(String(res.headers.location)) : null, html };
    };

    const wrongPassword = await submit({ username: account.username, password: 'guess', decision: 'approve' });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.html).toContain('Wrong user name or password.');
    const denied = await submit({ decision: 'deny' });
    expect(Object.fromEntries(denied.location!.searchParams)).toMatchObject({ error: 'access_denied', state: started.state });
    const approved = await submit({ username: account.username, password: 's3cret', decision: 'approve' });
    expect(approved.status).toBe(302);
    expect(approved.location!.searchParams.get('state')).toBe(started.state);
    const tokens = await exchange(approved.location!.searchParams.get('code')!, started.codeVerifier);
    expect(sim.authority.checkAccessToken(tokens.accessToken!)).toMatchObject({ ok: true, accountId: account.accountId });
  });

  it('authenticates clients, rotates refresh tokens and revokes the grant when a used refresh token comes back', async () => {
    const account = sim.addAccount();
    const tokens = await authorize(account);
    const postToken = async (fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') => {
      const res = await request(`${sim.url}/oauth/token`, { method: 'POST', headers: { 'content-type': contentType }, body: new URLSearchParams(fields).toString() });
      return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, string> };
    };
    const secretPost = { client_id: 'castsync', client_secret: 'castsync-dev-secret' };

    const rotated = await postToken({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken!, ...secretPost });
    expect(rotated.status).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(rotated.body).toMatchObject({ token_type: 'Bearer', expires_in: LONG_TTL_SECONDS, scope: 'calendar:read calendar:write' });
    expect(rotated.body.refresh_token).not.toBe(tokens.refreshToken);

    const wrongSecret = await postToken({ grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token!, client_id: 'castsync', client_secret: 'guess' });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect((await postToken({ grant_type: 'password', ...secretPost })).body.error).toBe('unsupported_grant_type');
    expect((await postToken({ grant_type: 'refresh_token', ...secretPost }, 'text/plain')).body.error).toBe('invalid_request');

    const replayed = await postToken({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken!, ...secretPost });
    expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(replayed.body.error_description).toContain('possible token theft');
    // Theft detection ends the grant: the newest tokens die with it.
    expect(sim.authority.checkAccessToken(rotated.body.access_token!).ok).toBe(false);
    const afterTheft = await postToken({ grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token!, ...secretPost });
    expect(afterTheft).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(sim.refreshCount(account.accountId)).toBe(1);
  });

  it('revokes a grant through the revocation endpoint (RFC 7009), after which authenticate() says no', async () => {
    const { user, account } = await connectedUser();
    const adapter = await adapterFor(user.id);
    expect(await adapter.authenticate()).toBe(true);

    await revokeAuthorization({ platform, baseUrl: sim.url, client, credentials: await storedCredentials(user.id) });
    expect(sim.grants(account.accountId).map((g) => g.revoked)).toEqual([true]);
    expect(sim.liveRefreshTokens(account.accountId)).toEqual([]);
    expect(await adapter.authenticate()).toBe(false);
    // Unknown tokens are answered 200 too, so the endpoint reveals nothing.
    await revokeAuthorization({ platform, baseUrl: sim.url, client, credentials: { refreshToken: 'not-a-token' } });
  });
});

// Connecting platforms through the API: credentials are checked with the platform before they are stored,
// stored sealed, never returned; settings and disconnect; every route scoped to its user.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCredentials } from '../activities/credential-store.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
let jobwork: OAuthPlatformSimulator;
let filmmakers: PortalSimulator;
let smtp: SmtpSimulator;
beforeAll(async () => {
  jobwork = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  filmmakers = new PortalSimulator({ name: 'Filmmakers' });
  smtp = new SmtpSimulator();
  const env = {
    CASTSYNC_PLATFORM_URL_JOBWORK: await jobwork.start(),
    CASTSYNC_PLATFORM_URL_FILMMAKERS: await filmmakers.start(),
    CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: await smtp.start(),
  };
  stack = await startStack({ restPlatforms: ['etalenta'], workerPlatforms: ['etalenta', 'jobwork', 'filmmakers', 'agentur-iris-mueller'], env });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([jobwork?.stop(), filmmakers?.stop(), smtp?.stop()]);
});

/** The user's browser opening the platform's authorization page; the platform answers with a redirect. */
async function followAuthorization(url: string): Promise<URL> {
  const res = await request(url);
  await res.body.dump();
  expect(res.statusCode).toBe(302);
  return new URL(String(res.headers.location));
}

const callbackPath = (location: URL) => `${location.pathname}${location.search}`;

describe('connecting a REST platform', () => {
  it('checks the API key, stores it sealed, never returns it, and pushes current availability', async () => {
    const user = await stack.createUser({ platforms: [] });
    const sim = stack.simulators.etalenta!;
    sim.addAccount('key-connect-ok');
    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-12-01', endDate: '2027-12-02', status: 'unavailable', type: 'block' } });

    const res = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { apiKey: 'key-connect-ok' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain('key-connect-ok');
    expect(res.json().connection).toMatchObject({ connected: true, status: 'ok', autoSync: true });

    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } });
    expect(Buffer.from(row.credentialsCiphertext!).toString('latin1')).not.toContain('key-connect-ok');
    expect(row.credentialsKeyId).toBe('test');

    // The newly connected platform receives what the user already had.
    await waitFor(() => sim.calendar('key-connect-ok').length === 1, { what: 'the first push to the new platform' });

    const list = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: user.auth });
    expect(list.body).not.toContain('key-connect-ok');
    const platforms = list.json() as { id: string; kind: string; connection: unknown }[];
    expect(platforms.map((p) => p.id)).toEqual(expect.arrayContaining(['etalenta', 'jobwork', 'filmmakers', 'agentur-iris-mueller']));
    expect(platforms.find((p) => p.id === 'etalenta')).toMatchObject({ kind: 'rest', connection: { connected: true } });
    expect(platforms.find((p) => p.id === 'jobwork')).toMatchObject({ kind: 'oauth', connection: null });
  });

  it('refuses a key the platform rejects, and stores nothing', async () => {
    const user = await stack.createUser({ platforms: [] });
    const res = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { apiKey: 'not-a-key' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('e-TALENTA did not accept these credentials');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(0);
  });

  it('answers 502 when the platform cannot be reached, and stores nothing', async () => {
    const user = await stack.createUser({ platforms: [] });
    stack.simulators.etalenta!.faults = { errorRate: 1 }; // every request fails, whoever else is calling
    const res = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { apiKey: 'whatever' } });
    stack.simulators.etalenta!.faults = {};
    expect(res.statusCode).toBe(502);
    expect(res.json().message).toBe('e-TALENTA failed with 503: service unavailable; try again later');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(0);
  });

  it('names the fields a platform needs', async () => {
    const user = await stack.createUser({ platforms: [] });
    const wrong = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { email: 'a@b.example', password: 'x' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toBe('e-TALENTA does not take email, password; it needs apiKey');
    const missing = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: {} });
    expect(missing.json().message).toBe('e-TALENTA needs apiKey');
    const unknown = await stack.app.inject({ method: 'POST', url: '/api/platforms/myspace/connect', headers: user.auth, payload: {} });
    expect(unknown.statusCode).toBe(404);
    const extra = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { apiKey: 'k', token: 'x' } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/must NOT have additional properties/);
  });
});

describe('settings and disconnect', () => {
  it('changes sync settings; auto-sync off stops automatic pushes, manual sync still works', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    const patched = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/etalenta', headers: user.auth, payload: { autoSync: false } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().connection.autoSync).toBe(false);
    const bad = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/etalenta', headers: user.auth, payload: { pullIntervalMinutes: 1 } });
    expect(bad.statusCode).toBe(400);

    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-12-10', endDate: '2027-12-10', status: 'unavailable', type: 'block' } });
    const manual = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/etalenta', headers: user.auth });
    expect(manual.statusCode).toBe(202);
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the manual push' });
    // Only the manual request pushed: the change itself did not.
    expect(await stack.db.syncLog.count({ where: { userId: user.id } })).toBe(1);
  });

  it('disconnect deletes the credentials and stops pushes; another user cannot touch the connection', async () => {
    const user = await stack.createUser();
    const other = await stack.createUser({ platforms: [] });
    const foreign = await stack.app.inject({ method: 'DELETE', url: '/api/platforms/etalenta', headers: other.auth });
    expect(foreign.statusCode).toBe(404);
    const foreignPatch = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/etalenta', headers: other.auth, payload: { autoSync: false } });
    expect(foreignPatch.statusCode).toBe(404);

    const res = await stack.app.inject({ method: 'DELETE', url: '/api/platforms/etalenta', headers: user.auth });
    expect(res.statusCode).toBe(204);
    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });
    expect(row).toMatchObject({ connected: false, credentialsCiphertext: null, credentialsKeyId: null });
    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-12-20', endDate: '2027-12-20', status: 'unavailable', type: 'block' } });
    const status = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/etalenta', headers: user.auth });
    expect(status.statusCode).toBe(404);
    expect(status.json().message).toBe('e-TALENTA is not connected');
    await new Promise((r) => setTimeout(r, 500)); // give a wrong push the time it would take
    expect(stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!)).toHaveLength(0);
    expect(await stack.db.syncLog.count({ where: { userId: user.id } })).toBe(0);
  });
});

describe('connecting an OAuth platform', () => {
  it('runs the authorization-code flow with state and PKCE, stores the tokens sealed, and pushes', async () => {
    const user = await stack.createUser({ platforms: [] });
    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-12-24', endDate: '2027-12-26', status: 'unavailable', type: 'block' } });
    const started = await stack.app.inject({ method: 'POST', url: '/api/platforms/jobwork/connect', headers: user.auth, payload: {} });
    expect(started.statusCode, started.body).toBe(200);
    const authorizationUrl = new URL(started.json().authorizationUrl);
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${jobwork.url}/oauth/authorize`);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('redirect_uri')).toBe('http://localhost:3000/api/platforms/jobwork/callback');

    const account = jobwork.addAccount();
    jobwork.autoApprove = account.accountId;
    const location = await followAuthorization(authorizationUrl.toString());
    const callback = await stack.app.inject({ method: 'GET', url: callbackPath(location) });
    expect(callback.statusCode, callback.body).toBe(200);
    expect(callback.json()).toEqual({ platformId: 'jobwork', connected: true });

    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'jobwork' } });
    expect(row).toMatchObject({ connected: true, status: 'ok' });
    const list = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: user.auth });
    expect(list.json().find((p: { id: string }) => p.id === 'jobwork').connection).toMatchObject({ connected: true });
    expect(list.body).not.toMatch(/access|refresh|token/i);
    await waitFor(() => jobwork.calendar(account.accountId).length === 1, { what: 'the first push to JobWork' });

    // Disconnecting revokes the grant at the platform, so the stored refresh token is dead there too.
    const stored = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'jobwork' } });
    const { refreshToken } = openCredentials(stack.config, user.id, 'jobwork', stored);
    const disconnected = await stack.app.inject({ method: 'DELETE', url: '/api/platforms/jobwork', headers: user.auth });
    expect(disconnected.statusCode).toBe(204);
    const refused = await request(`${jobwork.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: 'castsync', client_secret: 'castsync-dev-secret' }).toString(),
    });
    expect(refused.statusCode).toBe(400);
    expect(await refused.body.json()).toMatchObject({ error: 'invalid_grant' });

    // A state is good for one callback only.
    const replay = await stack.app.inject({ method: 'GET', url: callbackPath(location) });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().message).toBe('unknown or expired authorization request; start connecting again');
  });

  it('refuses an unknown state, a denied grant, and credentials fields', async () => {
    const user = await stack.createUser({ platforms: [] });
    const forged = await stack.app.inject({ method: 'GET', url: '/api/platforms/jobwork/callback?code=abc&state=forged' });
    expect(forged.statusCode).toBe(400);
    const started = (await stack.app.inject({ method: 'POST', url: '/api/platforms/jobwork/connect', headers: user.auth, payload: {} })).json();
    const state = new URL(started.authorizationUrl).searchParams.get('state');
    const denied = await stack.app.inject({ method: 'GET', url: `/api/platforms/jobwork/callback?error=access_denied&state=${state}` });
    expect(denied.statusCode).toBe(400);
    expect(denied.json().message).toBe('JobWork did not grant access (access_denied)');
    const withKey = await stack.app.inject({ method: 'POST', url: '/api/platforms/jobwork/connect', headers: user.auth, payload: { apiKey: 'x' } });
    expect(withKey.statusCode).toBe(400);
    expect(withKey.json().message).toBe('JobWork does not take apiKey');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(0);
  });
});

describe('connecting a browser platform and an agency', () => {
  it('logs in to the portal at connect, keeps the session sealed, and the first push reuses it', async () => {
    const user = await stack.createUser({ platforms: [] });
    filmmakers.addAccount('actor@filmmakers.example', 'right password');
    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-11-20', endDate: '2027-11-21', status: 'unavailable', type: 'block' } });

    const wrong = await stack.app.inject({ method: 'POST', url: '/api/platforms/filmmakers/connect', headers: user.auth, payload: { email: 'actor@filmmakers.example', password: 'wrong' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toBe('Filmmakers did not accept these credentials');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(0);

    const res = await stack.app.inject({ method: 'POST', url: '/api/platforms/filmmakers/connect', headers: user.auth, payload: { email: 'actor@filmmakers.example', password: 'right password' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain('right password');
    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'filmmakers' } });
    expect(openCredentials(stack.config, user.id, 'filmmakers', row).sessionState).toBeTruthy();
    await waitFor(() => filmmakers.entries('actor@filmmakers.example').length === 1, { what: 'the first push to the portal', timeoutMs: 60_000 });
    expect(filmmakers.loginsOf('actor@filmmakers.example')).toBe(1); // the connect's login, reused by the push
  });

  it("connects an agency by its address and sends it the user's calendar", async () => {
    const user = await stack.createUser({ platforms: [] });
    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-11-25', endDate: '2027-11-25', status: 'unavailable', type: 'travel' } });
    const bad = await stack.app.inject({ method: 'POST', url: '/api/platforms/agentur-iris-mueller/connect', headers: user.auth, payload: { agencyEmail: 'not an address' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/body\/agencyEmail must match format "email"/);
    const res = await stack.app.inject({ method: 'POST', url: '/api/platforms/agentur-iris-mueller/connect', headers: user.auth, payload: { agencyEmail: 'booking@iris.example' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().connection.accountRef).toBe('booking@iris.example');
    await waitFor(() => smtp.messagesTo('booking@iris.example').length === 1, { what: 'the first message to the agency' });
  });
});

// The dashboard's session: signing in checks the API token and opens a server-side session whose random id is kept
// in an HttpOnly, SameSite=Strict cookie that the API accepts like the bearer header; changes made with that cookie need the CSRF header (a cross-site form cannot
// send it), bearer clients do not. The OAuth callback sends browsers back to the dashboard, API clients get JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { issueToken, revokeToken, setUserDisabled } from '../lib/accounts.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let user: TestUser;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: [], workers: false });
  user = await stack.createUser({ platforms: [] });
});
afterAll(async () => {
  await stack?.stop();
});

const csrf = { 'x-castsync-csrf': '1' };
const signIn = (token: string, headers: Record<string, string> = csrf, app = stack.app) =>
  app.inject({ method: 'POST', url: '/app/session', headers, payload: { token } });
const cookieOf = (sessionId: string) => ({ cookie: `castsync_session=${sessionId}` });
/** Signs in and answers the session id the cookie holds. */
async function sessionOf(token: string): Promise<string> {
  const res = await signIn(token);
  expect(res.statusCode, res.body).toBe(200);
  return /^castsync_session=([^;]+);/.exec(String(res.headers['set-cookie']))![1]!;
}
const block = { startDate: '2027-09-01', endDate: '2027-09-02', status: 'unavailable', type: 'block' };

describe('dashboard session', () => {
  it('checks the token and keeps a random session id, never the token, in an HttpOnly, SameSite=Strict cookie', async () => {
    const res = await signIn(user.token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ name: 'Test Actor', email: expect.stringMatching(/@example\.test$/) });
    const cookie = String(res.headers['set-cookie']);
    const sessionId = /^castsync_session=([^;]+);/.exec(cookie)![1]!;
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie).not.toContain(user.token);
    expect(JSON.stringify(await stack.db.dashboardSession.findMany())).not.toContain(sessionId); // only its hash is stored
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure'); // the public URL is plain http here

    const who = await stack.app.inject({ method: 'GET', url: '/app/session', headers: cookieOf(sessionId) });
    expect(who.json()).toMatchObject({ name: 'Test Actor' });
    // The token itself in the cookie authenticates nothing: the cookie is a session, not a token.
    expect((await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: cookieOf(user.token) })).statusCode).toBe(401);
  });

  it('refuses an unknown token, and a sign-in without the CSRF header (login CSRF)', async () => {
    const unknown = await signIn('not-a-token');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.headers['set-cookie']).toBeUndefined();
    const crossSite = await signIn(user.token, {});
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.headers['set-cookie']).toBeUndefined();
    expect((await stack.app.inject({ method: 'GET', url: '/app/session' })).statusCode).toBe(401);
  });

  it('marks the cookie Secure when the gateway is served over https', async () => {
    const app = await buildApp({ config: { ...stack.config, publicUrl: 'https://castsync.example' }, db: stack.db, temporal: stack.temporal, logger: false });
    try {
      expect(String((await signIn(user.token, csrf, app)).headers['set-cookie'])).toContain('Secure');
    } finally {
      await app.close();
    }
  });

  it('lets the cookie read the API, but change it only with the CSRF header', async () => {
    const session = await sessionOf(user.token);
    const read = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: cookieOf(session) });
    expect(read.statusCode).toBe(200);

    const forged = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: cookieOf(session), payload: block });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().message).toContain('x-castsync-csrf');
    for (const [method, url] of [['PATCH', '/api/platforms/etalenta'], ['DELETE', '/api/platforms/etalenta']] as const) {
      expect((await stack.app.inject({ method, url, headers: cookieOf(session), payload: { autoSync: false } })).statusCode).toBe(403);
    }
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(0);

    const ours = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: { ...cookieOf(session), ...csrf }, payload: block });
    expect(ours.statusCode, ours.body).toBe(201);
    // API clients authenticate with the header, which no other site can make a browser send: no CSRF header needed.
    const bearer = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { ...block, startDate: '2027-09-05', endDate: '2027-09-05' } });
    expect(bearer.statusCode, bearer.body).toBe(201);
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(2);
  });

  it('signs out by deleting the session: the old cookie authenticates nothing afterwards', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: cookieOf('no-such-session') })).statusCode).toBe(401);
    const session = await sessionOf(user.token);
    expect((await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: cookieOf(session) })).statusCode).toBe(200);
    const out = await stack.app.inject({ method: 'DELETE', url: '/app/session', headers: { ...cookieOf(session), ...csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^castsync_session=;.*Expires=Thu, 01 Jan 1970/);
    const replayed = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: cookieOf(session) });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().message).toContain('session has ended');
  });

  it('ends the sessions opened with a token when the token is revoked, and refuses an expired token', async () => {
    const other = await issueToken(stack.db, user.id, { name: 'laptop' });
    const session = await sessionOf(other.token);
    expect((await stack.app.inject({ method: 'GET', url: '/app/session', headers: cookieOf(session) })).statusCode).toBe(200);
    expect(await revokeToken(stack.db, user.id, other.id)).toBe(true);
    expect((await stack.app.inject({ method: 'GET', url: '/app/session', headers: cookieOf(session) })).statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: { authorization: `Bearer ${other.token}` } })).statusCode).toBe(401);

    const expired = await issueToken(stack.db, user.id, { name: 'short', expiresAt: new Date(Date.now() - 1000) });
    expect((await signIn(expired.token)).statusCode).toBe(401);
    const bearer = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: { authorization: `Bearer ${expired.token}` } });
    expect(bearer.statusCode).toBe(401);
    expect(bearer.json().message).toContain('expired');
  });

  it('ends every session of a disabled user and refuses their tokens', async () => {
    const other = await stack.createUser({ platforms: [] });
    const session = await sessionOf(other.token);
    await setUserDisabled(stack.db, other.id, true);
    expect(await stack.db.dashboardSession.count({ where: { userId: other.id } })).toBe(0);
    expect((await stack.app.inject({ method: 'GET', url: '/app/session', headers: cookieOf(session) })).statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: other.auth })).statusCode).toBe(401);
    await setUserDisabled(stack.db, other.id, false);
    expect((await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: other.auth })).statusCode).toBe(200);
  });

  it('serves the page under /app/ with a strict content security policy', async () => {
    const page = await stack.app.inject({ method: 'GET', url: '/app/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="/app/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await stack.app.inject({ method: 'GET', url: '/app/app.js' })).headers['content-type']).toContain('javascript');
    expect((await stack.app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/app/');
  });

  it('sends a browser back to the dashboard from the OAuth callback, and API clients get JSON', async () => {
    const url = '/api/platforms/jobwork/callback?state=unknown&code=x';
    const browser = await stack.app.inject({ method: 'GET', url, headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(browser.statusCode).toBe(302);
    expect(browser.headers.location).toBe(`/app/?connectError=${encodeURIComponent('unknown or expired authorization request; start connecting again')}#platforms`);
    const client = await stack.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });
    expect(client.statusCode).toBe(400);
    expect(client.json().message).toBe('unknown or expired authorization request; start connecting again');
  });
});

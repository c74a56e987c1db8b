// A user's own access through the API: who am I, named personal tokens (shown once, only their hash kept, last
// used, expiry, at most 50), revoking a token ends the dashboard sessions opened with it, sessions listed and
// ended. Everything is scoped to the user: another user's token or session id answers 404 and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TOKENS_PER_USER } from '../lib/accounts.js';
import { hashApiToken } from '../lib/secrets.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let user: TestUser;
let other: TestUser;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: [], workers: false });
  user = await stack.createUser({ platforms: [] });
  other = await stack.createUser({ platforms: [] });
});
afterAll(async () => {
  await stack?.stop();
});

type Method = 'GET' | 'POST' | 'DELETE';
const call = (headers: Record<string, string>, method: Method, url: string, payload?: object) =>
  stack.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const csrf = { 'x-castsync-csrf': '1' };
const cookieOf = (secret: string) => ({ cookie: `castsync_session=${secret}`, ...csrf });

async function newToken(owner: TestUser, payload: object = { name: 'laptop' }) {
  const res = await call(owner.auth, 'POST', '/api/tokens', payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; name: string; token: string; createdAt: string; expiresAt: string | null };
}

async function signIn(token: string): Promise<string> {
  const res = await stack.app.inject({ method: 'POST', url: '/app/session', headers: csrf, payload: { token } });
  expect(res.statusCode, res.body).toBe(200);
  return /^castsync_session=([^;]+);/.exec(String(res.headers['set-cookie']))![1]!;
}

describe('GET /api/me', () => {
  it('says who is signed in and with which token or session', async () => {
    const me = await call(user.auth, 'GET', '/api/me');
    expect(me.statusCode, me.body).toBe(200);
    const first = (await stack.db.apiToken.findFirstOrThrow({ where: { userId: user.id } })).id;
    expect(me.json()).toEqual({
      id: user.id,
      email: expect.stringMatching(/@example\.test$/),
      name: 'Test Actor',
      createdAt: expect.any(String),
      authenticatedBy: { kind: 'token', tokenId: first, tokenName: 'first token', sessionId: null },
    });

    const secret = await signIn(user.token);
    const bySession = (await call(cookieOf(secret), 'GET', '/api/me')).json();
    const session = await stack.db.dashboardSession.findUniqueOrThrow({ where: { idHash: hashApiToken(secret) } });
    expect(bySession.authenticatedBy).toEqual({ kind: 'session', tokenId: null, tokenName: null, sessionId: session.id });

    expect((await call({}, 'GET', '/api/me')).statusCode).toBe(401);
  });
});

describe('personal tokens', () => {
  it('shows a new token once, and it works; the list never holds a token or a hash', async () => {
    const issued = await newToken(user, { name: 'CI pipeline' });
    expect(issued).toMatchObject({ name: 'CI pipeline', token: expect.stringMatching(/^cs_/), expiresAt: null });
    const stored = await stack.db.apiToken.findUniqueOrThrow({ where: { id: issued.id } });
    expect(stored.tokenHash).toBe(hashApiToken(issued.token));
    expect(JSON.stringify(stored)).not.toContain(issued.token);

    const me = (await call(bearer(issued.token), 'GET', '/api/me')).json();
    expect(me.authenticatedBy).toMatchObject({ kind: 'token', tokenId: issued.id, tokenName: 'CI pipeline' });

    const list = await call(bearer(issued.token), 'GET', '/api/tokens');
    expect(list.statusCode).toBe(200);
    const tokens = list.json() as Array<Record<string, unknown>>;
    expect(tokens.find((t) => t.id === issued.id)).toEqual({ id: issued.id, name: 'CI pipeline', createdAt: issued.createdAt, lastUsedAt: expect.any(String), expiresAt: null, current: true });
    expect(tokens.filter((t) => t.current)).toHaveLength(1);
    expect(list.body).not.toContain(issued.token);
    expect(list.body).not.toContain(stored.tokenHash);
    expect(list.body).not.toContain('tokenHash');
    // Another user's list holds none of ours.
    expect((await call(other.auth, 'GET', '/api/tokens')).json().map((t: { id: string }) => t.id)).not.toContain(issued.id);

    const events = await stack.db.auditEvent.findMany({ where: { userId: user.id, action: 'token.created', target: issued.id } });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(issued.token);
  });

  it('stops a token at its expiry', async () => {
    const issued = await newToken(user, { name: 'short-lived', expiresInDays: 1 });
    const expiresIn = Date.parse(issued.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(23.9 * 3600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3600_000);
    expect((await call(bearer(issued.token), 'GET', '/api/me')).statusCode).toBe(200);
    await stack.db.apiToken.update({ where: { id: issued.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await call(bearer(issued.token), 'GET', '/api/me');
    expect(expired.statusCode).toBe(401);
    expect(expired.json().message).toContain('expired');
  });

  it('revokes a token, which ends the dashboard sessions opened with it', async () => {
    const issued = await newToken(user, { name: 'tablet' });
    const secret = await signIn(issued.token);
    const sessionsBefore = (await call(user.auth, 'GET', '/api/sessions')).json() as Array<{ apiTokenId: string | null }>;
    expect(sessionsBefore.some((s) => s.apiTokenId === issued.id)).toBe(true);

    const revoked = await call(user.auth, 'DELETE', `/api/tokens/${issued.id}`);
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');
    expect((await call(bearer(issued.token), 'GET', '/api/me')).statusCode).toBe(401);
    expect((await call(cookieOf(secret), 'GET', '/api/me')).statusCode).toBe(401);
    expect(await stack.db.dashboardSession.count({ where: { apiTokenId: issued.id } })).toBe(0);
    expect(await stack.db.auditEvent.count({ where: { userId: user.id, action: 'token.revoked', target: issued.id } })).toBe(1);
    expect((await call(user.auth, 'DELETE', `/api/tokens/${issued.id}`)).statusCode).toBe(404);
  });

  it("answers 404 for another user's token and leaves it working", async () => {
    const theirs = await newToken(other, { name: 'theirs' });
    const res = await call(user.auth, 'DELETE', `/api/tokens/${theirs.id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('no such token');
    expect((await call(bearer(theirs.token), 'GET', '/api/me')).json().id).toBe(other.id);
    expect((await call(user.auth, 'DELETE', '/api/tokens/not-a-uuid')).statusCode).toBe(400);
  });

  it('refuses bad names and expiries with a message naming the field, making nothing', async () => {
    const before = await stack.db.apiToken.count({ where: { userId: user.id } });
    const cases: Array<[object, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'null\u0000byte' }, 'name'],
      [{ name: 'line\nbreak' }, 'name'],
      [{}, 'name'],
      [{ name: 'ok', expiresInDays: 0 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 3651 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: 1.5 }, 'expiresInDays'],
      [{ name: 'ok', expiresInDays: '5' }, 'expiresInDays'],
      [{ name: 'ok', scope: 'admin' }, 'additional properties'],
    ];
    for (const [payload, field] of cases) {
      const res = await call(user.auth, 'POST', '/api/tokens', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message, JSON.stringify(payload)).toContain(field);
    }
    // Only spaces trims to nothing.
    const blank = await call(user.auth, 'POST', '/api/tokens', { name: '   ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().message).toContain('name');
    expect(await stack.db.apiToken.count({ where: { userId: user.id } })).toBe(before);
  });

  it(`holds at most ${MAX_TOKENS_PER_USER} tokens per user (409), and a revoked one makes room`, async () => {
    const owner = await stack.createUser({ platforms: [] });
    let last = '';
    for (let i = (await stack.db.apiToken.count({ where: { userId: owner.id } })); i < MAX_TOKENS_PER_USER; i++) last = (await newToken(owner, { name: `t${i}` })).id;
    const refused = await call(owner.auth, 'POST', '/api/tokens', { name: 'one too many' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toContain(`at most ${MAX_TOKENS_PER_USER} tokens`);
    expect(await stack.db.apiToken.count({ where: { userId: owner.id } })).toBe(MAX_TOKENS_PER_USER);
    expect((await call(owner.auth, 'DELETE', `/api/tokens/${last}`)).statusCode).toBe(204);
    await newToken(owner, { name: 'now there is room' });
  });

  it('keeps the limit when many tokens are asked for at the same moment', async () => {
    const owner = await stack.createUser({ platforms: [] });
    const held = await stack.db.apiToken.count({ where: { userId: owner.id } });
    const answers = await Promise.all(Array.from({ length: MAX_TOKENS_PER_USER + 10 }, (_, i) => call(owner.auth, 'POST', '/api/tokens', { name: `burst ${i}` })));
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(MAX_TOKENS_PER_USER - held);
    expect(codes.filter((c) => c === 409)).toHaveLength(10 + held);
    expect(await stack.db.apiToken.count({ where: { userId: owner.id } })).toBe(MAX_TOKENS_PER_USER);
  });

  it('refuses a cookie-authenticated token change without the CSRF header', async () => {
    const secret = await signIn(user.token);
    const res = await call({ cookie: `castsync_session=${secret}` }, 'POST', '/api/tokens', { name: 'forged' });
    expect(res.statusCode).toBe(403);
    expect(await stack.db.apiToken.count({ where: { userId: user.id, name: 'forged' } })).toBe(0);
  });
});

describe('dashboard sessions', () => {
  it('lists the sessions with the current one marked, and ends one (the current one signs out)', async () => {
    const first = await signIn(user.token);
    const second = await signIn(user.token);
    const list = await call(cookieOf(second), 'GET', '/api/sessions');
    expect(list.statusCode).toBe(200);
    const sessions = list.json() as Array<{ id: string; current: boolean; userAgent: string | null }>;
    const current = await stack.db.dashboardSession.findUniqueOrThrow({ where: { idHash: hashApiToken(second) } });
    const older = await stack.db.dashboardSession.findUniqueOrThrow({ where: { idHash: hashApiToken(first) } });
    expect(sessions.filter((s) => s.current).map((s) => s.id)).toEqual([current.id]);
    expect(sessions.map((s) => s.id)).toContain(older.id);
    expect(list.body).not.toContain(first);
    expect(list.body).not.toContain(older.idHash);

    expect((await call(cookieOf(second), 'DELETE', `/api/sessions/${older.id}`)).statusCode).toBe(204);
    expect((await call(cookieOf(first), 'GET', '/api/me')).statusCode).toBe(401);
    expect((await call(cookieOf(second), 'GET', '/api/me')).statusCode).toBe(200);
    expect(await stack.db.auditEvent.count({ where: { userId: user.id, action: 'session.revoked', target: older.id } })).toBe(1);

    expect((await call(cookieOf(second), 'DELETE', `/api/sessions/${current.id}`)).statusCode).toBe(204);
    expect((await call(cookieOf(second), 'GET', '/api/me')).statusCode).toBe(401);
  });

  it("answers 404 for another user's session and leaves it open", async () => {
    const theirs = await signIn(other.token);
    const row = await stack.db.dashboardSession.findUniqueOrThrow({ where: { idHash: hashApiToken(theirs) } });
    expect((await call(user.auth, 'DELETE', `/api/sessions/${row.id}`)).statusCode).toBe(404);
    expect((await call(user.auth, 'GET', '/api/sessions')).json().map((s: { id: string }) => s.id)).not.toContain(row.id);
    expect((await call(cookieOf(theirs), 'GET', '/api/me')).statusCode).toBe(200);
  });
});

describe('OpenAPI', () => {
  it('documents the account routes with their statuses', async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    expect(statuses('/api/tokens', 'post')).toEqual(expect.arrayContaining(['201', '400', '401', '409']));
    expect(statuses('/api/tokens/{tokenId}', 'delete')).toEqual(expect.arrayContaining(['204', '400', '401', '404']));
    expect(statuses('/api/sessions/{sessionId}', 'delete')).toEqual(expect.arrayContaining(['204', '400', '401', '404']));
    expect(statuses('/api/me', 'get')).toEqual(expect.arrayContaining(['200', '401']));
    expect(doc.paths['/api/tokens/{tokenId}'].delete.responses['200']).toBeUndefined();
  });
});

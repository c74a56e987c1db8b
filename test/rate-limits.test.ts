// Rate limits on the gateway (api/rate-limits.ts), with small limits: each token has its budget, requests without
// one share their address's (the ICS feed), failed authentications from an address stop every request from it for
// the rest of the minute, sign-ins and uploads have smaller budgets of their own; past a limit 429 with
// Retry-After. Health probes are not limited; CASTSYNC_RATE_LIMIT=off turns the limits off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { loadConfig } from '../lib/config.js';
import { startStack, type Stack } from './support/stack.js';

const LIMITS = { perToken: 5, perAddress: 4, authFailures: 3, signIn: 2, uploads: 2 };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    restPlatforms: [],
    workers: false,
    env: {
      CASTSYNC_RATE_LIMIT: 'on',
      CASTSYNC_RATE_LIMIT_PER_TOKEN: String(LIMITS.perToken),
      CASTSYNC_RATE_LIMIT_PER_ADDRESS: String(LIMITS.perAddress),
      CASTSYNC_RATE_LIMIT_AUTH_FAILURES: String(LIMITS.authFailures),
      CASTSYNC_RATE_LIMIT_SIGN_IN: String(LIMITS.signIn),
      CASTSYNC_RATE_LIMIT_UPLOADS: String(LIMITS.uploads),
    },
  });
});
afterAll(() => stack?.stop());

let addresses = 0;
/** Each test speaks from its own address, so the per-address budgets of one do not touch another. */
const newAddress = () => `10.0.0.${++addresses}`;

const get = (url: string, from: string, headers: Record<string, string> = {}) => stack.app.inject({ method: 'GET', url, headers, remoteAddress: from });

function expectLimited(res: { statusCode: number; headers: Record<string, unknown>; json(): { message: string } }, message: RegExp) {
  expect(res.statusCode).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.json().message).toMatch(message);
}

async function statuses(count: number, send: () => Promise<{ statusCode: number }>) {
  const codes: number[] = [];
  for (let i = 0; i < count; i++) codes.push((await send()).statusCode);
  return codes;
}

describe('rate limits', () => {
  it('gives each token its own budget per minute, then 429 with Retry-After', async () => {
    const alice = await stack.createUser({ platforms: [] });
    const bob = await stack.createUser({ platforms: [] });
    const from = newAddress();
    expect(await statuses(LIMITS.perToken, () => get('/api/availability', from, alice.auth))).toEqual(Array(LIMITS.perToken).fill(200));
    expectLimited(await get('/api/availability', from, alice.auth), new RegExp(`^too many requests: at most ${LIMITS.perToken} a minute; try again in \\d+ s$`));
    expect((await get('/api/availability', from, bob.auth)).statusCode).toBe(200);
  });

  it('limits the ICS feed (its token is in the URL) per address', async () => {
    const user = await stack.createUser({ platforms: [] });
    const feed = await stack.app.inject({ method: 'POST', url: '/api/availability/ics-token', headers: user.auth });
    const url = new URL(feed.json().url).pathname + new URL(feed.json().url).search;
    const from = newAddress();
    expect(await statuses(LIMITS.perAddress, () => get(url, from))).toEqual(Array(LIMITS.perAddress).fill(200));
    expectLimited(await get(url, from), /^too many requests/);
    expect((await get(url, newAddress())).statusCode).toBe(200);
  });

  it('stops an address after its failed authentications, whatever token it tries next; other addresses go on', async () => {
    const user = await stack.createUser({ platforms: [] });
    const guesser = newAddress();
    const guesses = await statuses(LIMITS.authFailures, () => get('/api/availability', guesser, { authorization: `Bearer guess-${Math.random()}` }));
    expect(guesses).toEqual(Array(LIMITS.authFailures).fill(401));
    expectLimited(await get('/api/availability', guesser, user.auth), new RegExp(`^too many failed authentications from this address \\(at most ${LIMITS.authFailures} a minute\\)`));
    expect((await get('/api/availability', newAddress(), user.auth)).statusCode).toBe(200);
  });

  it('counts wrong ICS feed tokens as failed authentications', async () => {
    const from = newAddress();
    expect(await statuses(LIMITS.authFailures, () => get(`/api/availability.ics?token=guess-${Math.random()}`, from))).toEqual(Array(LIMITS.authFailures).fill(404));
    expectLimited(await get('/api/availability.ics?token=another-guess', from), /^too many failed authentications/);
  });

  it('gives sign-ins a smaller budget per address', async () => {
    const user = await stack.createUser({ platforms: [] });
    const from = newAddress();
    const signIn = () => stack.app.inject({ method: 'POST', url: '/app/session', headers: { 'x-castsync-csrf': '1' }, payload: { token: user.token }, remoteAddress: from });
    const codes = await statuses(LIMITS.signIn, signIn);
    expect(codes.every((code) => code < 300)).toBe(true);
    expectLimited(await signIn(), new RegExp(`^too many requests: at most ${LIMITS.signIn} a minute`));
  });

  it('gives uploads a smaller budget per token, apart from the token’s other requests', async () => {
    const user = await stack.createUser({ platforms: [] });
    const from = newAddress();
    const upload = () => stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, 'content-type': 'application/json' }, payload: {}, remoteAddress: from });
    expect(await statuses(LIMITS.uploads, upload)).toEqual(Array(LIMITS.uploads).fill(415));
    expectLimited(await upload(), new RegExp(`^too many requests: at most ${LIMITS.uploads} a minute`));
    expect((await get('/api/media', from, user.auth)).statusCode).toBe(200);
  });

  it('counts per client behind a trusted proxy (CASTSYNC_TRUST_PROXY), and ignores X-Forwarded-For from anyone else', async () => {
    const proxied = await buildApp({ config: { ...stack.config, trustProxy: '10.9.9.9' }, db: stack.db, temporal: stack.temporal, logger: false });
    try {
      const via = (proxy: string, client: string) => proxied.inject({ method: 'GET', url: '/app/config', remoteAddress: proxy, headers: { 'x-forwarded-for': client } });
      expect(await statuses(LIMITS.perAddress, () => via('10.9.9.9', '203.0.113.1'))).toEqual(Array(LIMITS.perAddress).fill(200));
      expectLimited(await via('10.9.9.9', '203.0.113.1'), /too many requests/);
      expect((await via('10.9.9.9', '203.0.113.2')).statusCode).toBe(200); // another client behind the same proxy
      // An untrusted peer cannot pick a fresh address per request by sending the header.
      const stranger = newAddress();
      for (let i = 0; i < LIMITS.perAddress; i++) expect((await via(stranger, `198.51.100.${i}`)).statusCode).toBe(200);
      expectLimited(await via(stranger, '198.51.100.99'), /too many requests/);
    } finally {
      await proxied.close();
    }
    const twoHops = loadConfig({ CASTSYNC_TRUST_PROXY: '2' }).trustProxy as (address: string, hop: number) => boolean;
    expect([0, 1, 2].map((hop) => twoHops('10.0.0.1', hop))).toEqual([true, true, false]);
    expect(() => loadConfig({ CASTSYNC_TRUST_PROXY: 'everyone' })).toThrow(/CASTSYNC_TRUST_PROXY/);
  });

  it('does not limit health probes', async () => {
    const from = newAddress();
    const codes = await statuses(LIMITS.perAddress * 2, () => get('/health', from));
    expect(codes).not.toContain(429);
  });

  it('is on by default with generous limits, and off with CASTSYNC_RATE_LIMIT=off', () => {
    expect(loadConfig({}).rateLimits).toEqual({ perToken: 600, perAddress: 300, authFailures: 20, signIn: 10, uploads: 30 });
    expect(loadConfig({ CASTSYNC_RATE_LIMIT: 'off' }).rateLimits).toBeNull();
  });
});

// The codec server never hands out or needs the operator token in a URL: the dev server's Web UI publishes a
// secret-free endpoint; a stranger's request is refused before its body is read; an operator's browser signs in
// once and the UI's cross-origin requests carry the session cookie.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODEC_SESSION_COOKIE, publishedCodecEndpoint } from '../api/routes/codec.js';
import { buildApp } from '../api/app.js';
import { AesGcmPayloadCodec } from '../lib/payload-codec.js';
import { freePort, startDevServer } from '../lib/temporal-server.js';
import { startStack, type Stack } from './support/stack.js';

const OPERATOR_TOKEN = 'codec-operator-token-for-tests-4711';
const UI_ORIGIN = 'http://localhost:8233';
let stack: Stack;
let body: { payloads: { metadata: Record<string, string>; data: string }[] };

beforeAll(async () => {
  stack = await startStack({ workers: false, env: { CASTSYNC_OPERATOR_TOKEN: OPERATOR_TOKEN, TEMPORAL_UI_URL: UI_ORIGIN } });
  const codec = new AesGcmPayloadCodec(stack.config.payloadKeys, stack.config.payloadActiveKeyId);
  const [encrypted] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello operator"') }]);
  const metadata = Object.fromEntries(Object.entries(encrypted!.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
  body = { payloads: [{ metadata, data: Buffer.from(encrypted!.data!).toString('base64') }] };
});
afterAll(() => stack?.stop());

const decode = (headers: Record<string, string>) => stack.app.inject({ method: 'POST', url: '/codec/decode', headers, payload: body });
const decodedText = (answer: { json: () => unknown }) =>
  Buffer.from((answer.json() as typeof body).payloads[0]!.data, 'base64').toString();

async function signIn(): Promise<string> {
  const answer = await stack.app.inject({ method: 'POST', url: '/codec/session', headers: { 'x-castsync-csrf': '1' }, payload: { token: OPERATOR_TOKEN } });
  expect(answer.statusCode).toBe(204);
  const cookie = answer.cookies.find((c) => c.name === CODEC_SESSION_COOKIE)!;
  return cookie.value;
}

describe('the endpoint the Web UI publishes', () => {
  it('holds no operator token in the dev server settings that npm start configures', async () => {
    const uiPort = await freePort();
    const server = await startDevServer({ uiPort, uiCodecEndpoint: publishedCodecEndpoint(3000) });
    try {
      const settings = await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`).then((r) => r.text());
      expect(JSON.parse(settings).Codec.Endpoint).toBe('http://localhost:3000/codec');
      expect(settings).not.toContain(OPERATOR_TOKEN);
      expect(settings).not.toMatch(/codec\/[^"]/); // nothing after /codec: no secret path segment
    } finally {
      await server.stop();
    }
  }, 90_000);

  it('has no route that takes the token as a path segment', async () => {
    const old = await stack.app.inject({ method: 'POST', url: `/codec/${OPERATOR_TOKEN}/decode`, payload: body });
    expect(old.statusCode).toBe(404);
    expect(old.json<{ message: string }>().message).toContain('the operator token is never part of its URL');
  });
});

describe('a request without the operator', () => {
  let port: number;
  beforeAll(async () => {
    await stack.app.listen({ host: '127.0.0.1', port: 0 });
    port = (stack.app.server.address() as AddressInfo).port;
  });

  /** Sends the headers and one chunk of a body that never ends; resolves with the answer's status. */
  function endlessUpload(headers: Record<string, string>): Promise<{ status: number }> {
    return new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/codec/decode', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
        resolve({ status: response.statusCode! });
        response.resume();
        request.destroy();
      });
      request.on('error', () => {}); // the server closes the connection after answering: our writes may fail
      request.write(`{"payloads":[{"data":"${'A'.repeat(64 * 1024)}`);
      // The body never ends, so any answer at all came before reading it; the deadline only keeps a hang finite.
      setTimeout(() => reject(new Error('no answer within 10 s: the server waited for the body')), 10_000).unref();
    });
  }

  it('gets 401 at once, while its endless body is still being sent', async () => {
    const chunked = await endlessUpload({ 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(401);
    // A declared size far beyond the codec's limit is not even measured: 401, not 413.
    const huge = await endlessUpload({ 'content-length': String(1024 * 1024 * 1024) });
    expect(huge.status).toBe(401);
  });

  it('gets 401 with a wrong token, a user token or a forged session cookie', async () => {
    expect((await decode({})).statusCode).toBe(401);
    expect((await decode({ authorization: 'Bearer not-the-operator-token' })).statusCode).toBe(401);
    expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${OPERATOR_TOKEN}` })).statusCode).toBe(401);
    expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=forged-session-id` })).statusCode).toBe(401);
  });
});

describe('the operator', () => {
  it('decodes with the bearer token (the CLI)', async () => {
    const answer = await decode({ authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect(answer.statusCode).toBe(200);
    expect(decodedText(answer)).toBe('"hello operator"');
  });

  it('signs in once for an HttpOnly session cookie that holds a random id, not the token', async () => {
    const answer = await stack.app.inject({ method: 'POST', url: '/codec/session', headers: { 'x-castsync-csrf': '1' }, payload: { token: OPERATOR_TOKEN } });
    expect(answer.statusCode).toBe(204);
    const cookie = answer.cookies.find((c) => c.name === CODEC_SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/codec' });
    expect(cookie.value).not.toContain(OPERATOR_TOKEN);
    expect(cookie.value.length).toBeGreaterThanOrEqual(40);
  });

  it('is refused a session for a wrong token or without the CSRF header', async () => {
    const wrong = await stack.app.inject({ method: 'POST', url: '/codec/session', headers: { 'x-castsync-csrf': '1' }, payload: { token: 'guess' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.cookies).toEqual([]);
    const crossSite = await stack.app.inject({ method: 'POST', url: '/codec/session', payload: { token: OPERATOR_TOKEN } });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.cookies).toEqual([]);
  });

  it('decodes from the Web UI origin with the session cookie, with CORS for credentials', async () => {
    const session = await signIn();
    const answer = await decode({ cookie: `${CODEC_SESSION_COOKIE}=${session}`, origin: UI_ORIGIN, 'x-namespace': 'default' });
    expect(answer.statusCode).toBe(200);
    expect(decodedText(answer)).toBe('"hello operator"');
    expect(answer.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
  });

  it('keeps the session in the database: another gateway (behind a load balancer, or after a restart) accepts it', async () => {
    const session = await signIn();
    expect(JSON.stringify(await stack.db.operatorSession.findMany())).not.toContain(session); // only its hash
    const other = await buildApp({ config: stack.config, db: stack.db, temporal: stack.temporal, logger: false });
    try {
      const answer = await other.inject({ method: 'POST', url: '/codec/decode', headers: { cookie: `${CODEC_SESSION_COOKIE}=${session}` }, payload: body });
      expect(answer.statusCode).toBe(200);
      expect(decodedText(answer)).toBe('"hello operator"');
    } finally {
      await other.close();
    }
  });

  it('refuses an expired session, and every session once the operator token is changed', async () => {
    const session = await signIn();
    const rotated = await buildApp({ config: { ...stack.config, operatorToken: 'a-new-operator-token-after-a-leak' }, db: stack.db, temporal: stack.temporal, logger: false });
    try {
      const answer = await rotated.inject({ method: 'POST', url: '/codec/decode', headers: { cookie: `${CODEC_SESSION_COOKIE}=${session}` }, payload: body });
      expect(answer.statusCode).toBe(401);
    } finally {
      await rotated.close();
    }
    expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${session}` })).statusCode).toBe(200);
    await stack.db.operatorSession.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${session}` })).statusCode).toBe(401);
  });

  it('ends the session by signing out', async () => {
    const session = await signIn();
    const out = await stack.app.inject({ method: 'DELETE', url: '/codec/session', headers: { cookie: `${CODEC_SESSION_COOKIE}=${session}` } });
    expect(out.statusCode).toBe(204);
    expect((await decode({ cookie: `${CODEC_SESSION_COOKIE}=${session}` })).statusCode).toBe(401);
  });

  it('gets the sign-in page, which carries no secret and runs no inline script', async () => {
    const page = await stack.app.inject({ method: 'GET', url: '/codec' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('Include cross-origin credentials');
    expect(page.body).not.toContain(OPERATOR_TOKEN);
    expect((await stack.app.inject({ method: 'GET', url: '/codec/sign-in.js' })).statusCode).toBe(200);
  });
});

describe('CORS preflight', () => {
  const preflight = (origin: string) =>
    stack.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });

  it('allows the configured Web UI origin with credentials', async () => {
    const answer = await preflight(UI_ORIGIN);
    expect(answer.statusCode).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(answer.headers['access-control-allow-credentials']).toBe('true');
    expect(answer.headers['access-control-allow-headers']).toContain('x-namespace');
  });

  it('grants nothing to another origin', async () => {
    const answer = await preflight('https://evil.example');
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

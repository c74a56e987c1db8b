// Filmmakers' webhooks (docs/webhooks.md of the platform's API documentation) against the real stack: the signed
// POST per connection is checked (signature, replay window, reference), acted on once (a duplicate is acknowledged
// and ignored), starts the connection's pull with its drift checks, and a deleted profile makes the connection need
// the user. The portal simulator sends such webhooks, signed, grouped and retried, when its profile or pictures change.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { loadConfig } from '../lib/config.js';
import { filmmakersSignature } from '../simulators/portal/webhooks.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const PASSWORD = 'correct horse battery staple';

/** The partner API tokens the portal accepts (each actor's is added: the pull reads through the API with it). */
const acceptedTokens: string[] = [];
let portal: PortalSimulator;
let stack: Stack;
beforeAll(async () => {
  portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens: acceptedTokens }, webhooks: { groupWindowMs: 300, retryInitialMs: 50 } });
  await portal.start();
  stack = await startStack({ restPlatforms: ['etalenta'], workerPlatforms: ['etalenta', 'filmmakers'], env: { CASTSYNC_PLATFORM_URL_FILMMAKERS: portal.url } });
});
afterAll(async () => {
  await stack?.stop();
  await portal?.stop();
});

interface Actor {
  user: TestUser;
  email: string;
  apiKey: string;
  connectionRef: string;
  webhookPath: string;
}

/** A user connected to Filmmakers with a partner API token (the API key that signs its webhooks). */
async function actor({ partnerApiProfileId }: { partnerApiProfileId?: string } = {}): Promise<Actor> {
  const user = await stack.createUser();
  const email = `actor-${randomUUID()}@portal.test`;
  const apiKey = `fm_${randomUUID()}`;
  portal.addAccount(email, PASSWORD, { partnerApiToken: apiKey });
  acceptedTokens.push(apiKey);
  await stack.connect(user.id, 'filmmakers', { email, password: PASSWORD, partnerApiToken: apiKey, ...(partnerApiProfileId ? { partnerApiProfileId } : {}) });
  const platforms = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: user.auth });
  const webhookUrl: string = platforms.json().find((p: { id: string }) => p.id === 'filmmakers').connection.webhookUrl;
  const { connectionRef } = await stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: user.id, platformId: 'filmmakers' } } });
  return { user, email, apiKey, connectionRef, webhookPath: new URL(webhookUrl).pathname };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const event = (type: string, created = nowSeconds()) => JSON.stringify({ type, created, data: { id: 70001 } });

function deliver(path: string, body: string, signature: string | null) {
  return stack.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-signature': signature }) },
    payload: body,
  });
}

/** What a delivery may have changed: recorded deliveries, outbox rows, the connection's status. */
async function footprint(a: Actor) {
  const connection = await stack.db.platformConnection.findUniqueOrThrow({ where: { connectionRef: a.connectionRef } });
  return {
    deliveries: await stack.db.webhookDelivery.count({ where: { connectionId: connection.id } }),
    outbox: await stack.db.outboxMessage.count({ where: { userId: a.user.id, topic: 'drift_check' } }),
    status: connection.status,
  };
}

/** Pulls of the user's Filmmakers connection that read the platform. */
const pullsOf = (userId: string) => stack.db.syncLog.count({ where: { userId, platformId: 'filmmakers', operation: 'pull_availability', status: 'success' } });

describe('POST /api/webhooks/filmmakers/:connectionRef', () => {
  it('shows each Filmmakers connection its webhook URL, built from the public URL', async () => {
    const a = await actor();
    expect(`${stack.config.publicUrl}${a.webhookPath}`).toBe(`${stack.config.publicUrl}/api/webhooks/filmmakers/${a.connectionRef}`);
    const platforms = (await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: a.user.auth })).json();
    expect(platforms.find((p: { id: string }) => p.id === 'etalenta').connection.webhookUrl).toBeNull();
  });

  it('a good signature: 200 at once, and the connection is pulled (with its drift checks) through the outbox', async () => {
    const a = await actor();
    const body = event('actor_profile.updated');
    const res = await deliver(a.webhookPath, body, filmmakersSignature(a.apiKey, nowSeconds(), body));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ received: true, duplicate: false });
    expect(await footprint(a)).toMatchObject({ deliveries: 1, outbox: 1, status: 'ok' });
    await stack.outboxDelivered(a.user.id);
    await waitFor(async () => (await pullsOf(a.user.id)) > 0, { what: 'the pull the webhook started', timeoutMs: 60_000 });
  });

  it('reads X-Signature as the doc shows it ("t=..., v1=...") and as its Ruby example splits it (no space)', async () => {
    const a = await actor();
    const first = event('actor_profile.updated', nowSeconds() - 2);
    const second = event('actor_profile.updated', nowSeconds() - 1);
    expect((await deliver(a.webhookPath, first, filmmakersSignature(a.apiKey, nowSeconds(), first))).statusCode).toBe(200);
    expect((await deliver(a.webhookPath, second, filmmakersSignature(a.apiKey, nowSeconds(), second).replace(', ', ','))).statusCode).toBe(200);
    expect(await footprint(a)).toMatchObject({ deliveries: 2 });
  });

  it('a bad signature, a missing one or one with another key: 401, and nothing is done', async () => {
    const a = await actor();
    const body = event('actor_profile.deleted');
    const t = nowSeconds();
    const good = filmmakersSignature(a.apiKey, t, body);
    const tampered = [
      filmmakersSignature('someone-elses-key', t, body),
      good.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`),
      `t=${t}`,
      'nonsense',
      null,
    ];
    for (const signature of tampered) {
      const res = await deliver(a.webhookPath, body, signature);
      expect(res.statusCode, `${signature}: ${res.body}`).toBe(401);
    }
    const twice = await stack.app.inject({ method: 'POST', url: a.webhookPath, headers: { 'content-type': 'application/json', 'x-signature': [good, good] }, payload: body });
    expect(twice.statusCode).toBe(401);
    // The body is what was signed: the same signature over another body does not pass.
    expect((await deliver(a.webhookPath, event('actor_profile.deleted', t - 1), good)).statusCode).toBe(401);
    expect(await footprint(a)).toEqual({ deliveries: 0, outbox: 0, status: 'ok' });
  });

  it('a replayed (stale) or future timestamp: 401, even with a signature that matches', async () => {
    const a = await actor();
    const body = event('actor_profile.deleted');
    const window = stack.config.webhookToleranceSeconds;
    for (const t of [nowSeconds() - window - 5, nowSeconds() + window + 5]) {
      const res = await deliver(a.webhookPath, body, filmmakersSignature(a.apiKey, t, body));
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().message).toMatch(/outside the accepted window/);
    }
    expect(await footprint(a)).toEqual({ deliveries: 0, outbox: 0, status: 'ok' });
  });

  it('a duplicate delivery, replayed or retried with a fresh signature, is acknowledged and acted on once', async () => {
    const a = await actor();
    const body = event('actor_profile.updated');
    const signature = filmmakersSignature(a.apiKey, nowSeconds(), body);
    const answers = await Promise.all([deliver(a.webhookPath, body, signature), deliver(a.webhookPath, body, signature)]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(answers.map((r) => r.json().duplicate).sort()).toEqual([false, true]);
    const retried = await deliver(a.webhookPath, body, filmmakersSignature(a.apiKey, nowSeconds() + 1, body));
    expect(retried.json()).toEqual({ received: true, duplicate: true });
    expect(await footprint(a)).toMatchObject({ deliveries: 1, outbox: 1 });
  });

  it('actor_profile.deleted: the connection needs the user, saying why', async () => {
    const a = await actor();
    const body = event('actor_profile.deleted');
    expect((await deliver(a.webhookPath, body, filmmakersSignature(a.apiKey, nowSeconds(), body))).statusCode).toBe(200);
    const platforms = (await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: a.user.auth })).json();
    const connection = platforms.find((p: { id: string }) => p.id === 'filmmakers').connection;
    expect(connection).toMatchObject({ status: 'needs_reauth', statusMessage: expect.stringMatching(/profile was deleted/) });
    expect(await stack.db.auditEvent.count({ where: { userId: a.user.id, action: 'connection.profile_deleted', actor: 'system' } })).toBe(1);
    expect(await footprint(a)).toMatchObject({ outbox: 0 }); // nothing to pull from a deleted profile
  });

  it("with an agency's key (a profile id named at connect), another actor's events are acknowledged and do nothing", async () => {
    const a = await actor({ partnerApiProfileId: '70002' });
    for (const type of ['actor_profile.updated', 'actor_profile.deleted']) {
      const body = event(type); // data.id 70001: another actor of the agency
      expect((await deliver(a.webhookPath, body, filmmakersSignature(a.apiKey, nowSeconds(), body))).json()).toEqual({ received: true, duplicate: false });
    }
    expect(await footprint(a)).toMatchObject({ outbox: 0, status: 'ok' });
    const own = JSON.stringify({ type: 'actor_profile.deleted', created: nowSeconds(), data: { id: 70002 } });
    expect((await deliver(a.webhookPath, own, filmmakersSignature(a.apiKey, nowSeconds(), own))).statusCode).toBe(200);
    expect(await footprint(a)).toMatchObject({ status: 'needs_reauth' });
  });

  it('an unknown, malformed or non-Filmmakers reference answers the same 404', async () => {
    const a = await actor();
    const etalenta = await stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: a.user.id, platformId: 'etalenta' } } });
    const body = event('actor_profile.updated');
    const signature = filmmakersSignature(a.apiKey, nowSeconds(), body);
    for (const ref of [randomUUID(), 'not-a-reference', etalenta.connectionRef]) {
      const res = await deliver(`/api/webhooks/filmmakers/${ref}`, body, signature);
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('no such webhook');
    }
  });
});

describe('behind the gateway\'s rate limit', () => {
  it('refused signatures and unknown references count as failed authentications of the address: then 429', async () => {
    const a = await actor();
    const config = loadConfig({ ...stack.env, CASTSYNC_RATE_LIMIT: 'on', CASTSYNC_RATE_LIMIT_AUTH_FAILURES: '3', CASTSYNC_RELAY: 'off' });
    const limited = await buildApp({ config, db: stack.db, temporal: stack.temporal, logger: false });
    try {
      const body = event('actor_profile.updated');
      const send = (path: string, signature: string) =>
        limited.inject({ method: 'POST', url: path, remoteAddress: '10.9.9.9', headers: { 'content-type': 'application/json', 'x-signature': signature }, payload: body });
      const wrong = filmmakersSignature('guessed-key', nowSeconds(), body);
      expect((await send(a.webhookPath, wrong)).statusCode).toBe(401);
      expect((await send(a.webhookPath, wrong)).statusCode).toBe(401);
      expect((await send(`/api/webhooks/filmmakers/${randomUUID()}`, wrong)).statusCode).toBe(404);
      const after = await send(a.webhookPath, filmmakersSignature(a.apiKey, nowSeconds(), body));
      expect(after.statusCode).toBe(429);
      expect(await footprint(a)).toMatchObject({ deliveries: 0 });
    } finally {
      await limited.close();
    }
  });
});

describe('the portal simulator sends them', () => {
  it('a profile change on the portal reaches the route signed, grouped into one event, and starts the pull', async () => {
    const a = await actor();
    const address = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    portal.webhooks.subscribe(a.email, `${address}${a.webhookPath}`);
    const before = portal.webhooks.deliveries.length;
    portal.changeProfile(a.email, { heightCm: 181 });
    portal.changeProfile(a.email, { eyeColour: 'green' }); // within the group window: the same event
    await portal.webhooks.settled();
    const sent = portal.webhooks.deliveries.slice(before);
    expect(sent.map((d) => [d.event.type, d.status])).toEqual([['actor_profile.updated', 200]]);
    expect(sent[0]!.event.data.id).toBe(Number(portal.profileIdOf(a.email)));
    expect(await footprint(a)).toMatchObject({ deliveries: 1, status: 'ok' });
    await waitFor(async () => (await pullsOf(a.user.id)) > 0, { what: 'the pull the portal\'s webhook started', timeoutMs: 60_000 });
  });

  it('retries with exponential backoff until the endpoint answers 200, signing each attempt', async () => {
    const apiKey = 'key-of-the-retry-test';
    const email = `retry-${randomUUID()}@portal.test`;
    portal.addAccount(email, PASSWORD, { partnerApiToken: apiKey });
    const received: { signature: string; body: string }[] = [];
    const endpoint = createServer(async (request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      received.push({ signature: String(request.headers['x-signature']), body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(received.length < 3 ? 503 : 200).end();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      portal.webhooks.subscribe(email, `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hook`);
      const media = portal.addMedia(email, 'headshot.png', onePixelPng());
      expect(media.id).toBeTruthy();
      await portal.webhooks.settled();
      expect(received).toHaveLength(3);
      for (const { signature, body } of received) {
        const t = Number(/^t=(\d+), v1=[0-9a-f]{64}$/.exec(signature)![1]);
        expect(signature).toBe(filmmakersSignature(apiKey, t, body));
        expect(JSON.parse(body)).toMatchObject({ type: 'actor_profile.updated', data: { id: Number(portal.profileIdOf(email)) } });
      }
      expect(new Set(received.map((r) => r.body)).size).toBe(1); // the same event each time
    } finally {
      await new Promise((resolve) => endpoint.close(resolve));
    }
  });

  it('a deleted profile sends actor_profile.deleted, and the connection needs the user', async () => {
    const a = await actor();
    const address = stack.app.server.listening ? `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}` : await stack.app.listen({ port: 0, host: '127.0.0.1' });
    portal.webhooks.subscribe(a.email, `${address}${a.webhookPath}`);
    portal.deleteProfile(a.email);
    await portal.webhooks.settled();
    expect((await footprint(a)).status).toBe('needs_reauth');
  });
});

/** The smallest PNG the portal recognises. */
function onePixelPng(): Buffer {
  return Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
}

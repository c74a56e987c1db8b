// Filmmakers' webhooks, as its public API documentation describes them (docs/webhooks.md of the platform's API
// documentation repository): a public, unauthenticated POST per connection, signed with the connection's API key.
//   - "should be publicly accessible and allow unauthenticated POST requests": no bearer token; the URL names the
//     connection by an unguessable reference (PlatformConnection.connectionRef), shown in GET /api/platforms, and
//     the gateway's per-address rate limit applies (api/rate-limits.ts counts refusals as failed authentications).
//   - "X-Signature: t=<unix>, v1=<hex>", "HMAC with SHA-256", "The API key is used as the secret", signed payload
//     "<t>.<body>": checked in constant time over the raw bytes of the body; a bad signature or a timestamp outside
//     the replay window (CASTSYNC_WEBHOOK_TOLERANCE_SECONDS) answers 401 and nothing is done.
//   - "Send a successful 200 response ... as quickly as possible" and "the event is retried with exponential
//     backoff": the answer waits only for one database transaction; the work goes through the outbox.
//   - "actor_profile.updated" (grouped by Filmmakers within a timeframe): the connection's pull runs now (its
//     profile and media drift checks with it: lib/pull-schedules.ts triggerPull); "actor_profile.deleted": the
//     connection needs the user (status needs_reauth, with the reason), as a revoked login does.
// A repeated delivery of an event (a retry whose 200 was lost, a replay within the window) is answered 200 and not
// acted on twice: each acted-on event is recorded by its body's hash (WebhookDelivery). The documentation gives
// events no id; the body (type, created, data.id) is the same in every retry of an event, whatever its t.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PlatformConnection } from '../../generated/prisma/client.js';
import { openCredentials } from '../../activities/credential-store.js';
import { recordAudit } from '../../lib/audit.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import type { Tx } from '../../lib/options.js';
import { FILMMAKERS_WEBHOOK_ROUTE } from '../../lib/platform-offer.js';
import { errorSchema, HttpError } from '../schemas.js';

const PLATFORM_ID = 'filmmakers';
/** Acted-on events are remembered this long: longer than Filmmakers plausibly retries one. */
const DELIVERIES_KEPT_MS = 3 * 24 * 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface FilmmakersEvent {
  type: string;
  created?: number;
  data?: { id?: number | string };
}

export interface WebhookRouteDeps {
  db: Db;
  config: Config;
  outbox: SyncOutbox;
}

interface Verified {
  connection: PlatformConnection;
  rawBody: Buffer;
  signedAt: number;
  /** The actor's profile id the user named at connect (an agency's key, whose webhooks cover all its actors). */
  profileId?: string;
}

/**
 * The header's parts. docs/webhooks.md shows "t=..., v1=..." (a space after the comma) but its Ruby example splits
 * on "," alone, which would keep the space in the key: both spellings are read, parts trimmed. Only scheme v1
 * exists ("Currently, the only signature scheme is v1"); other schemes are ignored, as the doc's scheme prefix
 * suggests. Null: no timestamp, more than one, or no v1 signature.
 */
export function parseSignatureHeader(header: string | undefined): { t: number; v1: string[] } | null {
  if (!header || header.length > 1000) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === 't') {
      // Two timestamps (a header sent twice arrives joined with ", "): which one was signed is anyone's guess.
      if (t !== null || !/^\d{1,12}$/.test(value)) return null;
      t = Number(value);
    }
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1.push(value.toLowerCase());
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/** HMAC-SHA256 of "<t>.<body>" keyed with the API key, compared in constant time with each v1 given. */
export function signatureMatches(apiKey: string, t: number, rawBody: Buffer, given: string[]): boolean {
  const expected = createHmac('sha256', apiKey).update(`${t}.`).update(rawBody).digest();
  // Every candidate is compared (no early exit), each in constant time; lengths are fixed by the header's parser.
  return given.map((hex) => timingSafeEqual(expected, Buffer.from(hex, 'hex'))).includes(true);
}

export async function filmmakersWebhookRoutes(app: FastifyInstance, { db, config, outbox }: WebhookRouteDeps) {
  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  const verified = new WeakMap<FastifyRequest, Verified>();

  // The signature covers the body's bytes as sent, so this scope keeps them (JSON.parse alone would lose them).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    rawBodies.set(request, body as Buffer);
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch {
      done(new HttpError(400, 'the body is not JSON'), undefined);
    }
  });

  /** Before the body's schema: a delivery that is not Filmmakers' is refused (401) whatever its body looks like. */
  async function verify(request: FastifyRequest<{ Params: { connectionRef: string } }>) {
    const connection = await connectionOf(request.params.connectionRef);
    const header = request.headers['x-signature'];
    const signature = parseSignatureHeader(typeof header === 'string' ? header : undefined);
    if (!signature) throw new HttpError(401, 'X-Signature is missing or malformed');
    const nowSeconds = Math.floor(Date.now() / 1000);
    // Either way: a timestamp from the future is as suspect as an old one (clocks differ by seconds, not minutes).
    if (Math.abs(nowSeconds - signature.t) > config.webhookToleranceSeconds) throw new HttpError(401, 'the signature\'s timestamp is outside the accepted window');
    const credentials = openCredentials(config, connection.userId, PLATFORM_ID, connection);
    const apiKey = credentials.partnerApiToken;
    if (!apiKey) request.log.warn({ platformId: PLATFORM_ID }, 'a webhook arrived for a connection without an API key: it cannot be verified');
    const rawBody = rawBodies.get(request) ?? Buffer.alloc(0);
    if (!apiKey || !signatureMatches(apiKey, signature.t, rawBody, signature.v1)) throw new HttpError(401, 'the signature does not match');
    verified.set(request, { connection, rawBody, signedAt: signature.t, profileId: credentials.partnerApiProfileId });
  }

  /** The connected Filmmakers connection of this reference; anything else is one and the same 404. */
  async function connectionOf(connectionRef: string): Promise<PlatformConnection> {
    const connection = UUID.test(connectionRef) ? await db.platformConnection.findUnique({ where: { connectionRef } }) : null;
    if (!connection || connection.platformId !== PLATFORM_ID || !connection.connected) throw new HttpError(404, 'no such webhook');
    return connection;
  }

  app.post<{ Params: { connectionRef: string }; Body: FilmmakersEvent }>(
    FILMMAKERS_WEBHOOK_ROUTE,
    {
      preValidation: verify,
      schema: {
        tags: ['webhooks'],
        summary: 'Filmmakers webhook (actor_profile.updated / .deleted), signed with the connection\'s API key; register the connection\'s webhookUrl (GET /api/platforms) with Filmmakers',
        params: { type: 'object', required: ['connectionRef'], properties: { connectionRef: { type: 'string', format: 'uuid', description: 'The connection\'s reference, from its webhookUrl' } } },
        headers: {
          type: 'object',
          required: ['x-signature'],
          properties: { 'x-signature': { type: 'string', pattern: '^[ -~]{1,1000}$', description: 't=<unix seconds>, v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the API key>' } },
        },
        body: {
          type: 'object',
          required: ['type'],
          properties: {
            type: { type: 'string', pattern: '^[a-z_.]{1,100}$', description: 'actor_profile.updated or actor_profile.deleted; other types are acknowledged and ignored' },
            created: { type: 'integer' },
            data: { type: 'object', properties: { id: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^\\w{1,100}$' }], description: 'The actor profile\'s id' } } },
          },
        },
        response: {
          200: { type: 'object', properties: { received: { type: 'boolean' }, duplicate: { type: 'boolean', description: 'This event was acted on before; nothing was done again' } } },
          401: { ...errorSchema, description: 'Unauthorized: X-Signature is missing, stale (outside the replay window) or does not match; nothing was done' },
          404: { ...errorSchema, description: 'Not Found: no connected Filmmakers connection has this reference' },
        },
      },
    },
    async (request) => {
      const { connection, rawBody, signedAt, profileId } = verified.get(request)!;
      const event = request.body;
      const eventHash = createHash('sha256').update(rawBody).digest('hex');
      const duplicate = await outbox.transaction(db, connection.userId, async (tx, send) => {
        const { count } = await tx.webhookDelivery.createMany({
          data: [{ connectionId: connection.id, eventHash, eventType: event.type, signedAt: new Date(signedAt * 1000) }],
          skipDuplicates: true, // concurrent deliveries of one event: the unique index lets one through
        });
        if (count === 0) return true;
        await tx.webhookDelivery.deleteMany({ where: { connectionId: connection.id, receivedAt: { lt: new Date(Date.now() - DELIVERIES_KEPT_MS) } } });
        await act(tx, connection, event, send, profileId);
        return false;
      });
      request.log.info({ platformId: PLATFORM_ID, eventType: event.type, duplicate }, 'webhook received');
      return { received: true, duplicate };
    },
  );
}

type Send = Parameters<Parameters<SyncOutbox['transaction']>[2]>[1];

async function act(tx: Tx, connection: PlatformConnection, event: FilmmakersEvent, send: Send, profileId: string | undefined) {
  const { userId, platformId } = connection;
  // An agency's key signs the events of every actor it reads: another actor's profile is none of this connection's
  // business (above all, its deletion). Without a named profile the key reads one, the actor's.
  if (profileId && event.data?.id !== undefined && String(event.data.id) !== profileId) return;
  if (event.type === 'actor_profile.updated') {
    // One drift check waiting in the outbox covers every update until it goes (grouping on our side too).
    const waiting = await tx.outboxMessage.count({ where: { userId, topic: 'drift_check', subjectId: platformId, deliveredAt: null } });
    if (waiting === 0) await send([{ topic: 'drift_check', platformId }]);
    return;
  }
  if (event.type === 'actor_profile.deleted') {
    // needs_reauth: the state in which rounds leave the connection out and the dashboard offers to connect again
    // (a reconnect compares everything in full); the message says why, so nobody looks for a wrong password.
    const statusMessage = 'Filmmakers reports that the actor profile was deleted. Connect again once the profile exists, or disconnect Filmmakers.';
    await tx.platformConnection.update({ where: { id: connection.id }, data: { status: 'needs_reauth', statusMessage } });
    await send([{ topic: 'sync_targets' }]);
    await recordAudit(tx, { userId, actor: 'system', action: 'connection.profile_deleted', target: platformId, details: { profileId: String(event.data?.id ?? '') } });
  }
  // Other event types: acknowledged (Filmmakers would retry anything else) and recorded, nothing to do.
}

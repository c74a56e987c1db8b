// Connecting platforms: the catalog with the user's connection state, connect (API key, login, agency address,
// or the start of an OAuth flow), the OAuth redirect target, sync settings, and disconnect. Credentials are
// checked by a worker on the platform's task queue before anything is stored (lib/connection-checks.ts), stored
// sealed, and never returned.
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { platformBaseUrl, PlatformNotConfiguredError } from '../../adapters/adapter-context.js';
import { getPlatform, isPlatformId, platformCatalog, type PlatformEntry } from '../../adapters/catalog.js';
import { PlatformError } from '../../adapters/errors.js';
import { hasAdapter } from '../../adapters/registry.js';
import type { AuthData } from '../../adapters/types.js';
import { openCredentials, sealCredentials } from '../../activities/credential-store.js';
import type { PlatformConnection } from '../../generated/prisma/client.js';
import type { Config } from '../../lib/config.js';
import { byUser, recordAudit } from '../../lib/audit.js';
import { CHROMIUM_MISSING_REASON, chromiumStatus, needsChromium } from '../../lib/chromium.js';
import { checkConnection } from '../../lib/connection-checks.js';
import type { Db } from '../../lib/db.js';
import { fullComparisonMessages } from '../../lib/full-comparison.js';
import { disconnectPlatform } from '../../lib/platform-disconnect.js';
import type { OutboxMessageInput } from '../../lib/outbox.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import type { Tx } from '../../lib/options.js';
import { openJson, sealJson } from '../../lib/secrets.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, HttpError, noContent, platformParam } from '../schemas.js';
import type { OAuthFlow } from '../oauth.js';
import { checkCredentialFields, credentialFieldsByKind, credentialsOf, connectBodyProperties, type ConnectBody } from './connect-credentials.js';
import { filmmakersWebhookUrl } from './filmmakers-webhooks.js';

export interface PlatformRouteDeps {
  db: Db;
  config: Config;
  oauth: OAuthFlow;
  /** Connecting sends the first pushes and the pull schedule; settings and disconnecting send the schedule. */
  outbox: SyncOutbox;
  /** Connect-time credential checks run as workflows (lib/connection-checks.ts). */
  temporal: Client;
}

const connectionSchema = {
  type: ['object', 'null'],
  properties: {
    connected: { type: 'boolean' },
    status: { type: 'string', enum: ['ok', 'needs_reauth', 'failing'] },
    statusMessage: { type: ['string', 'null'] },
    autoSync: { type: 'boolean' },
    syncAvailability: { type: 'boolean' },
    syncMedia: { type: 'boolean' },
    syncProfile: { type: 'boolean' },
    pullIntervalMinutes: { type: ['integer', 'null'] },
    accountRef: { type: ['string', 'null'] },
    lastSyncedAt: { type: ['string', 'null'], format: 'date-time' },
    webhookUrl: {
      type: ['string', 'null'],
      description: "Filmmakers with a partner API token: the URL to register in Filmmakers' webhook settings (its webhooks are signed with that token); null elsewhere",
    },
  },
} as const;

const platformSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['rest', 'oauth', 'browser', 'email'] },
    available: { type: 'boolean', description: 'castsync can connect this platform' },
    unavailableReason: { type: ['string', 'null'], description: 'Why available is false (for example, this server has no Chromium for the browser platforms); null when available' },
    capabilities: {
      type: 'object',
      properties: { pushAvailability: { type: 'boolean' }, pullAvailability: { type: 'boolean' }, media: { type: 'boolean' }, profile: { type: 'boolean' } },
    },
    connects: { type: 'string', description: 'What connect expects: apiKey, email+password, agencyEmail, or an OAuth redirect' },
    partnerApi: { type: 'boolean', description: 'connect also takes an optional read-only partnerApiToken (and the partnerApiProfileId it should read), which profile and media reads then use' },
    connection: connectionSchema,
  },
} as const;

const OAUTH_REQUEST_TTL_MS = 10 * 60 * 1000;

export async function platformRoutes(app: FastifyInstance, { db, config, oauth, outbox, temporal }: PlatformRouteDeps) {
  const tags = ['platforms'];

  function platformOr404(platformId: string): PlatformEntry {
    if (!isPlatformId(platformId)) throw new HttpError(404, `unknown platform "${platformId}"`);
    return getPlatform(platformId);
  }

  /** Connecting needs a platform this server offers (CASTSYNC_PLATFORMS) and knows the address of. */
  function connectablePlatform(platformId: string): PlatformEntry {
    const platform = platformOr404(platformId);
    if (!config.enabledPlatforms.includes(platform.id)) throw new HttpError(404, `${platform.name} is not offered on this server`);
    try {
      platformBaseUrl(config, platform.id);
    } catch (error) {
      if (error instanceof PlatformNotConfiguredError) throw new HttpError(503, error.message);
      throw error;
    }
    return platform;
  }

  /**
   * Why this server cannot connect a platform now, or null. A browser platform's login runs on a worker, which
   * needs Chromium; the API reads the same setting as the workers of its deployment and refuses before a check
   * that no worker could run (a stat, never a launch, on every request: Chromium installed meanwhile counts at once).
   */
  function unavailableReason(platform: PlatformEntry): string | null {
    if (!hasAdapter(platform.kind)) return `castsync cannot connect ${platform.name} yet`;
    if (needsChromium(platform) && !chromiumStatus(config).available) return CHROMIUM_MISSING_REASON;
    return null;
  }

  app.get('/api/platforms', { schema: { tags, summary: 'The platforms this server offers, with your connections', security: bearerSecurity, response: { 200: { type: 'array', items: platformSchema } } } }, async (request) => {
    const connections = await db.platformConnection.findMany({ where: { userId: request.userId } });
    const offered = Object.values(platformCatalog as Record<string, PlatformEntry>).filter((p) => config.enabledPlatforms.includes(p.id));
    return offered.map((platform) => ({
      id: platform.id,
      name: platform.name,
      kind: platform.kind,
      ...availability(unavailableReason(platform)),
      capabilities: platform.capabilities,
      connects: platform.kind === 'oauth' ? 'OAuth redirect' : credentialFieldsByKind[platform.kind].join('+'),
      partnerApi: Boolean(platform.browser?.partnerApiPath),
      connection: presentConnection(connections.find((c) => c.platformId === platform.id), config),
    }));
  });

  app.post<{ Params: { platformId: string }; Body: ConnectBody }>(
    '/api/platforms/:platformId/connect',
    {
      schema: {
        tags,
        summary: 'Connect a platform (API key, e-mail and password, agency address) or start its OAuth flow',
        security: bearerSecurity,
        params: platformParam,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: connectBodyProperties,
        },
        response: {
          200: { type: 'object', properties: { authorizationUrl: { type: 'string' } }, description: 'OAuth: send the user to authorizationUrl' },
          201: { type: 'object', properties: { platformId: { type: 'string' }, connection: connectionSchema } },
          400: errorSchema,
          404: errorSchema,
          502: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const platform = connectablePlatform(request.params.platformId);
      if (!hasAdapter(platform.kind)) throw new HttpError(409, `${platform.name} cannot be connected yet`);
      // Refused before anything is checked or stored; an existing connection keeps its data and settings.
      if (needsChromium(platform) && !chromiumStatus(config).available) throw new HttpError(503, `${platform.name} cannot be connected now. ${CHROMIUM_MISSING_REASON}`);
      const body = request.body ?? {};
      checkCredentialFields(platform, body);

      if (platform.kind === 'oauth') {
        const started = await oauth.start(platform, `${config.publicUrl}/api/platforms/${platform.id}/callback`);
        await db.oAuthAuthorizationRequest.create({
          data: {
            state: started.state,
            userId: request.userId,
            platformId: platform.id,
            ...sealedVerifier(config, started.state, started.codeVerifier),
            redirectUri: started.redirectUri,
            expiresAt: new Date(Date.now() + OAUTH_REQUEST_TTL_MS),
          },
        });
        return reply.code(200).send({ authorizationUrl: started.url });
      }

      const credentials = credentialsOf(platform, body);
      const accountRef = platform.kind === 'email' ? body.agencyEmail! : null;
      const checked = await checkCredentials(platform, credentials, accountRef, request.userId);
      const connection = await outbox.transaction(db, request.userId, async (tx, send) => {
        const connection = await saveConnection(tx, config, { userId: request.userId, platformId: platform.id, credentials: checked, accountRef });
        await recordAudit(tx, { ...byUser(request), action: 'connection.connect', target: platform.id, details: { kind: platform.kind } });
        await send(await connectedMessages(tx, request.userId, platform));
        return connection;
      });
      return reply.code(201).send({ platformId: platform.id, connection: presentConnection(connection, config) });
    },
  );

  app.patch<{ Params: { platformId: string }; Body: Partial<Pick<PlatformConnection, 'autoSync' | 'syncAvailability' | 'syncMedia' | 'syncProfile' | 'pullIntervalMinutes'>> }>(
    '/api/platforms/:platformId',
    {
      schema: {
        tags,
        summary: 'Change sync settings',
        security: bearerSecurity,
        params: platformParam,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            autoSync: { type: 'boolean' },
            syncAvailability: { type: 'boolean' },
            syncMedia: { type: 'boolean' },
            syncProfile: { type: 'boolean' },
            pullIntervalMinutes: { type: ['integer', 'null'], minimum: 5, maximum: 10080 },
          },
        },
        response: { 200: { type: 'object', properties: { platformId: { type: 'string' }, connection: connectionSchema } }, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const platform = platformOr404(request.params.platformId);
      const connection = await outbox.transaction(db, request.userId, async (tx, send) => {
        const { count } = await tx.platformConnection.updateMany({ where: { userId: request.userId, platformId: platform.id, connected: true }, data: request.body });
        if (count === 0) throw new HttpError(404, `${platform.name} is not connected`);
        await recordAudit(tx, { ...byUser(request), action: 'connection.settings', target: platform.id, details: { ...request.body } });
        if (PULL_SETTINGS.some((field) => field in request.body)) await send([{ topic: 'pull_schedule', platformId: platform.id }]);
        if (TARGET_SETTINGS.some((field) => field in request.body)) await send([{ topic: 'sync_targets' }]);
        return tx.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: request.userId, platformId: platform.id } } });
      });
      return { platformId: platform.id, connection: presentConnection(connection, config) };
    },
  );

  app.delete<{ Params: { platformId: string } }>(
    '/api/platforms/:platformId',
    { schema: { tags, summary: 'Disconnect: stored credentials are deleted', security: bearerSecurity, params: platformParam, response: { 204: noContent('Disconnected'), 404: errorSchema } } },
    async (request, reply) => {
      const platform = platformOr404(request.params.platformId);
      const disconnected = await disconnectPlatform({ db, config, oauth, outbox }, { userId: request.userId, requestId: request.id, log: request.log }, platform);
      if (!disconnected) throw new HttpError(404, `${platform.name} is not connected`);
      return reply.code(204).send();
    },
  );

  /** The credentials as the check left them (a browser login's session, so the first push need not log in). */
  async function checkCredentials(platform: PlatformEntry, credentials: AuthData, accountRef: string | null, userId: string): Promise<AuthData> {
    const answer = await checkConnection({ db, config, temporal }, { userId, platform, credentials, accountRef });
    if (answer.outcome === 'accepted') return answer.credentials;
    if (answer.outcome === 'refused') throw new HttpError(400, answer.message);
    if (answer.outcome === 'trouble') throw new HttpError(502, `${answer.message}; try again later`);
    throw new HttpError(503, answer.message);
  }
}

/** The OAuth redirect target. Not behind bearer auth: the browser comes from the platform; `state` identifies the request. */
export async function oauthCallbackRoute(app: FastifyInstance, { db, config, oauth, outbox }: PlatformRouteDeps) {
  app.get<{ Params: { platformId: string }; Querystring: CallbackQuery }>(
    '/api/platforms/:platformId/callback',
    {
      schema: {
        tags: ['platforms'],
        summary: 'OAuth redirect target (checks state, exchanges the code)',
        params: platformParam,
        querystring: {
          type: 'object',
          properties: {
            code: { type: 'string', maxLength: 2000 },
            state: { type: 'string', maxLength: 200 },
            error: { type: 'string', maxLength: 200 },
            error_description: { type: 'string', maxLength: 1000 },
          },
        },
        response: { 200: { type: 'object', properties: { platformId: { type: 'string' }, connected: { type: 'boolean' } } }, 302: { description: 'Browsers (Accept: text/html) go back to the dashboard' }, 400: errorSchema, 502: errorSchema },
      },
    },
    async (request, reply) => {
      // A person's browser comes back to the dashboard, with the outcome in the query; API clients get JSON.
      if (!request.headers.accept?.includes('text/html')) return finish(request);
      const outcome = await finish(request).then(
        ({ platformId }) => `connected=${encodeURIComponent(isPlatformId(platformId) ? getPlatform(platformId).name : platformId)}`,
        (failure: unknown) => {
          if (!(failure instanceof HttpError)) throw failure;
          return `connectError=${encodeURIComponent(failure.message)}`;
        },
      );
      return reply.redirect(`/app/?${outcome}#platforms`);
    },
  );

  async function finish(request: FastifyRequest<{ Params: { platformId: string }; Querystring: CallbackQuery }>) {
    const { platformId } = request.params;
    const { code, state, error } = request.query;
    if (!state) throw new HttpError(400, 'the platform sent no state; start connecting again');
    // Consume the request first: a state is good for exactly one callback.
    const pending = await db.oAuthAuthorizationRequest.findUnique({ where: { state } });
    if (pending) await db.oAuthAuthorizationRequest.delete({ where: { state } });
    if (!pending || pending.platformId !== platformId || pending.expiresAt < new Date()) {
      throw new HttpError(400, 'unknown or expired authorization request; start connecting again');
    }
    const platform = getPlatform(platformId);
    if (error) throw new HttpError(400, `${platform.name} did not grant access (${error})`);
    if (!code) throw new HttpError(400, 'the platform sent no authorization code');
    let credentials: AuthData;
    try {
      credentials = await oauth.finish(platform, { code, codeVerifier: openedVerifier(config, state, pending), redirectUri: pending.redirectUri });
    } catch (failure) {
      if (failure instanceof PlatformError && failure.retryable) throw new HttpError(502, `${failure.message}; try again later`);
      if (failure instanceof PlatformError) throw new HttpError(400, failure.message);
      throw failure;
    }
    await outbox.transaction(db, pending.userId, async (tx, send) => {
      await saveConnection(tx, config, { userId: pending.userId, platformId, credentials, accountRef: null });
      await recordAudit(tx, { ...byUser(request, pending.userId), action: 'connection.connect', target: platformId, details: { kind: platform.kind } });
      await send(await connectedMessages(tx, pending.userId, platform));
    });
    return { platformId, connected: true };
  }
}

interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/** Settings that decide whether a connection is among the platforms a sync round pushes to (activities/sync-targets.ts). */
const TARGET_SETTINGS = ['autoSync', 'syncAvailability', 'syncMedia', 'syncProfile'] as const;

/** Settings that decide whether, and how often, a connection is pulled. */
const PULL_SETTINGS = ['pullIntervalMinutes', 'syncAvailability', 'autoSync'] as const;

/**
 * What a (re)connected platform is sent: what the user has that it takes, compared in full with what it holds
 * (so changes made while it needed re-authorization reach it now), and its pull schedule.
 */
async function connectedMessages(tx: Tx, userId: string, platform: PlatformEntry): Promise<OutboxMessageInput[]> {
  return [...(await fullComparisonMessages(tx, userId, platform.id)), { topic: 'pull_schedule', platformId: platform.id }, { topic: 'sync_targets' }];
}

// The PKCE verifier is a secret until the callback uses it: sealed like credentials, bound to its state.
const verifierOwner = (state: string) => `oauth-request:${state}`;

function sealedVerifier(config: Config, state: string, codeVerifier: string) {
  const sealed = sealJson(config, verifierOwner(state), codeVerifier);
  return { codeVerifierCiphertext: sealed.ciphertext, codeVerifierKeyId: sealed.keyId };
}

function openedVerifier(config: Config, state: string, pending: { codeVerifierCiphertext: Uint8Array; codeVerifierKeyId: string }): string {
  return openJson<string>(config, verifierOwner(state), { ciphertext: pending.codeVerifierCiphertext, keyId: pending.codeVerifierKeyId });
}

async function saveConnection(db: Tx, config: Config, c: { userId: string; platformId: string; credentials: AuthData; accountRef: string | null }) {
  const data = { connected: true, accountRef: c.accountRef, status: 'ok' as const, statusMessage: null, ...sealCredentials(config, c.userId, c.platformId, c.credentials) };
  return db.platformConnection.upsert({
    where: { userId_platformId: { userId: c.userId, platformId: c.platformId } },
    create: { userId: c.userId, platformId: c.platformId, ...data },
    update: data,
  });
}

function availability(reason: string | null) {
  return { available: reason === null, unavailableReason: reason };
}

function presentConnection(connection: PlatformConnection | undefined, config: Config) {
  if (!connection) return null;
  return {
    connected: connection.connected,
    status: connection.status,
    statusMessage: connection.statusMessage,
    autoSync: connection.autoSync,
    syncAvailability: connection.syncAvailability,
    syncMedia: connection.syncMedia,
    syncProfile: connection.syncProfile,
    pullIntervalMinutes: connection.pullIntervalMinutes,
    accountRef: connection.accountRef,
    lastSyncedAt: connection.lastSyncedAt?.toISOString() ?? null,
    // Webhooks are signed with the partner API token: without one castsync could not verify them.
    webhookUrl: connection.platformId === 'filmmakers' && openCredentials(config, connection.userId, connection.platformId, connection).partnerApiToken ? filmmakersWebhookUrl(config, connection.connectionRef) : null,
  };
}

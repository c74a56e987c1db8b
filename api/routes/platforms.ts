// Connecting platforms: the catalog with the user's connection state, connect (API key, login, agency address,
// or the start of an OAuth flow), the OAuth redirect target, sync settings, and disconnect. The rules, the
// credential check and the transactions are the connections service's (lib/connections.ts); these routes validate,
// call it and answer, a ConnectionError with its status.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getPlatform, isPlatformId } from '../../adapters/catalog.js';
import { ConnectionError, type Connections, type ConnectionSettings, type OAuthCallback } from '../../lib/connections.js';
import type { ConnectBody } from '../../lib/platform-offer.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, HttpError, noContent, platformParam } from '../schemas.js';

export interface PlatformRouteDeps {
  /** The connections service (lib/connections.ts), one for both plugins. */
  connections: Connections;
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

export const platformSchema = {
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

/** What connect takes; which of these a platform needs is its kind's (lib/platform-offer.ts). */
const connectBodyProperties = {
  apiKey: { type: 'string', minLength: 1, maxLength: 500 },
  email: { type: 'string', format: 'email', maxLength: 320 },
  password: { type: 'string', minLength: 1, maxLength: 500 },
  agencyEmail: { type: 'string', format: 'email', maxLength: 320 },
  partnerApiToken: { type: 'string', minLength: 1, maxLength: 500, description: 'Filmmakers: the read-only partner API token, used for profile and media reads' },
  partnerApiProfileId: {
    type: 'string',
    maxLength: 40,
    description: "Filmmakers, with partnerApiToken: the actor's profile id in the partner API (digits), needed when the token is an agency's and reads several profiles",
  },
} as const;

/**
 * The service's refusal as the answer, with its status and words: the gateway's error handler would hide the words
 * of a 502 or 503 ("internal error"), which here tell the user what to do.
 */
async function answer<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ConnectionError) throw new HttpError(error.statusCode, error.message);
    throw error;
  }
}

export async function platformRoutes(app: FastifyInstance, { connections }: PlatformRouteDeps) {
  const tags = ['platforms'];
  const actor = (request: Pick<FastifyRequest, 'userId' | 'id' | 'log'>) => ({ userId: request.userId, requestId: request.id, log: request.log });

  app.get('/api/platforms', { schema: { tags, summary: 'The platforms this server offers, with your connections', security: bearerSecurity, response: { 200: { type: 'array', items: platformSchema } } } }, async (request) =>
    connections.list(request.userId),
  );

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
      const outcome = await answer(connections.connect(actor(request), request.params.platformId, request.body ?? {}));
      return reply.code('authorizationUrl' in outcome ? 200 : 201).send(outcome);
    },
  );

  app.patch<{ Params: { platformId: string }; Body: ConnectionSettings }>(
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
    async (request) => answer(connections.changeSettings(actor(request), request.params.platformId, request.body)),
  );

  app.delete<{ Params: { platformId: string } }>(
    '/api/platforms/:platformId',
    { schema: { tags, summary: 'Disconnect: stored credentials are deleted', security: bearerSecurity, params: platformParam, response: { 204: noContent('Disconnected'), 404: errorSchema } } },
    async (request, reply) => {
      await answer(connections.disconnect(actor(request), request.params.platformId));
      return reply.code(204).send();
    },
  );
}

/** The OAuth redirect target. Not behind bearer auth: the browser comes from the platform; `state` identifies the request. */
export async function oauthCallbackRoute(app: FastifyInstance, { connections }: PlatformRouteDeps) {
  app.get<{ Params: { platformId: string }; Querystring: OAuthCallback & { error_description?: string } }>(
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
      const completed = answer(connections.completeOAuth(request.id, request.params.platformId, request.query));
      // A person's browser comes back to the dashboard, with the outcome in the query; API clients get JSON.
      if (!request.headers.accept?.includes('text/html')) return completed;
      const outcome = await completed.then(
        ({ platformId }) => `connected=${encodeURIComponent(isPlatformId(platformId) ? getPlatform(platformId).name : platformId)}`,
        (failure: unknown) => {
          if (!(failure instanceof HttpError)) throw failure;
          return `connectError=${encodeURIComponent(failure.message)}`;
        },
      );
      return reply.redirect(`/app/?${outcome}#platforms`);
    },
  );
}

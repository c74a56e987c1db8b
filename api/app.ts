// The Fastify gateway: JSON-schema validated routes, an OpenAPI document at /docs, bearer auth on /api.
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyError } from 'fastify';
import { validatorCompiler } from './validation.js';
import { bodyDeadline } from './body-deadline.js';
import { isDatabaseBusy } from './database-busy.js';
import { rateLimits } from './rate-limits.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { gatewayLoggerOptions } from '../lib/logging.js';
import { requestIdFrom, runWithRequestId } from '../lib/request-context.js';
import { requireUser } from './auth.js';
import { accountRoutes } from './routes/account.js';
import { accountAccessRoutes } from './routes/account-access.js';
import { auditRoutes } from './routes/audit.js';
import { availabilityRoutes } from './routes/availability.js';
import { calendarRoutes } from './routes/calendars.js';
import { codecRoutes } from './routes/codec.js';
import { conflictRoutes } from './routes/conflicts.js';
import { mediaRoutes } from './routes/media.js';
import { profileRoutes } from './routes/profile.js';
import { LocalDiskStorage } from '../lib/media-storage.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { signupRoutes } from './routes/signup.js';
import { icsFeedRoute, icsTokenRoutes } from './routes/ics-feed.js';
import { oauthFlow } from './oauth.js';
import { metricsRoute } from './routes/metrics.js';
import { healthRoutes } from './routes/health.js';
import { oauthCallbackRoute, platformRoutes } from './routes/platforms.js';
import { filmmakersWebhookRoutes } from './routes/filmmakers-webhooks.js';
import { syncRoutes } from './routes/sync.js';
import { syncRequestRoutes } from './routes/sync-requests.js';
import { syncStatusRoutes } from './routes/sync-status.js';
import { OutboxRelay } from '../lib/outbox-relay.js';
import { createConnections } from '../lib/connections.js';
import { temporalCallsSettled } from '../lib/temporal-client.js';
import { HttpError, sharedSchemas } from './schemas.js';
import { documentAuthResponses, documentInputRules, documentStandardResponses } from './openapi-responses.js';
import { answerMethodNotAllowed } from './method-not-allowed.js';

export interface AppDeps {
  config: Config;
  db: Db;
  temporal: Client;
  logger?: boolean | object;
}

export async function buildApp({ config, db, temporal, logger }: AppDeps) {
  const app = Fastify({
    logger: logger ?? gatewayLoggerOptions(config.logLevel), // redacts secrets (lib/logging.ts)
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy, // the client's address for rate limits and logs, behind a proxy (CASTSYNC_TRUST_PROXY)
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']),
  });
  app.setValidatorCompiler(validatorCompiler);
  bodyDeadline(app, config.bodyTimeoutMs);
  await rateLimits(app, config.rateLimits); // before the routes: it attaches itself to each route as it is added
  // The request id follows the request into Temporal (lib/sync-requests.ts) and back to the caller.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    runWithRequestId(request.id, done);
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return reply.code(error.statusCode).send({ statusCode: error.statusCode, error: reasonPhrase(error.statusCode), message: error.message });
    if (isDatabaseBusy(error)) {
      // Every connection of the pool stayed busy past the transaction's maxWait (a burst): nothing was written, and
      // the same request a moment later will most likely go through, which a 503 with Retry-After says; a 500 did not.
      request.log.warn({ err: error }, 'database busy');
      return reply.code(503).header('retry-after', '1').send({ statusCode: 503, error: reasonPhrase(503), message: 'the database is busy: nothing was changed; try again in a moment' });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ statusCode: status, error: reasonPhrase(status), message: status >= 500 ? 'internal error' : error.message });
  });

  sharedSchemas(app);
  await app.register(swagger, {
    // Shared schemas appear in the document's components under their own $id ("Error"), not as def-0, def-1, ...
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      info: { title: 'castsync API', version: '0.1.0', description: 'One calendar, every casting platform in step.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: documentInputRules,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  documentStandardResponses(app); // before any documented route: it adds the answers every route can give
  answerMethodNotAllowed(app);

  // The outbox relay runs here unless relays run on their own (CASTSYNC_RELAY=off, npm run relay): either way a
  // change's answer never waits on Temporal.
  const outbox = new OutboxRelay(db, temporal, config, { log: app.log });
  if (config.relayInProcess) outbox.start();
  // Calls a route gave up waiting for may still be retried by the client: they settle before the connection closes.
  app.addHook('onClose', async () => {
    await outbox.stop();
    await temporalCallsSettled();
  });

  const platformDeps = { db, config, oauth: oauthFlow(config), outbox, temporal };
  const connections = createConnections(platformDeps);
  await app.register(cookie); // the dashboard's session cookie (api/auth.ts)
  await app.register(dashboardRoutes, { db, config });
  await app.register(signupRoutes, { db, config }); // 404 unless CASTSYNC_SIGNUP=on
  await app.register(healthRoutes, { db, temporal, timeoutMs: config.temporalRequestTimeoutMs });
  await app.register(codecRoutes, { config, db }); // operators only (CASTSYNC_OPERATOR_TOKEN)
  await app.register(metricsRoute, { db });
  await app.register(oauthCallbackRoute, { connections });
  await app.register(icsFeedRoute, { db, config }); // the feed's own secret, no bearer token
  await app.register(filmmakersWebhookRoutes, { db, config, outbox }); // signed by the platform, no bearer token
  await app.register(async (api) => {
    requireUser(api, db);
    documentAuthResponses(api);
    await api.register(availabilityRoutes, { db, config, outbox });
    await api.register(conflictRoutes, { db, config, outbox });
    await api.register(calendarRoutes, { db, config, outbox });
    await api.register(icsTokenRoutes, { db, config });
    await api.register(auditRoutes, { db });
    await api.register(accountAccessRoutes, { db });
    await api.register(mediaRoutes, { db, config, storage: new LocalDiskStorage(config.mediaDir), outbox });
    await api.register(profileRoutes, { db, outbox });
    await api.register(platformRoutes, { connections });
    await api.register(syncRoutes, {
      db,
      artifactsDir: config.artifactsDir,
      temporal,
      temporalUiUrl: config.temporalUiUrl,
      temporalNamespace: config.temporalNamespace,
      temporalRequestTimeoutMs: config.temporalRequestTimeoutMs,
      outbox,
      enabledPlatforms: config.enabledPlatforms,
      quotas: config,
    });
    await api.register(accountRoutes, { ...platformDeps, storage: new LocalDiskStorage(config.mediaDir) });
    await api.register(syncRequestRoutes, { db, temporal, timeoutMs: config.temporalRequestTimeoutMs });
    await api.register(syncStatusRoutes, { db, config, temporal });
  });
  return app;
}

function reasonPhrase(status: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 408: 'Request Timeout', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 502: 'Bad Gateway', 503: 'Service Unavailable' }[status] ??
    (status >= 500 ? 'Internal Server Error' : 'Error')
  );
}

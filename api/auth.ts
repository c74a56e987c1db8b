// Authentication: a personal API token as "Authorization: Bearer <token>" (API clients, lib/accounts.ts) or the
// dashboard's session cookie, which holds a random session id (lib/dashboard-sessions.ts). The request then
// carries its user's id, and every route reads and writes only that user's rows.
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../lib/db.js';
import { authenticateToken } from '../lib/accounts.js';
import { sessionOwner } from '../lib/dashboard-sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
    /** The API token that authenticated the request; null when the dashboard session did. */
    apiTokenId: string | null;
    /** The dashboard session that authenticated the request; null for a bearer token. */
    sessionId: string | null;
  }
}

export const SESSION_COOKIE = 'castsync_session';
/**
 * Cookie-authenticated changes must carry this header. A cross-site form or image cannot set a custom header, and
 * a cross-site fetch that does needs a CORS preflight we never grant, so the browser's cookie alone changes nothing.
 */
export const CSRF_HEADER = 'x-castsync-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request came from our own page (or is a read), so a cookie may authenticate it. */
export const sameSiteRequest = (request: FastifyRequest) => SAFE_METHODS.has(request.method) || request.headers[CSRF_HEADER] === '1';

export function requireUser(app: FastifyInstance, db: Db) {
  app.decorateRequest('userId', '');
  app.decorateRequest('apiTokenId', null);
  app.decorateRequest('sessionId', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
    const cookie = header ? undefined : request.cookies?.[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (!token) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'send the API token as "Authorization: Bearer <token>"' });
    if (cookie && !sameSiteRequest(request)) {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `a change made with the session cookie needs the "${CSRF_HEADER}: 1" header` });
    }
    if (bearer) {
      const owner = await authenticateToken(db, bearer);
      if (!owner) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'unknown, expired or revoked API token' });
      request.userId = owner.userId;
      request.apiTokenId = owner.tokenId;
    } else {
      const owner = await sessionOwner(db, token);
      if (!owner) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'the dashboard session has ended; sign in again' });
      request.userId = owner.userId;
      request.sessionId = owner.sessionId;
    }
  });
}

export const bearerSecurity = [{ bearerAuth: [] }];

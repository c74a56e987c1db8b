// Authentication: the API token as "Authorization: Bearer <token>" (API clients) or in the dashboard's session
// cookie (api/routes/dashboard.ts sets it). The token's SHA-256 is looked up; the request then carries its user's
// id and every route reads and writes only that user's rows.
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../lib/db.js';
import { hashApiToken } from '../lib/secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
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
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
    const cookie = header ? undefined : request.cookies?.[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (!token) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'send the API token as "Authorization: Bearer <token>"' });
    if (cookie && !sameSiteRequest(request)) {
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `a change made with the session cookie needs the "${CSRF_HEADER}: 1" header` });
    }
    const user = await db.user.findUnique({ where: { apiTokenHash: hashApiToken(token) }, select: { id: true } });
    if (!user) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'unknown or revoked API token' });
    request.userId = user.id;
  });
}

export const bearerSecurity = [{ bearerAuth: [] }];

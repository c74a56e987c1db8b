// Bearer-token authentication: the token's SHA-256 is looked up; the request then carries its user's id and
// every route reads and writes only that user's rows.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../lib/db.js';
import { hashApiToken } from '../lib/secrets.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
}

export function requireUser(app: FastifyInstance, db: Db) {
  app.decorateRequest('userId', '');
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'send the API token as "Authorization: Bearer <token>"' });
    const user = await db.user.findUnique({ where: { apiTokenHash: hashApiToken(match[1]!) }, select: { id: true } });
    if (!user) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'unknown or revoked API token' });
    request.userId = user.id;
  });
}

export const bearerSecurity = [{ bearerAuth: [] }];

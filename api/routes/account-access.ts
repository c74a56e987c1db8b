// The signed-in user's own access: who am I (GET /api/me), personal API tokens (shown once when made, only their
// hash kept), dashboard sessions and the password. Every query is scoped to request.userId; another user's id answers 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../lib/db.js';
import { AccountError, createToken, listTokens, MAX_TOKEN_DAYS, revokeToken, TOKEN_NAME_MAX_LENGTH } from '../../lib/accounts.js';
import { byUser, recordAudit } from '../../lib/audit.js';
import { listSessions, revokeSession } from '../../lib/dashboard-sessions.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../lib/passwords.js';
import { changePassword, type PasswordChange } from '../../lib/signup.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, HttpError, noContent, uuidParam } from '../schemas.js';

export interface AccountAccessDeps {
  db: Db;
}

const tags = ['account'];
const dateTime = { type: 'string', format: 'date-time' } as const;
const optionalDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
const errors = { 401: errorSchema } as const;

const meSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string' },
    name: { type: 'string' },
    createdAt: dateTime,
    authenticatedBy: {
      type: 'object',
      description: 'how this request was authenticated: an API token (kind "token") or a dashboard session (kind "session")',
      properties: {
        kind: { type: 'string', enum: ['token', 'session'] },
        tokenId: { type: ['string', 'null'], format: 'uuid' },
        tokenName: { type: ['string', 'null'] },
        sessionId: { type: ['string', 'null'], format: 'uuid' },
      },
    },
  },
} as const;

const tokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    createdAt: dateTime,
    lastUsedAt: optionalDateTime,
    expiresAt: optionalDateTime,
    current: { type: 'boolean', description: 'this request was authenticated with this token' },
  },
} as const;

const issuedTokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    token: { type: 'string', description: 'the token itself: shown this once, never again' },
    createdAt: dateTime,
    expiresAt: optionalDateTime,
  },
} as const;

const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    apiTokenId: { type: ['string', 'null'], format: 'uuid', description: 'the token it was opened with; null for an e-mail and password sign-in' },
    userAgent: { type: ['string', 'null'] },
    createdAt: dateTime,
    lastSeenAt: dateTime,
    expiresAt: dateTime,
    current: { type: 'boolean', description: 'this request was authenticated with this session' },
  },
} as const;

const newTokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: TOKEN_NAME_MAX_LENGTH, description: 'what the token is for, e.g. "laptop"' },
    expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_TOKEN_DAYS, description: 'the token stops working after this many days; omitted: never' },
  },
} as const;

const passwordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['newPassword'],
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH, description: 'needed when the account has a password' },
    newPassword: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
  },
} as const;

/** An AccountError from lib/accounts.ts is the client's mistake or a limit; it answers with its own status. */
async function accountCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AccountError) throw new HttpError(error.statusCode, error.message);
    throw error;
  }
}

export async function accountAccessRoutes(app: FastifyInstance, { db }: AccountAccessDeps) {
  const security = bearerSecurity;

  app.get('/api/me', { schema: { tags, security, summary: 'The signed-in user and how this request was authenticated', response: { 200: meSchema, ...errors } } }, async (request) => {
    const user = await db.user.findUniqueOrThrow({ where: { id: request.userId }, select: { id: true, email: true, name: true, createdAt: true } });
    return { ...user, authenticatedBy: await authenticatedBy(db, request) };
  });

  app.post<{ Body: { name: string; expiresInDays?: number } }>(
    '/api/tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Make a named personal API token; the answer holds the token this once (only its hash is kept)',
        body: newTokenBody,
        response: { 201: issuedTokenSchema, 400: errorSchema, ...errors, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const issued = await accountCall(() => createToken(db, request.userId, request.body));
      await recordAudit(db, { ...byUser(request), action: 'token.created', target: issued.id, details: { name: issued.name, expiresAt: issued.expiresAt?.toISOString() ?? null } });
      return reply.code(201).send(issued);
    },
  );

  app.get('/api/tokens', { schema: { tags, security, summary: 'The personal API tokens, newest first, without the tokens themselves', response: { 200: { type: 'array', items: tokenSchema }, ...errors } } }, async (request) =>
    (await listTokens(db, request.userId)).map((token) => ({ ...token, current: token.id === request.apiTokenId })),
  );

  app.delete<{ Params: { tokenId: string } }>(
    '/api/tokens/:tokenId',
    { schema: { tags, security, summary: 'Revoke a token: it and the dashboard sessions opened with it stop working', params: uuidParam('tokenId'), response: { 204: noContent('Revoked, with the sessions opened with it'), 400: errorSchema, ...errors, 404: errorSchema } } },
    async (request, reply) => {
      if (!(await revokeToken(db, request.userId, request.params.tokenId))) throw new HttpError(404, 'no such token');
      await recordAudit(db, { ...byUser(request), action: 'token.revoked', target: request.params.tokenId });
      return reply.code(204).send();
    },
  );

  app.put<{ Body: PasswordChange }>(
    '/api/account/password',
    {
      schema: {
        tags,
        security,
        summary: 'Set or change the password for e-mail and password sign-in; every other dashboard session ends',
        body: passwordBody,
        response: { 204: noContent('Changed; the other sessions are ended'), 400: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      const outcome = await changePassword(db, request.userId, request.body, request.sessionId);
      if (outcome === 'wrong') throw new HttpError(400, 'body/currentPassword is not the current password; nothing was changed');
      return reply.code(204).send();
    },
  );

  app.get('/api/sessions', { schema: { tags, security, summary: 'The open dashboard sessions, newest first', response: { 200: { type: 'array', items: sessionSchema }, ...errors } } }, async (request) =>
    (await listSessions(db, request.userId)).map((session) => ({ ...session, current: session.id === request.sessionId })),
  );

  app.delete<{ Params: { sessionId: string } }>(
    '/api/sessions/:sessionId',
    { schema: { tags, security, summary: 'End a dashboard session (ending the current one signs this browser out)', params: uuidParam('sessionId'), response: { 204: noContent('The session is ended'), 400: errorSchema, ...errors, 404: errorSchema } } },
    async (request, reply) => {
      if (!(await revokeSession(db, request.userId, request.params.sessionId))) throw new HttpError(404, 'no such session');
      await recordAudit(db, { ...byUser(request), action: 'session.revoked', target: request.params.sessionId });
      return reply.code(204).send();
    },
  );
}

async function authenticatedBy(db: Db, request: FastifyRequest) {
  if (!request.apiTokenId) return { kind: 'session' as const, tokenId: null, tokenName: null, sessionId: request.sessionId };
  const token = await db.apiToken.findFirst({ where: { id: request.apiTokenId, userId: request.userId }, select: { name: true } });
  return { kind: 'token' as const, tokenId: request.apiTokenId, tokenName: token?.name ?? null, sessionId: null };
}

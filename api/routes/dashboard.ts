// The dashboard: static files from api/dashboard/ under /app/ (no build step) and its session. Signing in checks
// the API token once and opens a server-side session (lib/dashboard-sessions.ts): the HttpOnly, SameSite=Strict
// cookie holds only the session's random id, so the page's script never holds a token, other sites' pages cannot
// send it, and signing out ends it for good; api/auth.ts accepts that cookie next to the bearer header.
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { authenticateToken } from '../../lib/accounts.js';
import { closeSession, openSession, SESSION_LIFETIME_MS, sessionOwner } from '../../lib/dashboard-sessions.js';
import { CSRF_HEADER, SESSION_COOKIE, sameSiteRequest } from '../auth.js';
import { PASSWORD_MAX_LENGTH } from '../../lib/passwords.js';
import { passwordSignIn } from '../../lib/signup.js';
import { errorSchema, HttpError, noContent } from '../schemas.js';

export interface DashboardDeps {
  db: Db;
  config: Config;
}

// Everything the page loads comes from us; the API answers JSON only. Frames and referrers leak nothing.
const securityHeaders = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** One answer for an unknown address, a wrong password and an unconfirmed address: it must not say which. */
const PASSWORD_REFUSED = 'wrong e-mail address or password, or the address is not confirmed yet';

/** Who signs in: the token's owner, or (sign-up on) the owner of the address and password. */
async function signInOwner(db: Db, config: Config, { token, email, password }: { token?: string; email?: string; password?: string }) {
  if (token !== undefined) {
    if (email !== undefined || password !== undefined) throw new HttpError(400, 'send either token, or email and password');
    return authenticateToken(db, token.trim());
  }
  if (email === undefined || password === undefined) throw new HttpError(400, 'send token, or email and password');
  if (!config.signupEnabled) throw new HttpError(404, 'e-mail and password sign-in is not enabled on this server; sign in with an API token');
  const userId = await passwordSignIn(db, email, password);
  return userId ? { userId, tokenId: null } : null;
}

const userSchema = { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } } } as const;

export async function dashboardRoutes(app: FastifyInstance, { db, config }: DashboardDeps) {
  const tags = ['dashboard'];
  // Secure cookies are dropped by browsers on plain http, so only set it where the public URL is https.
  const cookieOptions = { httpOnly: true, sameSite: 'strict', path: '/', secure: config.publicUrl.startsWith('https:') } as const;
  const userView = (userId: string) => db.user.findUnique({ where: { id: userId }, select: { name: true, email: true } });

  await app.register(fastifyStatic, {
    root: path.join(import.meta.dirname, '..', 'dashboard'),
    prefix: '/app/',
    decorateReply: false, // @fastify/swagger-ui registers its own copy
    setHeaders: (res) => {
      for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
      res.setHeader('cache-control', 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));

  /** Login CSRF too: another site must not sign the browser in to someone else's account. */
  const requireHeader = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!sameSiteRequest(request)) return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `send the "${CSRF_HEADER}: 1" header` });
  };

  app.post<{ Body: { token?: string; email?: string; password?: string } }>(
    '/app/session',
    {
      onRequest: requireHeader,
      schema: {
        tags,
        summary: 'Sign in to the dashboard with an API token, or e-mail and password where sign-up is on; opens a session (its id in an HttpOnly cookie)',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            token: { type: 'string', minLength: 1, maxLength: 200 },
            email: { type: 'string', minLength: 1, maxLength: 254 },
            password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
          },
        },
        response: { 200: userSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const owner = await signInOwner(db, config, request.body);
      if (!owner) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: request.body.token ? 'unknown, expired or revoked API token' : PASSWORD_REFUSED });
      const session = await openSession(db, { userId: owner.userId, apiTokenId: owner.tokenId, userAgent: request.headers['user-agent'] });
      return reply.setCookie(SESSION_COOKIE, session.secret, { ...cookieOptions, maxAge: SESSION_LIFETIME_MS / 1000 }).send(await userView(owner.userId));
    },
  );

  app.get('/app/session', { schema: { tags, summary: 'Who is signed in to the dashboard', response: { 200: userSchema, 401: errorSchema } } }, async (request, reply) => {
    const secret = request.cookies[SESSION_COOKIE];
    const owner = secret ? await sessionOwner(db, secret) : null;
    const user = owner ? await userView(owner.userId) : null;
    if (!user) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'not signed in' });
    return user;
  });

  app.delete(
    '/app/session',
    { onRequest: requireHeader, schema: { tags, summary: 'Sign out of the dashboard: ends the session', response: { 204: noContent('Signed out: the session is deleted, the cookie cleared'), 403: errorSchema } } },
    async (request, reply) => {
      const secret = request.cookies[SESSION_COOKIE];
      if (secret) await closeSession(db, secret);
      return reply.clearCookie(SESSION_COOKIE, cookieOptions).code(204).send();
    },
  );
}

// Rate limits on the gateway (@fastify/rate-limit, counted in this process), per minute: each API token or session
// has its budget (keyed by the secret's hash, never the secret), requests without one (the ICS feed, whose token is
// in the URL, platforms' webhooks, the dashboard's pages) share their address's budget, sign-ins and uploads have smaller ones of their
// own. Failed authentications are counted per address: once an address has used up its allowance, every request
// from it is refused until the minute is over, which makes guessing tokens hopeless. Past a limit: 429 with
// Retry-After (seconds). CASTSYNC_RATE_LIMIT=off turns all of it off (benchmarks).
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RateLimits } from '../lib/config.js';
import { hashApiToken } from '../lib/secrets.js';
import { SESSION_COOKIE } from './auth.js';
import { FILMMAKERS_WEBHOOK_ROUTE } from '../lib/platform-offer.js';
import { HttpError } from './schemas.js';

const WINDOW_MS = 60_000;
/** Keys (tokens and addresses) remembered at once; the least recently seen are forgotten first. */
const KEYS_KEPT = 10_000;

type Bucket = 'sign-in' | 'upload' | 'token' | 'address';

/** The presented secret (bearer token or session cookie), unchecked: the limit holds whether it is valid or not. */
function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const cookie = request.headers.cookie;
  if (!cookie) return undefined;
  const match = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(cookie);
  return match?.[1];
}

/** Routes that check a password or send mail to an address the caller names: the sign-in budget. */
const SIGN_IN_ROUTES = new Set(['POST /app/session', 'POST /app/signup', 'POST /app/password-reset', 'POST /app/password-reset/confirm']);

function bucketKey(request: FastifyRequest): string {
  const route = `${request.method} ${request.routeOptions.url ?? ''}`;
  const secret = presentedSecret(request);
  const bucket: Bucket = SIGN_IN_ROUTES.has(route) ? 'sign-in' : !secret ? 'address' : route === 'POST /api/media' ? 'upload' : 'token';
  const who = secret && bucket !== 'sign-in' ? hashApiToken(secret) : request.ip;
  return `${bucket}:${who}`;
}

function maxFor(limits: RateLimits, key: string): number {
  const bucket = key.slice(0, key.indexOf(':')) as Bucket;
  return { 'sign-in': limits.signIn, upload: limits.uploads, token: limits.perToken, address: limits.perAddress }[bucket];
}

/** URLs whose secret is in the path or query: a 404 there is a wrong secret (a feed token, a webhook's reference). */
const SECRET_URLS = new Set(['/api/availability.ics', FILMMAKERS_WEBHOOK_ROUTE]);

/**
 * A request that presented a credential the gateway did not take: a bearer token or session, a webhook signature
 * (401), a feed token or webhook reference (404).
 */
const failedAuthentication = (request: FastifyRequest, reply: FastifyReply) =>
  reply.statusCode === 401 || (reply.statusCode === 404 && SECRET_URLS.has(request.routeOptions.url ?? ''));

const tooMany = (max: number, seconds: number) => new HttpError(429, `too many requests: at most ${max} a minute; try again in ${seconds} s`);

/** Registers the limits; call before the routes (the plugin attaches itself to routes as they are added). */
export async function rateLimits(app: FastifyInstance, limits: RateLimits | null) {
  if (!limits) return;
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: WINDOW_MS,
    cache: KEYS_KEPT,
    keyGenerator: bucketKey,
    max: (_request, key) => maxFor(limits, key),
    allowList: (request) => request.routeOptions.url === '/health', // probes of the load balancer
    errorResponseBuilder: (_request, context) => tooMany(context.max, Math.ceil(context.ttl / 1000)),
  });
  app.addHook('onRequest', refuseAfterFailedAuthentications(app, limits));
}

function refuseAfterFailedAuthentications(app: FastifyInstance, limits: RateLimits) {
  const failures = app.createRateLimit({ max: limits.authFailures, timeWindow: WINDOW_MS, keyGenerator: (request) => `auth-failures:${request.ip}` });
  app.addHook('onResponse', async (request, reply) => {
    if (failedAuthentication(request, reply)) await failures(request);
  });
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const state = await failures(request, { increment: false });
    if (state.isAllowed || state.remaining > 0) return;
    reply.header('retry-after', state.ttlInSeconds);
    throw new HttpError(429, `too many failed authentications from this address (at most ${limits.authFailures} a minute); try again in ${state.ttlInSeconds} s`);
  };
}

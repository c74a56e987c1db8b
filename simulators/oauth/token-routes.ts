// The token endpoint (RFC 6749 sections 3.2, 4.1.3, 6) and the revocation endpoint (RFC 7009). Both take
// application/x-www-form-urlencoded bodies and authenticate the client with HTTP Basic or client_secret_post
// (one method per request). Errors are RFC 6749 section 5.2 JSON: 400, or 401 for invalid_client.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthFailure, type TokenSet } from './authority.js';
import type { OAuthClientRegistration, OAuthPlatformSimulator } from './server.js';

type Form = Record<string, string | undefined>;

export function tokenRoutes(sim: OAuthPlatformSimulator): FastifyPluginAsync {
  return async (app) => {
    app.post('/oauth/token', { onRequest: async (request, reply) => sim.injectFaults(reply, 'token') }, async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return answerOrFail(sim, reply, () => {
        const form = readForm(request);
        const client = authenticateClient(sim, request, form);
        const { tokens, accountId } = grant(sim, client, form);
        sim.noteAccount(request, accountId);
        return tokens;
      });
    });

    app.post('/oauth/revoke', async (request, reply) =>
      answerOrFail(sim, reply, () => {
        const form = readForm(request);
        const client = authenticateClient(sim, request, form);
        if (!form.token) throw new OAuthFailure('invalid_request', 'token is required');
        sim.authority.revokeToken(client.clientId, form.token);
        return {};
      }),
    );
  };
}

function answerOrFail(sim: OAuthPlatformSimulator, reply: FastifyReply, work: () => unknown) {
  try {
    return reply.send(work());
  } catch (error) {
    if (!(error instanceof OAuthFailure)) throw error;
    if (error.status === 401) reply.header('www-authenticate', `Basic realm="${sim.displayName}"`);
    return reply.code(error.status).send({ error: error.error, error_description: error.description });
  }
}

function grant(sim: OAuthPlatformSimulator, client: OAuthClientRegistration, form: Form): { tokens: TokenSet; accountId: string } {
  switch (form.grant_type) {
    case 'authorization_code': {
      const { code, redirect_uri: redirectUri, code_verifier: verifier } = form;
      if (!code || !redirectUri || !verifier) throw new OAuthFailure('invalid_request', 'code, redirect_uri and code_verifier are required');
      return sim.authority.redeemCode(client.clientId, code, redirectUri, verifier);
    }
    case 'refresh_token': {
      if (!form.refresh_token) throw new OAuthFailure('invalid_request', 'refresh_token is required');
      const refreshed = sim.authority.refresh(client.clientId, form.refresh_token);
      sim.countRefresh(refreshed.accountId);
      return refreshed;
    }
    case undefined:
      throw new OAuthFailure('invalid_request', 'grant_type is required');
    default:
      throw new OAuthFailure('unsupported_grant_type', `grant_type ${form.grant_type} is not supported`);
  }
}

function readForm(request: FastifyRequest): Form {
  if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
    throw new OAuthFailure('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const form: Form = {};
  for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new OAuthFailure('invalid_request', `${name} is given more than once`);
    form[name] = value;
  }
  return form;
}

function authenticateClient(sim: OAuthPlatformSimulator, request: FastifyRequest, form: Form): OAuthClientRegistration {
  const basic = parseBasic(request.headers.authorization);
  if (basic && form.client_secret !== undefined) throw new OAuthFailure('invalid_request', 'use only one client authentication method');
  if (basic && form.client_id !== undefined && form.client_id !== basic.id) throw new OAuthFailure('invalid_request', 'client_id differs from the Authorization header');
  const id = basic?.id ?? form.client_id;
  const secret = basic?.secret ?? form.client_secret;
  const client = id === undefined ? undefined : sim.clients.get(id);
  if (!client || secret === undefined || !sameSecret(secret, client.clientSecret)) {
    throw new OAuthFailure('invalid_client', 'client authentication failed', 401);
  }
  return client;
}

/** RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function parseBasic(header: string | undefined): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const unform = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// What stands in front of every route of the simulated platform's API (calendar and media), in the order a real
// API gateway applies it: injected faults, the RFC 6750 bearer check, then the account's request quota. Routes
// that need a scope add requireScope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthPlatformSimulator } from './server.js';

export function guardApi(sim: OAuthPlatformSimulator, api: FastifyInstance): void {
  api.addHook('onRequest', async (request, reply) => sim.injectFaults(reply, 'api'));
  api.addHook('onRequest', async (request, reply) => authenticateBearer(sim, request, reply));
  api.addHook('onRequest', async (request, reply) => sim.enforceQuota(sim.accountOf(request)!, reply));
}

/** RFC 6750 section 3: a missing token gets a bare challenge, a bad one `error="invalid_token"`. */
async function authenticateBearer(sim: OAuthPlatformSimulator, request: FastifyRequest, reply: FastifyReply) {
  const realm = `realm="${sim.displayName}"`;
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) {
    return reply.code(401).header('www-authenticate', `Bearer ${realm}`).send({ error: 'unauthorized', message: 'a bearer access token is required' });
  }
  const check = sim.authority.checkAccessToken(header.slice(7));
  if (check.accountId) sim.noteAccount(request, check.accountId);
  if (!check.ok) {
    return reply
      .code(401)
      .header('www-authenticate', `Bearer ${realm}, error="invalid_token", error_description="${check.reason}"`)
      .send({ error: 'invalid_token', message: check.reason });
  }
  sim.grantedScope.set(request, check.scope);
}

/** 403 insufficient_scope unless the token was granted one of `scopes` (the first is the one named in the answer). */
export function requireScope(sim: OAuthPlatformSimulator, ...scopes: string[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const granted = sim.grantedScope.get(request) ?? [];
    if (scopes.some((scope) => granted.includes(scope))) return;
    return reply
      .code(403)
      .header('www-authenticate', `Bearer realm="${sim.displayName}", error="insufficient_scope", scope="${scopes[0]}"`)
      .send({ error: 'insufficient_scope', message: `this call needs the scope ${scopes[0]}` });
  };
}

// The authorization endpoint (RFC 6749 section 4.1.1, PKCE per RFC 7636): GET shows the consent page, whose form
// POSTs the account login and the user's decision back here; approval redirects to the client with a code.
// An unknown client or an unregistered redirect_uri is never redirected to (the page says what is wrong), as
// section 4.1.2.1 requires; every other problem goes back to the client as `error=...`.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { OAuthClientRegistration, OAuthPlatformSimulator } from './server.js';

export interface AuthorizationParams {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scope: string[];
}

type CheckedRequest =
  | { outcome: 'ok'; params: AuthorizationParams; client: OAuthClientRegistration }
  | { outcome: 'refuse'; message: string }
  | { outcome: 'redirect-error'; redirectUri: string; state?: string; error: string; description: string };

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function authorizeRoutes(sim: OAuthPlatformSimulator): FastifyPluginAsync {
  return async (app) => {
    app.get('/oauth/authorize', async (request, reply) => {
      const checked = checkAuthorizationRequest(sim, request.query as Record<string, unknown>);
      if (checked.outcome !== 'ok') return answerBadRequest(reply, checked);
      // For tests and the demo: the account named by autoApprove says yes at once.
      if (sim.autoApprove) return approve(sim, reply, checked.params, sim.autoApprove);
      return reply.type('text/html').send(consentPage(sim, checked));
    });

    app.post('/oauth/authorize', async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const checked = checkAuthorizationRequest(sim, form);
      if (checked.outcome !== 'ok') return answerBadRequest(reply, checked);
      const { redirectUri, state } = checked.params;
      if (form.decision !== 'approve') {
        return redirectWith(reply, redirectUri, { error: 'access_denied', error_description: 'the user declined', state });
      }
      const account = sim.findAccountByLogin(String(form.username ?? ''), String(form.password ?? ''));
      if (!account) return reply.code(401).type('text/html').send(consentPage(sim, checked, 'Wrong user name or password.'));
      return approve(sim, reply, checked.params, account.accountId);
    });
  };
}

function approve(sim: OAuthPlatformSimulator, reply: FastifyReply, params: AuthorizationParams, accountId: string) {
  if (!sim.accounts.has(accountId)) return reply.code(500).type('text/plain').send(`no account ${accountId} to approve with`);
  const code = sim.authority.issueCode({ ...params, accountId });
  return redirectWith(reply, params.redirectUri, { code, state: params.state });
}

function answerBadRequest(reply: FastifyReply, checked: Exclude<CheckedRequest, { outcome: 'ok' }>) {
  if (checked.outcome === 'refuse') return reply.code(400).type('text/html').send(errorPage(checked.message));
  return redirectWith(reply, checked.redirectUri, { error: checked.error, error_description: checked.description, state: checked.state });
}

function redirectWith(reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>) {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) target.searchParams.set(name, value);
  return reply.code(302).header('location', target.toString()).header('cache-control', 'no-store').send();
}

/** A parameter given once; repeated parameters are invalid (RFC 6749 section 3.1), so they read as missing. */
function single(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function checkAuthorizationRequest(sim: OAuthPlatformSimulator, source: Record<string, unknown>): CheckedRequest {
  const client = sim.clients.get(single(source, 'client_id') ?? '');
  if (!client) return { outcome: 'refuse', message: 'Unknown client_id.' };
  const redirectUri = single(source, 'redirect_uri');
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return { outcome: 'refuse', message: 'The redirect_uri is not registered for this application.' };
  }
  const state = single(source, 'state');
  const fail = (error: string, description: string): CheckedRequest => ({ outcome: 'redirect-error', redirectUri, state, error, description });
  if (single(source, 'response_type') !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
  // The platform insists on CSRF protection by the client: no state, no authorization.
  if (!state) return fail('invalid_request', 'state is required');
  if (single(source, 'code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
  const codeChallenge = single(source, 'code_challenge');
  if (!codeChallenge || !CHALLENGE.test(codeChallenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
  const scope = (single(source, 'scope') ?? sim.defaultScope).split(' ').filter(Boolean);
  const unknownScope = scope.find((s) => !sim.scopes.includes(s));
  if (!scope.length || unknownScope) return fail('invalid_scope', `unknown scope ${unknownScope ?? '(none)'}`);
  return { outcome: 'ok', client, params: { clientId: client.clientId, redirectUri, state, codeChallenge, scope } };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function consentPage(sim: OAuthPlatformSimulator, checked: Extract<CheckedRequest, { outcome: 'ok' }>, problem?: string): string {
  const { params, client } = checked;
  const hidden = {
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    response_type: 'code',
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
    scope: params.scope.join(' '),
  };
  const hiddenInputs = Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  const scopes = params.scope.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(sim.displayName)}: authorize ${escapeHtml(client.name)}</title></head>
<body>
  <h1>Allow ${escapeHtml(client.name)} to use your ${escapeHtml(sim.displayName)} account?</h1>
  <p>It asks for:</p><ul id="scopes">${scopes}</ul>
  ${problem ? `<p id="error" role="alert">${escapeHtml(problem)}</p>` : ''}
  <form method="post" action="/oauth/authorize">
      ${hiddenInputs}
      <label>User name <input name="username" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit" name="decision" value="approve">Allow</button>
      <button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
  </form>
</body></html>`;
}

function errorPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization error</title></head>
<body><h1>This authorization request cannot be processed</h1><p id="error">${escapeHtml(message)}</p></body></html>`;
}

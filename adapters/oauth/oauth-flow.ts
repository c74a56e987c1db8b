// Connecting an OAuth platform (RFC 6749 authorization-code flow with PKCE, RFC 7636): the gateway's connect
// route sends the user to `createAuthorizationRequest(...).url` and keeps `state` and `codeVerifier` (secret) for
// the callback; the callback checks that the returned state is one it issued, then calls
// `exchangeAuthorizationCode` and stores the AuthData sealed.
import { createHash, randomBytes } from 'node:crypto';
import type { PlatformEntry } from '../catalog.js';
import type { AuthData } from '../types.js';
import { oauthSettings, requestTokens, revokeToken, type OAuthClientCredentials } from './token-client.js';

export interface AuthorizationRequest {
  /** Where to send the user's browser. */
  url: string;
  /** Random; the platform hands it back on the redirect, and the callback must find it among those it issued. */
  state: string;
  /** The PKCE secret: kept server-side (sealed) until the code is exchanged; never sent to the browser. */
  codeVerifier: string;
}

export interface FlowTarget {
  platform: PlatformEntry;
  baseUrl: string;
  client: OAuthClientCredentials;
}

/** 32 random bytes give a 43-character verifier, the shortest RFC 7636 allows and plenty of entropy. */
const randomToken = () => randomBytes(32).toString('base64url');

export const pkceChallenge = (codeVerifier: string) => createHash('sha256').update(codeVerifier).digest('base64url');

export async function createAuthorizationRequest({
  platform,
  baseUrl,
  client,
  redirectUri,
}: FlowTarget & { redirectUri: string }): Promise<AuthorizationRequest> {
  const settings = oauthSettings(platform);
  const state = randomToken();
  const codeVerifier = randomToken();
  const url = new URL(settings.authorizePath, baseUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    scope: settings.scope,
    state,
    code_challenge: pkceChallenge(codeVerifier),
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), state, codeVerifier };
}

/**
 * Trades the code from the redirect for tokens. Throws OAuthTokenError (not retryable) when the platform refuses
 * the code (expired, already used, wrong verifier or redirect URI), and a retryable PlatformError on outages.
 */
export function exchangeAuthorizationCode({
  platform,
  baseUrl,
  client,
  code,
  codeVerifier,
  redirectUri,
}: FlowTarget & { code: string; codeVerifier: string; redirectUri: string }): Promise<AuthData> {
  return requestTokens(
    { platform, baseUrl, client },
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier },
  );
}

/** For disconnecting: revoking the refresh token ends the whole grant on the platform (RFC 7009). */
export async function revokeAuthorization({ platform, baseUrl, client, credentials }: FlowTarget & { credentials: AuthData }): Promise<void> {
  if (credentials.refreshToken) await revokeToken({ platform, baseUrl, client }, credentials.refreshToken, 'refresh_token');
}

// The OAuth authorization-code flow as the gateway uses it: start (authorization URL with state and PKCE) and
// finish (exchange the code for tokens), with each platform's base URL and our client registration.
import { oauthClientFor, platformBaseUrl } from '../adapters/adapter-context.js';
import type { PlatformEntry } from '../adapters/catalog.js';
import { createAuthorizationRequest, exchangeAuthorizationCode, revokeAuthorization } from '../adapters/oauth/oauth-flow.js';
import type { AuthData } from '../adapters/types.js';
import type { Config } from '../lib/config.js';

export interface OAuthFlow {
  start(platform: PlatformEntry, redirectUri: string): Promise<{ url: string; state: string; codeVerifier: string; redirectUri: string }>;
  finish(platform: PlatformEntry, grant: { code: string; codeVerifier: string; redirectUri: string }): Promise<AuthData>;
  /** Tells the platform to forget the grant (RFC 7009), when the user disconnects. */
  revoke(platform: PlatformEntry, credentials: AuthData): Promise<void>;
}

export function oauthFlow(config: Config): OAuthFlow {
  return {
    async start(platform, redirectUri) {
      const request = await createAuthorizationRequest({
        platform,
        baseUrl: platformBaseUrl(config, platform.id),
        client: oauthClientFor(config, platform.id),
        redirectUri,
      });
      return { ...request, redirectUri };
    },
    async finish(platform, grant) {
      return exchangeAuthorizationCode({
        platform,
        baseUrl: platformBaseUrl(config, platform.id),
        client: oauthClientFor(config, platform.id),
        ...grant,
      });
    },
    // async: a platform without a configured address rejects (the caller's catch sees it) instead of throwing.
    async revoke(platform, credentials) {
      return revokeAuthorization({ platform, baseUrl: platformBaseUrl(config, platform.id), client: oauthClientFor(config, platform.id), credentials });
    },
  };
}

// Tokens for a new account on a simulated OAuth platform, obtained through the real authorization-code flow (the
// account says yes at once), for tests that need a connected OAuth platform but do not test the flow itself.
import { createAuthorizationRequest, exchangeAuthorizationCode } from '../../adapters/oauth/oauth-flow.js';
import type { PlatformEntry } from '../../adapters/catalog.js';
import type { AuthData } from '../../adapters/types.js';
import { SIMULATOR_OAUTH_CLIENT } from '../../simulators/oauth/server.js';
import type { OAuthPlatformSimulator } from '../../simulators/oauth/server.js';

export async function grantTokens(sim: OAuthPlatformSimulator, platform: PlatformEntry): Promise<{ accountId: string; tokens: AuthData }> {
  const account = sim.addAccount();
  sim.autoApprove = account.accountId;
  const redirectUri = `http://localhost:3000/api/platforms/${platform.id}/callback`;
  const started = await createAuthorizationRequest({ platform, baseUrl: sim.url, client: SIMULATOR_OAUTH_CLIENT, redirectUri });
  const location = new URL((await fetch(started.url, { redirect: 'manual' })).headers.get('location')!);
  const tokens = await exchangeAuthorizationCode({
    platform,
    baseUrl: sim.url,
    client: SIMULATOR_OAUTH_CLIENT,
    code: location.searchParams.get('code')!,
    codeVerifier: started.codeVerifier,
    redirectUri,
  });
  return { accountId: account.accountId, tokens };
}

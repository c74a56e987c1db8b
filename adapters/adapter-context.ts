// Builds an adapter for one connection from configuration: the one place that decides a platform's base URL,
// OAuth client, artifacts folder and so on, for activities and for the connect route alike.
import { ConfigError, type Config } from '../lib/config.js';
import { platformVariable } from '../lib/production-settings.js';
import { getPlatform } from './catalog.js';
import { createAdapter } from './registry.js';
import type { AdapterContext, AuthData, CredentialStore, PlatformAdapter } from './types.js';

export interface AdapterFor {
  platformId: string;
  credentials: AuthData;
  credentialStore: CredentialStore;
  accountRef?: string | null;
  userName?: string;
  onProgress?: (detail: string) => void;
  quotas?: AdapterContext['quotas'];
}

/** A platform's address comes only from configuration: the catalog has none, so nothing falls back to a simulator. */
export class PlatformNotConfiguredError extends ConfigError {}

export function platformBaseUrl(config: Config, platformId: string): string {
  const url = config.platformUrls[platformId];
  if (url) return url;
  const variable = platformVariable('PLATFORM_URL', platformId);
  throw new PlatformNotConfiguredError(`${getPlatform(platformId).name} has no base URL on this server: set ${variable}`);
}

/** Our client registration at an OAuth platform: only from configuration, like the base URL. */
export function oauthClientFor(config: Config, platformId: string) {
  const client = config.oauthClients[platformId];
  if (client) return client;
  throw new PlatformNotConfiguredError(`${getPlatform(platformId).name} has no OAuth client on this server: set ${platformVariable('OAUTH_CLIENT', platformId)}`);
}

export function adapterFor(config: Config, connection: AdapterFor): PlatformAdapter {
  return createAdapter({
    platform: getPlatform(connection.platformId),
    baseUrl: platformBaseUrl(config, connection.platformId),
    credentials: connection.credentials,
    credentialStore: connection.credentialStore,
    accountRef: connection.accountRef ?? null,
    userName: connection.userName,
    artifactsDir: config.artifactsDir,
    chromiumPath: config.chromiumPath,
    ...(getPlatform(connection.platformId).kind === 'oauth' ? { oauthClient: oauthClientFor(config, connection.platformId) } : {}),
    onProgress: connection.onProgress,
    quotas: connection.quotas,
  });
}

/** A credential store that keeps changes in memory: for checking credentials before a connection is saved. */
export function memoryCredentialStore(initial: AuthData): CredentialStore & { current(): AuthData } {
  let current = initial;
  return {
    current: () => current,
    async update(fn) {
      const next = await fn(current);
      if (next) current = next;
      return current;
    },
  };
}

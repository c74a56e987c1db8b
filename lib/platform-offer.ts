// What this server offers to connect, and how a connection is shown: the catalog's platforms named in
// CASTSYNC_PLATFORMS, whether each can be connected now, what connect takes by platform kind (with the optional
// read-only partner API token of a platform that has one, Filmmakers, and the actor's profile id beside it), and
// the user's connection as GET /api/platforms and GET /api/sync/status show it (never its credentials). The
// connections service (lib/connections.ts) applies these rules when connecting.
import { platformCatalog, type PlatformEntry } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import type { AuthData } from '../adapters/types.js';
import { openCredentials } from '../activities/credential-store.js';
import type { PlatformConnection } from '../generated/prisma/client.js';
import { CHROMIUM_MISSING_REASON, chromiumStatus, needsChromium } from './chromium.js';
import type { Config } from './config.js';

export interface ConnectBody {
  apiKey?: string;
  /** Optional for browser platforms with a read-only partner API (Filmmakers): profile and media reads use it. */
  partnerApiToken?: string;
  /** With partnerApiToken: the actor's profile id, needed when the token (an agency's) reads several profiles. */
  partnerApiProfileId?: string;
  email?: string;
  password?: string;
  agencyEmail?: string;
}

const credentialFieldsByKind: Record<PlatformEntry['kind'], (keyof ConnectBody)[]> = {
  rest: ['apiKey'],
  browser: ['email', 'password'],
  email: ['agencyEmail'],
  oauth: [],
};

/** docs/actor-profiles.md of Filmmakers' API: a profile's `id` is a number; taken as its digits. */
const PROFILE_ID = /^[1-9]\d{0,11}$/;

/** Why a body does not fit the platform (fields it does not take, fields it needs, a bad profile id), or null. */
export function credentialFieldsRefusal(platform: PlatformEntry, body: ConnectBody): string | null {
  const needed = credentialFieldsByKind[platform.kind];
  const optional: (keyof ConnectBody)[] = platform.browser?.partnerApiPath ? ['partnerApiToken', 'partnerApiProfileId'] : [];
  const given = Object.keys(body) as (keyof ConnectBody)[];
  const foreign = given.filter((field) => !needed.includes(field) && !optional.includes(field));
  if (foreign.length) return `${platform.name} does not take ${foreign.join(', ')}${needed.length ? `; it needs ${needed.join(' and ')}` : ''}`;
  const missing = needed.filter((field) => !body[field]);
  if (missing.length) return `${platform.name} needs ${missing.join(' and ')}`;
  if (body.partnerApiProfileId !== undefined) {
    if (!body.partnerApiToken) return 'partnerApiProfileId goes with partnerApiToken: give the token too, or leave the profile id out';
    if (!PROFILE_ID.test(body.partnerApiProfileId.trim())) {
      return `partnerApiProfileId must be the number of the actor's profile in ${platform.name}'s partner API (digits only, such as 162)`;
    }
  }
  return null;
}

/** The connection's credentials from a body that fits the platform. */
export function credentialsOf(platform: PlatformEntry, body: ConnectBody): AuthData {
  if (platform.kind === 'rest') return { apiKey: body.apiKey };
  if (platform.kind !== 'browser') return {};
  const profileId = body.partnerApiProfileId?.trim();
  return { email: body.email, password: body.password, partnerApiToken: body.partnerApiToken, ...(profileId ? { partnerApiProfileId: profileId } : {}) };
}

/**
 * Why this server cannot connect a platform now, or null. A browser platform's login runs on a worker, which
 * needs Chromium; the API reads the same setting as the workers of its deployment and refuses before a check
 * that no worker could run (a stat, never a launch, on every request: Chromium installed meanwhile counts at once).
 */
export function unavailableReason(config: Config, platform: PlatformEntry): string | null {
  if (!hasAdapter(platform.kind)) return `castsync cannot connect ${platform.name} yet`;
  if (needsChromium(platform) && !chromiumStatus(config).available) return CHROMIUM_MISSING_REASON;
  return null;
}

/** The platforms this server offers (CASTSYNC_PLATFORMS), each with the user's connection to it (from `connections`). */
export function offeredPlatforms(config: Config, connections: PlatformConnection[]) {
  const offered = Object.values(platformCatalog as Record<string, PlatformEntry>).filter((p) => config.enabledPlatforms.includes(p.id));
  return offered.map((platform) => {
    const reason = unavailableReason(config, platform);
    return {
      id: platform.id,
      name: platform.name,
      kind: platform.kind,
      available: reason === null,
      unavailableReason: reason,
      capabilities: platform.capabilities,
      connects: platform.kind === 'oauth' ? 'OAuth redirect' : credentialFieldsByKind[platform.kind].join('+'),
      partnerApi: Boolean(platform.browser?.partnerApiPath),
      connection: presentConnection(connections.find((c) => c.platformId === platform.id), config),
    };
  });
}

export type ConnectionView = ReturnType<typeof presentConnection>;

export function presentConnection(connection: PlatformConnection | undefined, config: Config) {
  if (!connection) return null;
  return {
    connected: connection.connected,
    status: connection.status,
    statusMessage: connection.statusMessage,
    autoSync: connection.autoSync,
    syncAvailability: connection.syncAvailability,
    syncMedia: connection.syncMedia,
    syncProfile: connection.syncProfile,
    pullIntervalMinutes: connection.pullIntervalMinutes,
    accountRef: connection.accountRef,
    lastSyncedAt: connection.lastSyncedAt?.toISOString() ?? null,
    // Webhooks are signed with the partner API token: without one castsync could not verify them.
    webhookUrl: connection.platformId === 'filmmakers' && openCredentials(config, connection.userId, connection.platformId, connection).partnerApiToken ? filmmakersWebhookUrl(config, connection.connectionRef) : null,
  };
}

export const FILMMAKERS_WEBHOOK_ROUTE = '/api/webhooks/filmmakers/:connectionRef';

/** The URL the user registers with Filmmakers for this connection. */
const filmmakersWebhookUrl = (config: Pick<Config, 'publicUrl'>, connectionRef: string) =>
  `${config.publicUrl}${FILMMAKERS_WEBHOOK_ROUTE.replace(':connectionRef', connectionRef)}`;

// The user's platform connections: connect (API key, login, agency address, or the start of an OAuth flow), the
// end of an OAuth flow, sync settings, and disconnect. Credentials are checked by a worker on the platform's task
// queue before anything is stored (lib/connection-checks.ts), stored sealed, and never returned. Each change is
// one transaction with its audit record and the outbox messages it sends (the first pushes, the pull schedule,
// `sync_targets`). The routes (api/routes/platforms.ts) validate, call one function here and answer; refusals are
// ConnectionErrors, which carry the HTTP status the gateway answers with.
import type { Client } from '@temporalio/client';
import { platformBaseUrl, PlatformNotConfiguredError } from '../adapters/adapter-context.js';
import { getPlatform, isPlatformId, type PlatformEntry } from '../adapters/catalog.js';
import { PlatformError } from '../adapters/errors.js';
import { hasAdapter } from '../adapters/registry.js';
import type { AuthData } from '../adapters/types.js';
import { sealCredentials } from '../activities/credential-store.js';
import type { OAuthFlow } from '../api/oauth.js';
import type { PlatformConnection } from '../generated/prisma/client.js';
import { recordAudit } from './audit.js';
import { CHROMIUM_MISSING_REASON, chromiumStatus, needsChromium } from './chromium.js';
import type { Config } from './config.js';
import { checkConnection } from './connection-checks.js';
import type { Db } from './db.js';
import { fullComparisonMessages } from './full-comparison.js';
import type { Tx } from './options.js';
import type { OutboxMessageInput } from './outbox.js';
import type { SyncOutbox } from './outbox-relay.js';
import { disconnectPlatform, type DisconnectActor } from './platform-disconnect.js';
import { credentialFieldsRefusal, credentialsOf, offeredPlatforms, presentConnection, type ConnectBody, type ConnectionView } from './platform-offer.js';
import { openJson, sealJson } from './secrets.js';

/** A refusal: the client's mistake, or the platform or castsync's workers not answering, with the status the gateway answers. */
export class ConnectionError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409 | 502 | 503,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectionsDeps {
  db: Db;
  config: Config;
  oauth: OAuthFlow;
  /** Connecting sends the first pushes and the pull schedule; settings and disconnecting send the schedule. */
  outbox: SyncOutbox;
  /** Connect-time credential checks run as workflows (lib/connection-checks.ts). */
  temporal: Client;
}

/** Who asked (the signed-in user, the request for the audit trail, a log for what does not stop the change). */
export type ConnectionActor = DisconnectActor;

export type ConnectionSettings = Partial<Pick<PlatformConnection, 'autoSync' | 'syncAvailability' | 'syncMedia' | 'syncProfile' | 'pullIntervalMinutes'>>;

/** What the platform sent the browser back with (the OAuth redirect's query). */
export interface OAuthCallback {
  code?: string;
  state?: string;
  error?: string;
}

/** Connected at once, or (OAuth) the address to send the user to, whose callback completes the connection. */
export type ConnectOutcome = { authorizationUrl: string } | { platformId: string; connection: NonNullable<ConnectionView> };

const OAUTH_REQUEST_TTL_MS = 10 * 60 * 1000;

/** Settings that decide whether a connection is among the platforms a sync round pushes to (activities/sync-targets.ts). */
const TARGET_SETTINGS = ['autoSync', 'syncAvailability', 'syncMedia', 'syncProfile'] as const;

/** Settings that decide whether, and how often, a connection is pulled. */
const PULL_SETTINGS = ['pullIntervalMinutes', 'syncAvailability', 'autoSync'] as const;

export function createConnections({ db, config, oauth, outbox, temporal }: ConnectionsDeps) {
  return {
    /** The platforms this server offers, each with the user's connection to it. */
    async list(userId: string) {
      return offeredPlatforms(config, await db.platformConnection.findMany({ where: { userId } }));
    },

    /**
     * Connects with the credentials in `body` once a worker has tried them; an OAuth platform instead gets an
     * authorization request, completed by `completeOAuth`. Refused before anything is checked or stored when the
     * platform cannot be connected here now: an existing connection keeps its data and settings.
     */
    async connect(actor: ConnectionActor, platformId: string, body: ConnectBody): Promise<ConnectOutcome> {
      const platform = connectablePlatform(config, platformId);
      if (!hasAdapter(platform.kind)) throw new ConnectionError(409, `${platform.name} cannot be connected yet`);
      if (needsChromium(platform) && !chromiumStatus(config).available) throw new ConnectionError(503, `${platform.name} cannot be connected now. ${CHROMIUM_MISSING_REASON}`);
      const refusal = credentialFieldsRefusal(platform, body);
      if (refusal) throw new ConnectionError(400, refusal);

      if (platform.kind === 'oauth') return { authorizationUrl: await startOAuth(actor.userId, platform) };

      const accountRef = platform.kind === 'email' ? body.agencyEmail! : null;
      const credentials = await checkedCredentials(actor.userId, platform, credentialsOf(platform, body), accountRef);
      const connection = await saveConnected(actor, platform, credentials, accountRef);
      return { platformId: platform.id, connection: presentConnection(connection, config)! };
    },

    /** The OAuth redirect target's work: `state` names the request (and so the user), good for one callback. */
    async completeOAuth(requestId: string, platformId: string, { code, state, error }: OAuthCallback): Promise<{ platformId: string; connected: true }> {
      if (!state) throw new ConnectionError(400, 'the platform sent no state; start connecting again');
      // Consume the request first: a state is good for exactly one callback.
      const pending = await db.oAuthAuthorizationRequest.findUnique({ where: { state } });
      if (pending) await db.oAuthAuthorizationRequest.delete({ where: { state } });
      if (!pending || pending.platformId !== platformId || pending.expiresAt < new Date()) {
        throw new ConnectionError(400, 'unknown or expired authorization request; start connecting again');
      }
      const platform = getPlatform(platformId);
      if (error) throw new ConnectionError(400, `${platform.name} did not grant access (${error})`);
      if (!code) throw new ConnectionError(400, 'the platform sent no authorization code');
      let credentials: AuthData;
      try {
        credentials = await oauth.finish(platform, { code, codeVerifier: openedVerifier(config, state, pending), redirectUri: pending.redirectUri });
      } catch (failure) {
        if (failure instanceof PlatformError && failure.retryable) throw new ConnectionError(502, `${failure.message}; try again later`);
        if (failure instanceof PlatformError) throw new ConnectionError(400, failure.message);
        throw failure;
      }
      await saveConnected({ userId: pending.userId, requestId }, platform, credentials, null);
      return { platformId, connected: true };
    },

    /** Changes the settings given; the schedule and the sync targets hear of those that concern them. */
    async changeSettings(actor: ConnectionActor, platformId: string, settings: ConnectionSettings): Promise<{ platformId: string; connection: NonNullable<ConnectionView> }> {
      const platform = knownPlatform(platformId);
      const { userId } = actor;
      const connection = await outbox.transaction(db, userId, async (tx, send) => {
        const { count } = await tx.platformConnection.updateMany({ where: { userId, platformId: platform.id, connected: true }, data: settings });
        if (count === 0) throw new ConnectionError(404, `${platform.name} is not connected`);
        await recordAudit(tx, { userId, actor: 'user', requestId: actor.requestId, action: 'connection.settings', target: platform.id, details: { ...settings } });
        if (PULL_SETTINGS.some((field) => field in settings)) await send([{ topic: 'pull_schedule', platformId: platform.id }]);
        if (TARGET_SETTINGS.some((field) => field in settings)) await send([{ topic: 'sync_targets' }]);
        return tx.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId, platformId: platform.id } } });
      });
      return { platformId: platform.id, connection: presentConnection(connection, config)! };
    },

    /** Disconnects (an OAuth grant revoked at the platform, best effort; the credentials deleted): lib/platform-disconnect.ts. */
    async disconnect(actor: ConnectionActor, platformId: string): Promise<void> {
      const platform = knownPlatform(platformId);
      const disconnected = await disconnectPlatform({ db, config, oauth, outbox }, actor, platform);
      if (!disconnected) throw new ConnectionError(404, `${platform.name} is not connected`);
    },
  };

  async function startOAuth(userId: string, platform: PlatformEntry): Promise<string> {
    const started = await oauth.start(platform, `${config.publicUrl}/api/platforms/${platform.id}/callback`);
    await db.oAuthAuthorizationRequest.create({
      data: {
        state: started.state,
        userId,
        platformId: platform.id,
        ...sealedVerifier(config, started.state, started.codeVerifier),
        redirectUri: started.redirectUri,
        expiresAt: new Date(Date.now() + OAUTH_REQUEST_TTL_MS),
      },
    });
    return started.url;
  }

  /** The credentials as the check left them (a browser login's session, so the first push need not log in). */
  async function checkedCredentials(userId: string, platform: PlatformEntry, credentials: AuthData, accountRef: string | null): Promise<AuthData> {
    const answer = await checkConnection({ db, config, temporal }, { userId, platform, credentials, accountRef });
    if (answer.outcome === 'accepted') return answer.credentials;
    if (answer.outcome === 'refused') throw new ConnectionError(400, answer.message);
    if (answer.outcome === 'trouble') throw new ConnectionError(502, `${answer.message}; try again later`);
    throw new ConnectionError(503, answer.message);
  }

  /** Stores checked credentials as the connection, with its audit record and what a (re)connected platform is sent. */
  async function saveConnected(actor: Pick<ConnectionActor, 'userId' | 'requestId'>, platform: PlatformEntry, credentials: AuthData, accountRef: string | null) {
    const { userId, requestId } = actor;
    return outbox.transaction(db, userId, async (tx, send) => {
      const connection = await saveConnection(tx, config, { userId, platformId: platform.id, credentials, accountRef });
      await recordAudit(tx, { userId, actor: 'user', requestId, action: 'connection.connect', target: platform.id, details: { kind: platform.kind } });
      await send(await connectedMessages(tx, userId, platform));
      return connection;
    });
  }
}

export type Connections = ReturnType<typeof createConnections>;

/** A platform of the catalog, or 404. */
function knownPlatform(platformId: string): PlatformEntry {
  if (!isPlatformId(platformId)) throw new ConnectionError(404, `unknown platform "${platformId}"`);
  return getPlatform(platformId);
}

/** Connecting needs a platform this server offers (CASTSYNC_PLATFORMS) and knows the address of. */
function connectablePlatform(config: Config, platformId: string): PlatformEntry {
  const platform = knownPlatform(platformId);
  if (!config.enabledPlatforms.includes(platform.id)) throw new ConnectionError(404, `${platform.name} is not offered on this server`);
  try {
    platformBaseUrl(config, platform.id);
  } catch (error) {
    if (error instanceof PlatformNotConfiguredError) throw new ConnectionError(503, error.message);
    throw error;
  }
  return platform;
}

/**
 * Stores credentials (already checked) as the user's connection to the platform: sealed, connected, status ok,
 * settings kept when it existed. Connect and the OAuth callback store through here, and so does the test stack's
 * and the demo seed's connect (which add no audit record or outbox message).
 */
export async function saveConnection(db: Pick<Tx, 'platformConnection'>, config: Config, c: { userId: string; platformId: string; credentials: AuthData; accountRef: string | null }) {
  const data = { connected: true, accountRef: c.accountRef, status: 'ok' as const, statusMessage: null, ...sealCredentials(config, c.userId, c.platformId, c.credentials) };
  return db.platformConnection.upsert({
    where: { userId_platformId: { userId: c.userId, platformId: c.platformId } },
    create: { userId: c.userId, platformId: c.platformId, ...data },
    update: data,
  });
}

/**
 * What a (re)connected platform is sent: what the user has that it takes, compared in full with what it holds
 * (so changes made while it needed re-authorization reach it now), and its pull schedule.
 */
async function connectedMessages(tx: Tx, userId: string, platform: PlatformEntry): Promise<OutboxMessageInput[]> {
  return [...(await fullComparisonMessages(tx, userId, platform.id)), { topic: 'pull_schedule', platformId: platform.id }, { topic: 'sync_targets' }];
}

// The PKCE verifier is a secret until the callback uses it: sealed like credentials, bound to its state.
const verifierOwner = (state: string) => `oauth-request:${state}`;

function sealedVerifier(config: Config, state: string, codeVerifier: string) {
  const sealed = sealJson(config, verifierOwner(state), codeVerifier);
  return { codeVerifierCiphertext: sealed.ciphertext, codeVerifierKeyId: sealed.keyId };
}

function openedVerifier(config: Config, state: string, pending: { codeVerifierCiphertext: Uint8Array; codeVerifierKeyId: string }): string {
  return openJson<string>(config, verifierOwner(state), { ciphertext: pending.codeVerifierCiphertext, keyId: pending.codeVerifierKeyId });
}

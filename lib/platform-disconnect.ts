// Disconnecting one platform, as the connections service (lib/connections.ts, DELETE /api/platforms/:id) and the
// account deletion both do it: an OAuth grant is revoked at the platform (best effort: the wish to disconnect does
// not depend on the platform answering), then the stored credentials are deleted, the disconnect is audited, and
// the connection's schedules are sent away through the outbox, all in one transaction.
import type { FastifyBaseLogger } from 'fastify';
import { openCredentials } from '../activities/credential-store.js';
import type { PlatformEntry } from '../adapters/catalog.js';
import type { OAuthFlow } from '../api/oauth.js';
import { recordAudit } from './audit.js';
import type { Config } from './config.js';
import type { Db } from './db.js';
import type { SyncOutbox } from './outbox-relay.js';

export interface DisconnectDeps {
  db: Db;
  config: Config;
  oauth: OAuthFlow;
  outbox: SyncOutbox;
}

/** Who asked, for the audit trail. */
export interface DisconnectActor {
  userId: string;
  requestId: string;
  log: Pick<FastifyBaseLogger, 'warn'>;
}

/** Answers false when the platform was not connected (nothing changed). */
export async function disconnectPlatform({ db, config, oauth, outbox }: DisconnectDeps, actor: DisconnectActor, platform: PlatformEntry): Promise<boolean> {
  const { userId, requestId, log } = actor;
  const current = await db.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId: platform.id } } });
  if (current?.connected && platform.kind === 'oauth') {
    await oauth
      .revoke(platform, openCredentials(config, userId, platform.id, current))
      .catch((error: unknown) => log.warn({ err: error, platformId: platform.id }, 'could not revoke the OAuth grant'));
  }
  return outbox.transaction(db, userId, async (tx, send) => {
    const { count } = await tx.platformConnection.updateMany({
      where: { userId, platformId: platform.id, connected: true },
      data: { connected: false, credentialsCiphertext: null, credentialsKeyId: null, status: 'ok', statusMessage: null },
    });
    if (count === 0) return false;
    await recordAudit(tx, { userId, actor: 'user', requestId, action: 'connection.disconnect', target: platform.id });
    // The relay removes the schedule, since the connection is gone when it delivers.
    await send([{ topic: 'pull_schedule', platformId: platform.id }, { topic: 'sync_targets' }]);
    return true;
  });
}

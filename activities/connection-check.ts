// The connect-time credential check, on the platform's task queue (workflows/connection-check.ts): it opens the
// credentials the gateway sealed into the check's row, tries the platform's partner API token if one was given (a
// request, no browser), then logs in with authenticate(), and seals what the login left (a browser session) back
// into the row, so the connection the gateway saves from it starts with that session and the first push does not
// log in again. It answers only whether the platform accepted, and the platform's words when it did not.
import { ApplicationFailure } from '@temporalio/common';
import { adapterFor, memoryCredentialStore, platformBaseUrl } from '../adapters/adapter-context.js';
import { PartnerApiClient } from '../adapters/browser/partner-api.js';
import { getPlatform } from '../adapters/catalog.js';
import { CONNECTION_CHECK_TROUBLE } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import type { AuthData } from '../adapters/types.js';
import type { Config } from '../lib/config.js';
import { openCheckCredentials, sealCheckCredentials, type ConnectionCheckRow } from '../lib/connection-checks.js';
import type { Db } from '../lib/db.js';
import type { ConnectionCheckResult } from '../workflows/connection-check.js';

export function createConnectionCheckActivities(db: Db, config: Config) {
  return {
    async checkConnection({ checkId }: { checkId: string }): Promise<ConnectionCheckResult> {
      const check = await takeCheck(db, checkId);
      const credentials = openCheckCredentials(config, check);
      const store = memoryCredentialStore(credentials);
      const refusal = await tryCredentials(db, config, check, credentials, store);
      if (refusal) return refusal;
      await db.connectionCheck.updateMany({ where: { id: checkId }, data: sealCheckCredentials(config, checkId, store.current()) });
      return { accepted: true };
    },
  };
}

/**
 * Marks the check as taken by a worker: from then on the gateway waits for its answer instead of giving up on it
 * (lib/connection-checks.ts). A check the gateway already gave up on, or that expired, is gone.
 */
async function takeCheck(db: Db, checkId: string): Promise<ConnectionCheckRow> {
  await db.connectionCheck.updateMany({ where: { id: checkId, startedAt: null }, data: { startedAt: new Date() } });
  const check = await db.connectionCheck.findUnique({ where: { id: checkId } });
  if (!check || check.expiresAt < new Date()) {
    throw ApplicationFailure.create({ type: 'ConnectionCheckGone', message: 'the connection check was given up or has expired', nonRetryable: true });
  }
  return check;
}

/** null when the platform accepted; its refusal otherwise. Trouble on the way is thrown, to be retried. */
async function tryCredentials(db: Db, config: Config, check: ConnectionCheckRow, credentials: AuthData, store: ReturnType<typeof memoryCredentialStore>) {
  const platform = getPlatform(check.platformId);
  const user = await db.user.findUniqueOrThrow({ where: { id: check.userId }, select: { name: true } });
  try {
    // The token's check is a request or two, no browser: a bad token or profile id is refused before the login.
    await PartnerApiClient.forCredentials(platform, platformBaseUrl(config, platform.id), credentials)?.ownProfileId();
    const adapter = adapterFor(config, { platformId: platform.id, credentials, credentialStore: store, accountRef: check.accountRef, userName: user.name });
    if (await adapter.authenticate()) return null;
    return { accepted: false as const, message: null, retryable: false };
  } catch (error) {
    if (error instanceof PlatformError && error.retryable) {
      // No nextRetryDelay: a person waits for this answer, so a platform's long Retry-After ends the check instead.
      throw ApplicationFailure.create({ type: CONNECTION_CHECK_TROUBLE, message: error.message });
    }
    if (error instanceof PlatformError) return { accepted: false as const, message: error.message, retryable: false };
    throw error;
  }
}

// Sealed credentials of one connection, read and replaced under a row lock (SELECT ... FOR NO KEY UPDATE), so that
// concurrent token refreshes or session renewals by several activities never lose an update. NO KEY: the lock keeps
// other writers of the row out but not rows that merely reference it, such as the QuotaUse a token refresh spends
// from inside this lock (lib/request-quotas.ts); FOR UPDATE would make that insert wait for this very transaction.
import type { AuthData, CredentialStore } from '../adapters/types.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { recordAudit } from '../lib/audit.js';
import { credentialOwner, openJson, sealJson } from '../lib/secrets.js';

export function openCredentials(config: Config, userId: string, platformId: string, row: { credentialsCiphertext: Uint8Array | null; credentialsKeyId: string | null }): AuthData {
  if (!row.credentialsCiphertext || !row.credentialsKeyId) return {};
  return openJson<AuthData>(config, credentialOwner(userId, platformId), { ciphertext: row.credentialsCiphertext, keyId: row.credentialsKeyId });
}

export function sealCredentials(config: Config, userId: string, platformId: string, credentials: AuthData) {
  const sealed = sealJson(config, credentialOwner(userId, platformId), credentials);
  return { credentialsCiphertext: sealed.ciphertext, credentialsKeyId: sealed.keyId };
}

export function connectionCredentialStore(db: Db, config: Config, userId: string, platformId: string): CredentialStore {
  return {
    async update(fn) {
      return db.$transaction(
        async (tx) => {
          const rows = await tx.$queryRaw<{ credentialsCiphertext: Uint8Array | null; credentialsKeyId: string | null }[]>`
            SELECT "credentialsCiphertext", "credentialsKeyId" FROM "PlatformConnection"
            WHERE "userId" = ${userId}::uuid AND "platformId" = ${platformId} FOR NO KEY UPDATE`;
          if (!rows[0]) throw new Error(`no ${platformId} connection`);
          const current = openCredentials(config, userId, platformId, rows[0]);
          const next = await fn(current);
          if (!next) return current;
          await tx.platformConnection.update({
            where: { userId_platformId: { userId, platformId } },
            data: sealCredentials(config, userId, platformId, next),
          });
          // Which secrets changed (a token refresh, a new browser session), never their values.
          await recordAudit(tx, { userId, actor: 'system', action: 'credentials.update', target: platformId, details: { fields: changedFields(current, next) } });
          return next;
        },
        { timeout: 60_000, maxWait: 60_000 },
      );
    },
  };
}

function changedFields(before: AuthData, after: AuthData): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof AuthData>;
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

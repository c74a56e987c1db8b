// The audit trail: who did what to which connection, sync or conflict, and when (AuditEvent rows). Written in the
// same transaction as the change where there is one, so a change never exists without its record.
import type { FastifyRequest } from 'fastify';
import type { Prisma } from '../generated/prisma/client.js';
import type { Db } from './db.js';

export type AuditAction =
  | 'connection.connect'
  | 'connection.disconnect'
  | 'connection.settings'
  /** A platform's webhook said the profile there was deleted (api/routes/filmmakers-webhooks.ts). */
  | 'connection.profile_deleted'
  | 'credentials.update'
  | 'sync.manual'
  | 'sync.retry'
  | 'conflict.resolve'
  /** A calendar source (api/routes/calendars.ts) added, changed, refreshed by hand, removed. */
  | 'calendar.add'
  | 'calendar.update'
  | 'calendar.refresh'
  | 'calendar.delete'
  | 'profile.update'
  | 'token.created'
  | 'token.revoked'
  | 'session.revoked'
  | 'account.disabled'
  | 'account.enabled'
  | 'account.exported'
  | 'account.password_changed'
  | 'account.password_reset'
  | 'account.deletion_started';

export interface AuditEntry {
  userId: string;
  /** "user" for the account owner through the API, "system" for castsync itself. */
  actor: 'user' | 'system';
  action: AuditAction;
  target?: string | null;
  /** Non-secret details only: never credentials, tokens or passwords. */
  details?: Prisma.InputJsonObject;
  requestId?: string | null;
}

/** The database or an open transaction. */
export type AuditWriter = Pick<Db, 'auditEvent'> | Pick<Prisma.TransactionClient, 'auditEvent'>;

export async function recordAudit(db: AuditWriter, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({
    data: {
      userId: entry.userId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: entry.details ?? undefined,
      requestId: entry.requestId ?? null,
    },
  });
}

/** Who and which request, for an entry made by a signed-in user through the API. */
export const byUser = (request: Pick<FastifyRequest, 'userId' | 'id'>, userId = request.userId) => ({ userId, actor: 'user' as const, requestId: request.id });

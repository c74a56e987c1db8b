// Dashboard sessions kept on the server: the cookie holds a random id, the database its SHA-256. Signing out
// deletes the row; revoking the token a session was opened with deletes it too (the foreign key cascades).
import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';
import { hashApiToken } from './secrets.js';

/** Sessions last this long from sign-in, however active. */
export const SESSION_LIFETIME_MS = 14 * 24 * 3600_000;
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface SessionOwner {
  userId: string;
  sessionId: string;
}

export async function openSession(db: Db, { userId, apiTokenId = null, userAgent = null }: { userId: string; apiTokenId?: string | null; userAgent?: string | null }) {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_LIFETIME_MS);
  await db.dashboardSession.create({ data: { userId, apiTokenId, userAgent: userAgent?.slice(0, 200) ?? null, idHash: hashApiToken(secret), expiresAt } });
  return { secret, expiresAt };
}

/** The session's owner, if the session exists, has not expired and its user is enabled. */
export async function sessionOwner(db: Db, secret: string): Promise<SessionOwner | null> {
  const row = await db.dashboardSession.findUnique({
    where: { idHash: hashApiToken(secret) },
    select: { id: true, userId: true, expiresAt: true, lastSeenAt: true, user: { select: { disabledAt: true } } },
  });
  const now = new Date();
  if (!row || row.user.disabledAt || row.expiresAt <= now) return null;
  if (now.getTime() - row.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    await db.dashboardSession.updateMany({ where: { id: row.id }, data: { lastSeenAt: now } });
  }
  return { userId: row.userId, sessionId: row.id };
}

export async function closeSession(db: Db, secret: string): Promise<void> {
  await db.dashboardSession.deleteMany({ where: { idHash: hashApiToken(secret) } });
}

export function listSessions(db: Db, userId: string) {
  return db.dashboardSession.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: 'desc' },
    select: { id: true, apiTokenId: true, userAgent: true, createdAt: true, lastSeenAt: true, expiresAt: true },
  });
}

export async function revokeSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const { count } = await db.dashboardSession.deleteMany({ where: { id: sessionId, userId } });
  return count > 0;
}

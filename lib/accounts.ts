// Accounts and their personal API tokens. A token is shown once, when it is made; only its SHA-256 is stored
// (tokens are 256 random bits, so a plain hash is enough to look them up without keeping them).
import type { Db } from './db.js';
import { hashApiToken, newApiToken } from './secrets.js';
import { controlCharacterProblem } from './text-rules.js';
import { recordAudit } from './audit.js';

export interface NewUser {
  email: string;
  name: string;
  /** scrypt hash (lib/passwords.ts), for self-service accounts that sign in with e-mail and password. */
  passwordHash?: string;
  /** Operator-made accounts are verified when made; self-service sign-ups when the link is followed. */
  verified?: boolean;
}

export interface IssuedToken {
  id: string;
  name: string;
  /** The token itself: shown to its owner this once and never again. */
  token: string;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface TokenOwner {
  userId: string;
  tokenId: string;
}

/** lastUsedAt is written at most this often, so authenticating a burst of requests stays a read. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

export class AccountError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** Makes a user and their first token (named "first token"). */
export async function createUser(db: Db, { email, name, passwordHash, verified = true }: NewUser): Promise<{ userId: string; token: IssuedToken }> {
  const address = normaliseEmail(email);
  if (await db.user.findUnique({ where: { email: address }, select: { id: true } })) throw new AccountError(409, `a user with the e-mail address ${address} exists`);
  const user = await db.user.create({ data: { email: address, name: name.trim(), passwordHash, emailVerifiedAt: verified ? new Date() : null } });
  return { userId: user.id, token: await issueToken(db, user.id, { name: 'first token' }) };
}

export async function issueToken(db: Db, userId: string, { name, expiresAt = null }: { name: string; expiresAt?: Date | null }): Promise<IssuedToken> {
  const token = newApiToken();
  const row = await db.apiToken.create({ data: { userId, name, tokenHash: hashApiToken(token), expiresAt } });
  return { id: row.id, name: row.name, token, createdAt: row.createdAt, expiresAt: row.expiresAt };
}

/** The tokens of a user, newest first, without their hashes. */
export function listTokens(db: Db, userId: string) {
  return db.apiToken.findMany({
    where: { userId },
    orderBy: { createdAt: 'desc' },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true, expiresAt: true },
  });
}

/** Deletes the token; the dashboard sessions opened with it go with it (the foreign key cascades). */
export async function revokeToken(db: Db, userId: string, tokenId: string): Promise<boolean> {
  const { count } = await db.apiToken.deleteMany({ where: { id: tokenId, userId } });
  return count > 0;
}

/** The owner of a bearer token that exists, has not expired and belongs to an enabled user. */
export async function authenticateToken(db: Db, token: string): Promise<TokenOwner | null> {
  // The user's state as a filter, not a selected relation: one query (Prisma reads a selected relation with a
  // query of its own, and every request pays for it).
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token), user: { disabledAt: null } },
    select: { id: true, userId: true, expiresAt: true, lastUsedAt: true },
  });
  const now = new Date();
  if (!row || (row.expiresAt && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { userId: row.userId, tokenId: row.id };
}

export function listUsers(db: Db) {
  return db.user.findMany({
    orderBy: { createdAt: 'asc' },
    select: { id: true, email: true, name: true, createdAt: true, emailVerifiedAt: true, disabledAt: true, _count: { select: { apiTokens: true } } },
  });
}

/** Finds a user by e-mail address or id (the CLI takes either). */
export async function findUser(db: Db, emailOrId: string) {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(emailOrId);
  const user = await db.user.findFirst({ where: isUuid ? { id: emailOrId } : { email: normaliseEmail(emailOrId) } });
  if (!user) throw new AccountError(404, `no user ${emailOrId}`);
  return user;
}

/** A disabled user authenticates nothing; their dashboard sessions end at once. */
export async function setUserDisabled(db: Db, userId: string, disabled: boolean): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { disabledAt: disabled ? new Date() : null } });
    if (disabled) await tx.dashboardSession.deleteMany({ where: { userId } });
    await recordAudit(tx, { userId, actor: 'system', action: disabled ? 'account.disabled' : 'account.enabled' });
  });
}

/** Most tokens one user may hold: enough for every device and script, few enough that a leak is reviewable. */
export const MAX_TOKENS_PER_USER = 50;
export const TOKEN_NAME_MAX_LENGTH = 100;
export const MAX_TOKEN_DAYS = 3650;

/** A name a person typed (token or user): 1..max characters of text, no line breaks or control characters. */
export function checkName(what: string, value: string, max = TOKEN_NAME_MAX_LENGTH): string {
  const name = value.trim();
  if (!name || name.length > max) throw new AccountError(400, `${what} must be 1 to ${max} characters`);
  const problem = controlCharacterProblem(name, false);
  if (problem) throw new AccountError(400, `${what} ${problem}`);
  return name;
}

/** A named token for a user, expiring after expiresInDays (none: never); refused past MAX_TOKENS_PER_USER. */
export async function createToken(db: Db, userId: string, { name, expiresInDays }: { name: string; expiresInDays?: number | null }): Promise<IssuedToken> {
  const tokenName = checkName('the token name', name);
  if (expiresInDays != null && (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > MAX_TOKEN_DAYS)) {
    throw new AccountError(400, `the expiry must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}`);
  }
  const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 24 * 3600_000) : null;
  const token = newApiToken();
  // A per-user lock for the transaction, so tokens made at the same moment cannot both pass the count.
  const row = await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`api-tokens:${userId}`}))`;
    if ((await tx.apiToken.count({ where: { userId } })) >= MAX_TOKENS_PER_USER) {
      throw new AccountError(409, `a user may hold at most ${MAX_TOKENS_PER_USER} tokens; revoke one first`);
    }
    return tx.apiToken.create({ data: { userId, name: tokenName, tokenHash: hashApiToken(token), expiresAt } });
  });
  return { id: row.id, name: row.name, token, createdAt: row.createdAt, expiresAt: row.expiresAt };
}

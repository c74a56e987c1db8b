// Self-service accounts (CASTSYNC_SIGNUP=on): sign-up with e-mail, name and password, the address confirmed by a
// link sent through the configured SMTP relay, and e-mail and password sign-in. Nothing here tells a caller
// whether an address has an account: sign-up answers alike and sign-in fails alike (and takes as long).
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { checkName, normaliseEmail } from './accounts.js';
import { recordAudit } from './audit.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { hashApiToken } from './secrets.js';
import { smtpTransportOptions } from './smtp.js';

/** A verification link works this long after it was sent; a password reset link much shorter. */
export const VERIFICATION_LIFETIME_MS = 24 * 3600_000;
export const RESET_LIFETIME_MS = 3600_000;
const SMTP_TIMEOUT_MS = 20_000;

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export type Mailer = (mail: OutgoingMail) => Promise<void>;

/** Sends castsync's own mail through CASTSYNC_SMTP_URL; one connection per message (sign-ups are rare). */
export function smtpMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom'>): Mailer {
  return async ({ to, subject, text }) => {
    if (!config.smtpUrl) throw new Error('no SMTP relay configured (CASTSYNC_SMTP_URL)');
    const transport = nodemailer.createTransport(smtpTransportOptions(config.smtpUrl, SMTP_TIMEOUT_MS));
    try {
      // RFC 3834: an automatic message, so autoresponders stay quiet.
      await transport.sendMail({ from: config.mailFrom, to, subject, text, headers: { 'Auto-Submitted': 'auto-generated' } });
    } finally {
      transport.close();
    }
  };
}

export interface SignUp {
  email: string;
  name: string;
  password: string;
}

/**
 * Makes (or, while unverified, remakes) the account and answers the mail to send: a verification link, or for
 * an address that already has an account a note saying so; null for a disabled account. A new sign-up for an
 * unverified address replaces its name and password and invalidates older links, so only the newest link,
 * which goes with the newest password, can verify it.
 */
export async function signUp(db: Db, publicUrl: string, { email, name, password }: SignUp): Promise<OutgoingMail | null> {
  const address = normaliseEmail(email);
  const displayName = checkName('name', name);
  // Hashed before looking the address up, so every answer costs the same.
  const passwordHash = await hashPassword(password);
  const existing = await db.user.findUnique({ where: { email: address }, select: { id: true, emailVerifiedAt: true, disabledAt: true } });
  if (existing?.disabledAt) return null;
  if (existing?.emailVerifiedAt) return alreadyRegisteredMail(address, publicUrl);

  const secret = await db.$transaction(async (tx) => {
    const user = await tx.user.upsert({
      where: { email: address },
      create: { email: address, name: displayName, passwordHash },
      update: { name: displayName, passwordHash },
      select: { id: true },
    });
    return issueLink(tx, user.id, 'confirm', VERIFICATION_LIFETIME_MS);
  });
  return verificationMail(address, `${publicUrl}/app/verify?token=${encodeURIComponent(secret)}`);
}

export type VerifyOutcome = 'verified' | 'invalid' | 'expired';

/** Follows a verification link: the address is confirmed and every link of the account stops working. */
export async function verifyEmail(db: Db, secret: string): Promise<VerifyOutcome> {
  const row = await followLink(db, secret, 'confirm');
  if (typeof row === 'string') return row;
  await db.$transaction([
    db.user.update({ where: { id: row.userId }, data: { emailVerifiedAt: new Date() } }),
    db.emailVerification.deleteMany({ where: { userId: row.userId, purpose: 'confirm' } }),
  ]);
  return 'verified';
}

/** The user whose verified, enabled account has this address and password; null for any other case, alike. */
export async function passwordSignIn(db: Db, email: string, password: string): Promise<string | null> {
  const user = await db.user.findUnique({ where: { email: normaliseEmail(email) }, select: { id: true, passwordHash: true, emailVerifiedAt: true, disabledAt: true } });
  // An unknown address (or an account without a password) checks a decoy, so it takes as long as a wrong password.
  const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
  if (!user?.passwordHash || !matches || !user.emailVerifiedAt || user.disabledAt) return null;
  return user.id;
}

export interface PasswordChange {
  /** Needed when the account has a password already. */
  currentPassword?: string;
  newPassword: string;
}

/**
 * Sets or changes the account's password. The current one must be given when there is one (a stolen session alone
 * cannot lock the owner out); every other dashboard session ends, so whoever knew the old password is signed out.
 */
export async function changePassword(db: Db, userId: string, { currentPassword, newPassword }: PasswordChange, keepSessionId: string | null): Promise<'changed' | 'wrong'> {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
  if (user.passwordHash && !(currentPassword !== undefined && (await verifyPassword(currentPassword, user.passwordHash)))) return 'wrong';
  const passwordHash = await hashPassword(newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    await tx.dashboardSession.deleteMany({ where: { userId, ...(keepSessionId ? { id: { not: keepSessionId } } : {}) } });
    await recordAudit(tx, { userId, actor: 'user', action: 'account.password_changed' });
  });
  return 'changed';
}

/**
 * The mail with a link to set a new password, for a confirmed, enabled account with this address; null otherwise
 * (the caller answers alike). A new request replaces the older links.
 */
export async function requestPasswordReset(db: Db, publicUrl: string, email: string): Promise<OutgoingMail | null> {
  const user = await db.user.findUnique({ where: { email: normaliseEmail(email) }, select: { id: true, email: true, emailVerifiedAt: true, disabledAt: true } });
  if (!user?.emailVerifiedAt || user.disabledAt) return null;
  const secret = await db.$transaction((tx) => issueLink(tx, user.id, 'reset', RESET_LIFETIME_MS));
  return resetMail(user.email, `${publicUrl}/app/?reset=${encodeURIComponent(secret)}`);
}

/** Follows a reset link: the new password is set, every session ends and every reset link of the account stops working. */
export async function resetPassword(db: Db, secret: string, newPassword: string): Promise<'reset' | Exclude<VerifyOutcome, 'verified'>> {
  const row = await followLink(db, secret, 'reset');
  if (typeof row === 'string') return row;
  const passwordHash = await hashPassword(newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: row.userId }, data: { passwordHash } });
    await tx.dashboardSession.deleteMany({ where: { userId: row.userId } });
    await tx.emailVerification.deleteMany({ where: { userId: row.userId, purpose: 'reset' } });
    await recordAudit(tx, { userId: row.userId, actor: 'user', action: 'account.password_reset' });
  });
  return 'reset';
}

type LinkPurpose = 'confirm' | 'reset';

/** A new mailed link of this purpose for the user (its secret); older links of the same purpose stop working. */
async function issueLink(tx: Pick<Db, 'emailVerification'>, userId: string, purpose: LinkPurpose, lifetimeMs: number): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  await tx.emailVerification.deleteMany({ where: { userId, purpose } });
  await tx.emailVerification.create({ data: { userId, purpose, tokenHash: hashApiToken(secret), expiresAt: new Date(Date.now() + lifetimeMs) } });
  return secret;
}

/** The live link of this purpose with that secret, or why there is none (an expired link is deleted on the way). */
async function followLink(db: Db, secret: string, purpose: LinkPurpose): Promise<{ userId: string } | 'invalid' | 'expired'> {
  const row = await db.emailVerification.findUnique({ where: { tokenHash: hashApiToken(secret) }, select: { id: true, userId: true, expiresAt: true, purpose: true } });
  if (row?.purpose !== purpose) return 'invalid';
  if (row.expiresAt <= new Date()) {
    await db.emailVerification.deleteMany({ where: { id: row.id } });
    return 'expired';
  }
  return { userId: row.userId };
}

function resetMail(to: string, link: string): OutgoingMail {
  return {
    to,
    subject: 'Set a new castsync password',
    text: [
      'Someone, hopefully you, asked to set a new password for the castsync account with this e-mail address.',
      '',
      `Set it within an hour by opening this link:\n\n  ${link}`,
      '',
      'If it was not you, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}

function verificationMail(to: string, link: string): OutgoingMail {
  return {
    to,
    subject: 'Confirm your castsync account',
    text: [
      'Someone, hopefully you, asked for a castsync account with this e-mail address.',
      '',
      `Confirm it within 24 hours by opening this link:\n\n  ${link}`,
      '',
      'If it was not you, ignore this message: without the confirmation no account is opened.',
    ].join('\n'),
  };
}

function alreadyRegisteredMail(to: string, publicUrl: string): OutgoingMail {
  return {
    to,
    subject: 'Your castsync account',
    text: [
      'Someone, hopefully you, asked to sign up to castsync with this e-mail address, which already has an account.',
      '',
      `Sign in at ${publicUrl}/app/ instead.`,
      '',
      'If it was not you, ignore this message; nothing was changed.',
    ].join('\n'),
  };
}

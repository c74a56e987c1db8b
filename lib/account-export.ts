// Everything castsync holds about one user, as one zip archive (GET /api/account/export). The archive is streamed:
// each JSON file is read from the database page by page only when the zip writer reaches it, and media originals
// are piped from the store, so a user with many large files is never held in memory. Secrets never enter it:
// token, session, password and verification hashes, sealed credentials and their key ids, and sealed PKCE
// verifiers are left out by selecting only the fields that may go.
import path from 'node:path';
import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import type { Db } from './db.js';
import type { MediaStorage } from './media-storage.js';

/** Rows per database read while a JSON file is written. */
const PAGE = 500;

export const EXPORT_README = `castsync: everything castsync holds about your account
=========================================================

account.json        your account: id, e-mail address, name, time zone, when it was made and verified; your API
                    tokens (name, made, last used, expiry) and dashboard sign-ins (browser, when). Tokens,
                    sessions, your password and the ICS feed secret are stored only as hashes and are not included.
profile.json        your profile fields and their visibility, and per platform what was last pushed and what it
                    could not show.
availability.json   every availability entry, including deleted ones and options castsync released (deletedAt,
                    releasedReason), with what each platform last confirmed of it.
media.json          every media item (including deleted ones) with its caption, crop, order and per-platform state.
media/              the original file of each media item castsync still stores, named <media id>-<original name>.
                    The variants sent to platforms are not included: they are made from these originals by the
                    platform's published rules (crop, size, format) and can be made again at any time.
connections.json    your platform connections and their settings, OAuth authorizations in progress, and your
                    calendar sources (name, host, rules, state). No secret is included: passwords, API keys,
                    OAuth tokens, calendar feed addresses and CalDAV logins are stored sealed and never leave castsync
                    (nor the copy of a CalDAV calendar's events kept for reading only its changes).
sync-history.json   every sync attempt (platform, operation, outcome, error, duration, Temporal workflow/run id).
conflicts.json      every conflict between castsync and a platform, open or resolved, with its resolution.
audit.json          your audit trail: who did what to your account and when.
outbox.json         changes accepted but not yet (or recently) handed to the sync service.

Dates are ISO 8601 in UTC; availability days are whole dates (YYYY-MM-DD).
`;

/** What an archive entry's JSON holds: Prisma's BigInt and Date made plain. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2);
}

/** A JSON array written page by page: `page(skip, take)` is called only as the archive reads on (ordered by a unique tie-breaker, so pages neither skip nor repeat rows). */
function jsonArray<T>(page: (skip: number, take: number) => Promise<T[]>): Readable {
  return Readable.from(
    (async function* () {
      yield '[';
      let first = true;
      for (let skip = 0; ; skip += PAGE) {
        const rows = await page(skip, PAGE);
        for (const row of rows) {
          yield `${first ? '\n' : ',\n'}${toJson(row)}`;
          first = false;
        }
        if (rows.length < PAGE) break;
      }
      yield '\n]\n';
    })(),
  );
}

/** Whether the user exists; the export of a user that does not is refused by the route. */
export async function accountSummary(db: Db, userId: string) {
  return db.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, timeZone: true, emailVerifiedAt: true, disabledAt: true, createdAt: true, updatedAt: true },
  });
}

/** A file name a zip tool shows as one plain name (no folders, no control characters). */
export function safeEntryName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  const cleaned = base.replace(/[\u0000-\u001f\u007f/:*?"<>|]/g, '_').slice(0, 120);
  return cleaned || 'file';
}

/**
 * The archive of one user, as a readable stream. Entries are queued here and produced lazily; the media originals
 * that are no longer in the store (a deleted item whose bytes were released) are listed in media.json only.
 */
export async function accountArchive(db: Db, storage: MediaStorage, userId: string): Promise<Readable> {
  const user = await accountSummary(db, userId);
  if (!user) throw new Error('no such account');
  const archive = new ZipArchive({ zlib: { level: 6 } });
  const where = { userId };
  const ordered = { orderBy: { id: 'asc' as const } };

  archive.append(EXPORT_README, { name: 'README.txt' });
  archive.append(
    toJson({
      ...user,
      apiTokens: await db.apiToken.findMany({ where, omit: { tokenHash: true, userId: true }, orderBy: { createdAt: 'asc' } }),
      dashboardSessions: await db.dashboardSession.findMany({ where, omit: { idHash: true, userId: true }, orderBy: { createdAt: 'asc' } }),
      emailVerifications: await db.emailVerification.findMany({ where, select: { createdAt: true, expiresAt: true } }),
    }),
    { name: 'account.json' },
  );
  archive.append(
    toJson({
      profile: await db.profile.findUnique({ where, select: { fields: true, visibility: true, version: true, updatedAt: true } }),
      platformStates: await db.platformProfileState.findMany({ where, omit: { userId: true } }),
    }),
    { name: 'profile.json' },
  );
  archive.append(jsonArray((skip, take) => db.availability.findMany({ where, include: { platformStates: { omit: { userId: true } } }, orderBy: [{ startDate: 'asc' }, { id: 'asc' }], skip, take })), { name: 'availability.json' });
  archive.append(jsonArray((skip, take) => db.media.findMany({ where, include: { platformStates: true }, ...ordered, skip, take })), { name: 'media.json' });
  archive.append(
    toJson({
      connections: await db.platformConnection.findMany({ where, omit: { credentialsCiphertext: true, credentialsKeyId: true }, orderBy: { platformId: 'asc' } }),
      authorizationsInProgress: await db.oAuthAuthorizationRequest.findMany({ where, select: { platformId: true, createdAt: true, expiresAt: true } }),
      calendarSources: await db.calendarSource.findMany({ where, omit: { credentialsCiphertext: true, credentialsKeyId: true, objectsCiphertext: true, objectsKeyId: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
    { name: 'connections.json' },
  );
  archive.append(jsonArray((skip, take) => db.syncLog.findMany({ where, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }], skip, take })), { name: 'sync-history.json' });
  archive.append(jsonArray((skip, take) => db.conflict.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], skip, take })), { name: 'conflicts.json' });
  archive.append(jsonArray((skip, take) => db.auditEvent.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], skip, take })), { name: 'audit.json' });
  archive.append(jsonArray((skip, take) => db.outboxMessage.findMany({ where, orderBy: { id: 'asc' }, skip, take })), { name: 'outbox.json' });

  const originals = await db.media.findMany({ where, select: { id: true, storageKey: true, originalName: true }, ...ordered });
  for (const medium of originals) {
    if (!(await storage.exists(medium.storageKey))) continue;
    // Stored, not deflated: photos and videos are compressed already, and deflating them again only costs CPU.
    archive.append(lazyFile(storage, medium.storageKey), { name: `media/${medium.id}-${safeEntryName(medium.originalName)}`, store: true });
  }
  void archive.finalize();
  return archive;
}

/** Opens the stored file only when the archive starts reading it, so hundreds of media hold no descriptors. */
function lazyFile(storage: MediaStorage, key: string): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of storage.get(key)) yield chunk as Buffer;
    })(),
  );
}

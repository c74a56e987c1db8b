// The user's calendar sources (issue 16): add, change, refresh and remove, each one transaction with its audit
// record and the outbox messages that keep the source's refresh schedule in step (lib/calendar-schedules.ts). The
// feed's address (kind ics) or the CalDAV login (kind caldav, lib/caldav-sources.ts) is sealed like a platform's
// credentials (a Google secret address is a secret); only its host is ever shown. A CalDAV login is tried against
// its server once when it is given, so a wrong password is refused at once and nothing is stored. What a source
// brings in is imported by lib/calendar-import.ts.
import { randomUUID } from 'node:crypto';
import type { CalendarSource, Prisma } from '../generated/prisma/client.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import { recordAudit } from './audit.js';
import { removeCalendarEntries } from './calendar-import.js';
import { checkCalDavLogin, checkDestinationCalendar, openCalDavCredentials, sealCalDavCredentials, type CalDavLogin } from './caldav-sources.js';
import { ALL_EVENTS_BLOCK, ruleProblem, type CalendarRule } from './calendars/days.js';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { feedUrl } from './ics-fetch.js';
import type { OutboxMessageInput } from './outbox.js';
import type { SyncOutbox } from './outbox-relay.js';
import { calendarSourceOwner as calendarOwner, openJson, sealJson } from './secrets.js';
import { calendarTargetId } from '../workflows/plumbing.js';

/** A user keeps at most this many calendar sources: each is read on its own schedule. */
export const MAX_SOURCES_PER_USER = 20;
export const MAX_RULES = 20;

/** A refusal the API answers with its status and message (the gateway's error handler reads statusCode). */
export class CalendarSourceError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Who asks: the user, and the request to follow in the logs and the audit trail. */
export interface Caller {
  userId: string;
  requestId: string;
}

/** Where the source is read: an ICS feed's address, or a CalDAV login (and, where the account has several, the calendar). */
interface SourceAccess {
  url?: string;
  serverUrl?: string;
  calendarUrl?: string;
  username?: string;
  password?: string;
}

export interface NewCalendarSource extends SourceAccess {
  kind: 'ics' | 'caldav';
  name: string;
  rules?: CalendarRule[];
  shareDetails?: boolean;
}

export interface CalendarSourceChange extends SourceAccess {
  name?: string;
  rules?: CalendarRule[];
  shareDetails?: boolean;
  /** CalDAV only: castsync writes its entries into this calendar (one per user: another one stops being it). */
  destination?: boolean;
}

const CALDAV_FIELDS = ['serverUrl', 'calendarUrl', 'username', 'password'] as const;
const CALDAV_REQUIRED = ['serverUrl', 'username', 'password'] as const;

/** The kind's own fields (all it needs, when creating), or a 400 naming what is missing or belongs to the other kind. */
function checkKindFields(kind: 'ics' | 'caldav', input: SourceAccess, creating: boolean): void {
  if (kind === 'ics') {
    const foreign = CALDAV_FIELDS.filter((field) => input[field] !== undefined);
    if (foreign.length) throw new CalendarSourceError(400, `${foreign.join(', ')}: only for a caldav source; an ics source takes url`);
    if (creating && input.url === undefined) throw new CalendarSourceError(400, "body must have required property 'url' (an ics source is read from its address)");
    return;
  }
  if (input.url !== undefined) throw new CalendarSourceError(400, 'url is for an ics source: a caldav source takes serverUrl, username and password (and calendarUrl)');
  const missing = creating ? CALDAV_REQUIRED.find((field) => input[field] === undefined) : undefined;
  if (missing) throw new CalendarSourceError(400, `body must have required property '${missing}' (a caldav source logs in to its server with a username and an app password)`);
}

/** Tries the CalDAV login once and seals it; the server's refusal or trouble as the answer, nothing stored. */
async function connectCalDav(config: Config, source: { id: string; userId: string }, login: CalDavLogin) {
  return asSourceError(async () => sealCalDavCredentials(config, source, await checkCalDavLogin(config, login)), 'nothing was stored');
}

/** The server's answer to a check as the API's: a refused login or bad pick 400, the server's trouble 502. */
async function asSourceError<T>(check: () => Promise<T>, outcome: string): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.type === ErrorType.auth) {
      throw new CalendarSourceError(400, `the login was refused: ${error.message.replace(/; connect the calendar again$/, '')}; ${outcome}`);
    }
    if (error.retryable) throw new CalendarSourceError(502, `${error.message}; ${outcome}, try again later`);
    throw new CalendarSourceError(400, error.message);
  }
}

interface SealedFeed {
  url: string;
}

export function openFeedAddress(config: Config, source: Pick<CalendarSource, 'id' | 'userId' | 'credentialsCiphertext' | 'credentialsKeyId'>): string {
  return openJson<SealedFeed>(config, calendarOwner(source.userId, source.id), { ciphertext: source.credentialsCiphertext, keyId: source.credentialsKeyId }).url;
}

function sealFeed(config: Config, userId: string, sourceId: string, address: string) {
  const url = checkedAddress(config, address);
  const sealed = sealJson(config, calendarOwner(userId, sourceId), { url: url.toString() } satisfies SealedFeed);
  return { credentialsCiphertext: sealed.ciphertext, credentialsKeyId: sealed.keyId, host: url.host };
}

/** The feed's address as it will be fetched, or a 400 saying what is wrong with it (never echoing its path). */
function checkedAddress(config: Config, address: string): URL {
  try {
    return feedUrl(address, config.calendarHttpHosts, 'url is');
  } catch (error) {
    if (error instanceof PlatformError) throw new CalendarSourceError(400, error.message);
    throw error;
  }
}

/** Rules the JSON schema cannot judge (lib/calendars/days.ts ruleProblem), as a 400 naming the rule. */
export function checkedRules(rules: CalendarRule[]): CalendarRule[] {
  rules.forEach((rule, index) => {
    const problem = ruleProblem(rule);
    if (problem) throw new CalendarSourceError(400, `rules/${index}: ${problem}`);
  });
  return rules;
}

export async function listCalendarSources(db: Db, userId: string) {
  const [rows, counts] = await Promise.all([
    db.calendarSource.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    db.availability.groupBy({ by: ['calendarSourceId'], where: { userId, calendarSourceId: { not: null }, deletedAt: null }, _count: { _all: true } }),
  ]);
  const entries = new Map(counts.map((c) => [c.calendarSourceId, c._count._all]));
  return rows.map((row) => present(row, entries.get(row.id) ?? 0));
}

export async function getCalendarSource(db: Db, userId: string, sourceId: string) {
  return presentWithCount(db, await ownSource(db, userId, sourceId));
}

export async function createCalendarSource(db: Db, outbox: SyncOutbox, config: Config, caller: Caller, input: NewCalendarSource) {
  const id = randomUUID();
  checkKindFields(input.kind, input, true);
  const rules = checkedRules(input.rules ?? ALL_EVENTS_BLOCK);
  if (input.kind === 'caldav') await belowCap(db, caller.userId); // before asking a server; checked again below
  const { url, serverUrl, calendarUrl, username, password } = input;
  const sealed =
    input.kind === 'caldav'
      ? await connectCalDav(config, { id, userId: caller.userId }, { serverUrl: serverUrl!, username: username!, password: password!, ...(calendarUrl !== undefined ? { calendarUrl } : {}) })
      : sealFeed(config, caller.userId, id, url!);
  const created = await outbox.transaction(db, caller.userId, async (tx, send) => {
    // The user's row lock keeps two requests at once from both passing the cap.
    await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${caller.userId}::uuid FOR UPDATE`;
    await belowCap(tx, caller.userId);
    const row = await tx.calendarSource.create({
      data: { id, userId: caller.userId, kind: input.kind, name: input.name, rules: json(rules), shareDetails: input.shareDetails ?? false, ...sealed },
    });
    await audit(tx, caller, 'calendar.add', row, { kind: row.kind, host: row.host, shareDetails: row.shareDetails, rules: rules.length });
    await send(scheduleAndRefresh(id));
    return row;
  });
  return present(created, 0);
}

/**
 * A new address, another calendar, rules or shareDetails are read again at once, in full (the validators and the
 * kept objects are dropped). A new CalDAV login (a new app password after needs_reauth) is tried against the server
 * first, then read at once from where the last read left off.
 */
export async function updateCalendarSource(db: Db, outbox: SyncOutbox, config: Config, caller: Caller, sourceId: string, change: CalendarSourceChange) {
  const rules = change.rules ? checkedRules(change.rules) : undefined;
  const before = await ownSource(db, caller.userId, sourceId);
  checkKindFields(before.kind, change, false);
  if (change.destination && before.kind !== 'caldav') {
    throw new CalendarSourceError(400, 'destination: only a caldav calendar can be written to; an ics feed is read-only');
  }
  let sealed: Prisma.CalendarSourceUpdateInput = {};
  let newAccess = false;
  let newCalendar = false;
  if (before.kind === 'ics' && change.url !== undefined) {
    sealed = sealFeed(config, caller.userId, sourceId, change.url);
    newAccess = newCalendar = true;
  } else if (before.kind === 'caldav' && CALDAV_FIELDS.some((field) => change[field] !== undefined)) {
    const held = openCalDavCredentials(config, before);
    // Another server means its calendars: the one to read is picked again unless named.
    const calendarUrl = change.calendarUrl ?? (change.serverUrl === undefined ? held.calendarUrl : undefined);
    const login = { serverUrl: change.serverUrl ?? held.serverUrl, username: change.username ?? held.username, password: change.password ?? held.password };
    const next = await connectCalDav(config, before, { ...login, ...(calendarUrl !== undefined ? { calendarUrl } : {}) });
    newCalendar = openCalDavCredentials(config, { ...before, ...next }).calendarUrl !== held.calendarUrl;
    sealed = next;
    newAccess = true;
  }
  if (change.destination && !before.destination) {
    // The calendar to write to, with the login it will be written with (a new one given along, else the kept one).
    await asSourceError(() => checkDestinationCalendar(config, { ...before, ...(sealed as Partial<CalendarSource>) }), 'nothing was changed');
  }
  const updated = await outbox.transaction(db, caller.userId, async (tx, send) => {
    const current = await ownSource(tx, caller.userId, sourceId);
    const inFull = newCalendar || rules !== undefined || (change.shareDetails !== undefined && change.shareDetails !== current.shareDetails);
    const rereads = newAccess || inFull;
    const destinations = change.destination !== undefined && change.destination !== current.destination ? await switchDestination(tx, current, change.destination) : [];
    const row = await tx.calendarSource.update({
      where: { id: current.id },
      data: {
        ...(change.name !== undefined ? { name: change.name } : {}),
        ...(rules ? { rules: json(rules) } : {}),
        ...(change.shareDetails !== undefined ? { shareDetails: change.shareDetails } : {}),
        ...(change.destination !== undefined ? { destination: change.destination } : {}),
        ...sealed,
        // A new address or login is a new chance: its trouble is found again by the next read.
        ...(newAccess ? { status: 'ok' as const, lastError: null } : {}),
        ...(inFull ? { etag: null, lastModified: null, ctag: null, syncToken: null, objectsCiphertext: null, objectsKeyId: null } : {}),
      },
    });
    await audit(tx, caller, 'calendar.update', row, { fields: Object.keys(change).sort(), ...(newAccess ? { host: row.host } : {}) });
    if (rereads) await send([{ topic: 'calendar_refresh', sourceId }]);
    // A destination with a new login may be written to again; one switched on or off is written (or emptied) now.
    if (destinations.length || (newAccess && row.destination)) {
      const platformIds = destinations.length ? destinations : [calendarTargetId(sourceId)];
      await send([{ topic: 'sync_targets' }, { topic: 'sync', data: 'availability', manual: true, platformIds }]);
    }
    return row;
  });
  return presentWithCount(db, updated);
}

export async function refreshCalendarSourceNow(db: Db, outbox: SyncOutbox, caller: Caller, sourceId: string) {
  const source = await outbox.transaction(db, caller.userId, async (tx, send) => {
    const row = await ownSource(tx, caller.userId, sourceId);
    await audit(tx, caller, 'calendar.refresh', row, {});
    await send([{ topic: 'calendar_refresh', sourceId }]);
    return row;
  });
  return presentWithCount(db, source);
}

/**
 * Removes the source, everything it brought in (from every platform on the next push) and its schedule. Only when
 * confirmed: otherwise a 400 says how many entries would go, and nothing changes.
 */
export async function deleteCalendarSource(db: Db, outbox: SyncOutbox, caller: Caller, sourceId: string, { confirm }: { confirm: boolean }): Promise<{ removedEntries: number }> {
  return outbox.transaction(db, caller.userId, async (tx, send) => {
    const row = await ownSource(tx, caller.userId, sourceId);
    if (!confirm) {
      const [entries, written] = await Promise.all([
        tx.availability.count({ where: { calendarSourceId: sourceId, deletedAt: null } }),
        tx.platformAvailabilityState.count({ where: { userId: caller.userId, platformId: calendarTargetId(sourceId), confirmedDeleted: false, externalId: { not: null } } }),
      ]);
      // Its login goes with it, so castsync cannot remove its own events there afterwards: say so.
      const stay = written ? `; the ${written} events castsync wrote into it stay there (stop writing to it first to have them removed)` : '';
      throw new CalendarSourceError(400, `removing "${row.name}" also removes the ${entries} entries it brought in, from every platform${stay}: send confirm=true to go ahead`);
    }
    const removedEntries = await removeCalendarEntries(tx, send, caller.userId, sourceId);
    // What castsync wrote into it as the destination stays there (its login goes now); the record of it goes.
    await tx.platformAvailabilityState.deleteMany({ where: { userId: caller.userId, platformId: calendarTargetId(sourceId) } });
    await tx.calendarSource.delete({ where: { id: row.id } });
    await audit(tx, caller, 'calendar.delete', row, { host: row.host, removedEntries });
    await send([{ topic: 'calendar_schedule', sourceId }, ...(row.destination ? [{ topic: 'sync_targets' as const }] : [])]);
    return { removedEntries };
  });
}

/**
 * Makes the source the user's destination calendar (the one before stops being it) or stops it being one, under
 * the user's lock, so two requests at once leave one destination. The targets whose events change: written to now,
 * or emptied of castsync's events by their next push.
 */
async function switchDestination(tx: Prisma.TransactionClient, source: CalendarSource, destination: boolean): Promise<string[]> {
  await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${source.userId}::uuid FOR UPDATE`;
  if (!destination) return [calendarTargetId(source.id)];
  const before = await tx.calendarSource.findMany({ where: { userId: source.userId, destination: true, NOT: { id: source.id } }, select: { id: true } });
  await tx.calendarSource.updateMany({ where: { id: { in: before.map((s) => s.id) } }, data: { destination: false } });
  return [source.id, ...before.map((s) => s.id)].map(calendarTargetId);
}

const scheduleAndRefresh = (sourceId: string): OutboxMessageInput[] => [
  { topic: 'calendar_schedule', sourceId },
  { topic: 'calendar_refresh', sourceId },
];

type Reader = Pick<Db, 'calendarSource'> | Pick<Prisma.TransactionClient, 'calendarSource'>;

/** A 409 when the user has as many sources as allowed. */
async function belowCap(db: Reader, userId: string): Promise<void> {
  const count = await db.calendarSource.count({ where: { userId } });
  if (count >= MAX_SOURCES_PER_USER) throw new CalendarSourceError(409, `you have ${count} calendars; at most ${MAX_SOURCES_PER_USER} are allowed: remove one first`);
}

/** The user's own source, or a 404 (another user's source is not there for them). */
async function ownSource(db: Reader, userId: string, sourceId: string): Promise<CalendarSource> {
  const row = await db.calendarSource.findFirst({ where: { id: sourceId, userId } });
  if (!row) throw new CalendarSourceError(404, 'no such calendar');
  return row;
}

async function audit(tx: Prisma.TransactionClient, caller: Caller, action: 'calendar.add' | 'calendar.update' | 'calendar.refresh' | 'calendar.delete', row: CalendarSource, details: Prisma.InputJsonObject) {
  await recordAudit(tx, { userId: caller.userId, actor: 'user', action, target: row.id, requestId: caller.requestId, details: { name: row.name, ...details } });
}

async function presentWithCount(db: Db, row: CalendarSource) {
  const entries = await db.availability.count({ where: { calendarSourceId: row.id, deletedAt: null } });
  return present(row, entries);
}

/** What the API shows of a source: never its address or login, only the host. */
export function present(row: CalendarSource, entries: number) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    host: row.host,
    rules: row.rules as unknown as CalendarRule[],
    shareDetails: row.shareDetails,
    destination: row.destination,
    status: row.status,
    lastError: row.lastError,
    lastFetchedAt: row.lastFetchedAt?.toISOString() ?? null,
    lastChangedAt: row.lastChangedAt?.toISOString() ?? null,
    entries,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function json(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

// castsync's entries in a destination calendar the user picked: one object per entry, an all-day VEVENT written by
// lib/ics.ts (the mapping the ICS feed and the agency e-mails use) with castsync's UID, so an import recognises it
// (isCastsyncEvent) and never brings it back as a new block. Its address is derived from the entry's id, so a
// retried write finds its own object; an ETag the caller kept makes an update conditional (If-Match), and a change
// made meanwhile in the user's calendar app is reported as a conflict instead of being overwritten unasked.
import ical from 'ical-generator';
import ICAL from 'ical.js';
import { ensureTrailingSlash, propfind } from 'tsdav';
import { ErrorType } from '../../adapters/error-types.js';
import { PlatformError, errorForStatus } from '../../adapters/errors.js';
import { statusInWords } from '../../adapters/email/availability-words.js';
import type { AvailabilityItem } from '../../adapters/types.js';
import { addAvailabilityEvent, eventStatus, eventUid } from '../ics.js';
import { davAddress, davFailure, openSession, type CalDavAccount, type CalDavSession } from './caldav-http.js';

const UID_SUFFIX = eventUid('');

/** Whether an event's UID is one castsync wrote (lib/ics.ts's eventUid): such an event is never imported. */
export function isCastsyncEvent(uid: string): boolean {
  return uid.endsWith(UID_SUFFIX) && uid.length > UID_SUFFIX.length;
}

/** The entry's id back from a UID castsync wrote, else undefined. */
export function castsyncIdOf(uid: string): string | undefined {
  return isCastsyncEvent(uid) ? uid.slice(0, -UID_SUFFIX.length) : undefined;
}

/** Where an entry lives in a calendar: the same address for every write of it. */
export function eventHref(calendarUrl: string, ourId: string): string {
  return new URL(`castsync-${encodeURIComponent(ourId)}.ics`, ensureTrailingSlash(calendarUrl)).href;
}

/**
 * The entry as an iCalendar object: firm bookings CONFIRMED and options TENTATIVE with their rank and holder in
 * the title ("2. Option für Studio Hamburg"), blocked days unavailable; SEQUENCE is the entry's version.
 */
export function availabilityEventText(item: AvailabilityItem, now = new Date()): string {
  const calendar = ical({ prodId: { company: 'castsync', product: 'caldav', language: 'DE' } });
  addAvailabilityEvent(calendar, item, eventStatus(item), { summary: statusInWords(item), sequence: item.version ?? 0, stamp: now });
  return calendar.toString();
}

export interface PutTarget {
  calendarUrl: string;
  /** The address and ETag of the last write, when the caller kept them. */
  href?: string;
  etag?: string;
}

export type PutResult =
  | { outcome: 'created' | 'updated'; href: string; etag?: string }
  /** The object changed or went away in the calendar since `etag`, or another object holds the address: nothing written. */
  | { outcome: 'conflict'; href: string };

/**
 * Writes the entry. With an ETag: only over that version (If-Match). Without: creates (If-None-Match: *), and when
 * the address is taken by this very entry (a write whose answer was lost), updates it. `force` writes regardless.
 */
export async function putEvent(account: CalDavAccount, target: PutTarget, item: AvailabilityItem, options: { force?: boolean; now?: Date } = {}): Promise<PutResult> {
  const session = openSession(account);
  const href = davAddress(target.href ?? eventHref(target.calendarUrl, item.id), account.allowHttpHosts ?? [], 'the event address is').href;
  const body = availabilityEventText(item, options.now);
  if (options.force) return written(session, href, await put(session, href, body, {}), 'updated');
  if (target.etag) {
    const answer = await put(session, href, body, { 'if-match': target.etag });
    return answer.status === 412 ? { outcome: 'conflict', href } : written(session, href, answer, 'updated');
  }
  const created = await put(session, href, body, { 'if-none-match': '*' });
  if (created.status !== 412) return written(session, href, created, 'created');
  const existing = await readObject(session, href);
  if (!existing || uidOf(existing.text) !== eventUid(item.id)) return { outcome: 'conflict', href };
  const updated = await put(session, href, body, existing.etag ? { 'if-match': existing.etag } : {});
  return updated.status === 412 ? { outcome: 'conflict', href } : written(session, href, updated, 'updated');
}

export type RemoveResult = 'removed' | 'gone' | 'conflict';

/** Removes an object castsync wrote: already gone (404) is fine; changed since `etag` is a conflict, kept. */
export async function removeEvent(account: CalDavAccount, href: string, etag?: string): Promise<RemoveResult> {
  const session = openSession(account);
  const url = davAddress(href, account.allowHttpHosts ?? [], 'the event address is');
  const answer = await session.fetch(url.href, { method: 'DELETE', headers: { ...session.headers, ...(etag ? { 'if-match': etag } : {}) } });
  if (answer.status === 404 || answer.status === 410) return 'gone';
  if (answer.status === 412) return 'conflict';
  if (answer.ok) return 'removed';
  throw await refused(session, answer, 'remove the event');
}

/** The object at `href` as the calendar holds it now (text and ETag), or undefined when it is gone. */
export async function readEvent(account: CalDavAccount, href: string): Promise<{ text: string; etag?: string } | undefined> {
  const session = openSession(account);
  return readObject(session, davAddress(href, account.allowHttpHosts ?? [], 'the event address is').href);
}

async function put(session: CalDavSession, href: string, body: string, conditions: Record<string, string>): Promise<Response> {
  return session.fetch(href, { method: 'PUT', body, headers: { ...session.headers, 'content-type': 'text/calendar; charset=utf-8', ...conditions } });
}

async function written(session: CalDavSession, href: string, answer: Response, outcome: 'created' | 'updated'): Promise<PutResult> {
  if (!answer.ok) throw await refused(session, answer, 'write the event');
  await answer.body?.cancel();
  // Servers that change what they store (Google adds fields) send no ETag; it is asked for then.
  const etag = answer.headers.get('etag') ?? (await currentEtag(session, href));
  return { outcome: answer.status === 201 ? 'created' : outcome, href, ...(etag ? { etag } : {}) };
}

async function currentEtag(session: CalDavSession, href: string): Promise<string | undefined> {
  try {
    const [answer] = await propfind({ url: href, props: { 'd:getetag': {} }, depth: '0', headers: session.headers, fetch: session.fetch });
    const etag: unknown = answer?.ok ? answer.props?.getetag : undefined;
    return etag == null || typeof etag === 'object' ? undefined : String(etag);
  } catch (error) {
    throw davFailure(session, error, () => new PlatformError(ErrorType.client, `${session.name} did not say the written event's ETag`, false), false);
  }
}

async function readObject(session: CalDavSession, href: string): Promise<{ text: string; etag?: string } | undefined> {
  const answer = await session.fetch(href, { method: 'GET', headers: session.headers });
  if (answer.status === 404) return undefined;
  if (!answer.ok) throw await refused(session, answer, 'read the event');
  const etag = answer.headers.get('etag');
  return { text: await answer.text(), ...(etag ? { etag } : {}) };
}

function uidOf(text: string): string | undefined {
  try {
    const uid: unknown = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent')?.getFirstPropertyValue('uid');
    return typeof uid === 'string' ? uid : undefined;
  } catch {
    return undefined;
  }
}

/** 403 on a write is a calendar this account may only read, not a refusal of the credentials. */
async function refused(session: CalDavSession, answer: Response, what: string): Promise<PlatformError> {
  const body = await answer.text().catch(() => '');
  if (answer.status === 403) {
    return new PlatformError(ErrorType.client, `${session.name} does not let this account ${what} (403): pick a calendar it may write to`, false, { status: 403 });
  }
  if (answer.status === 404 || answer.status === 409) {
    // RFC 4918 9.7.1: 409 for a PUT into a collection that does not exist; RFC 4791's no-uid-conflict is a 409 too.
    const why = 'the calendar is gone, or holds this event under another address';
    return new PlatformError(ErrorType.client, `${session.name} could not ${what} (${answer.status}: ${why}); pick the destination calendar again`, false, { status: answer.status });
  }
  return errorForStatus(session.name, answer.status, body.slice(0, 2048));
}

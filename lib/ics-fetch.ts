// Fetches a subscribed ICS feed (Google's secret address, an agency tool's feed) with undici: conditional requests
// so an unchanged feed costs one 304 and no parse, a size and a time limit, https only (plain http for hosts the
// caller allows, such as local test servers), only public addresses (lib/public-address.ts: no probing of
// castsync's own network; the allowed hosts are exempt), redirects followed a few times and checked again at every hop.
// Failures are the adapters' PlatformErrors, so activities classify them like a platform's. Messages name the
// feed's host only: a feed's path is often its secret.
import { Agent, request, errors as undiciErrors, type Dispatcher } from 'undici';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError, errorForStatus, networkError } from '../adapters/errors.js';
import { isNonPublicAddress, NonPublicAddressError, publicOnlyLookup } from './public-address.js';

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_REDIRECTS = 3;

/** What feeds are served as: text/calendar as they should be, and what servers of plain files fall back to. */
const CALENDAR_TYPES = new Set(['text/calendar', 'text/plain', 'application/octet-stream', 'application/ics', 'text/x-vcalendar']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One connection pool per set of allowed hosts; every other host must resolve to a public address. Also the
 * dispatcher of the CalDAV client's requests (lib/calendars/caldav-http.ts).
 */
const agents = new Map<string, Agent>();
export function agentFor(allowedHosts: readonly string[]): Agent {
  const key = JSON.stringify([...allowedHosts].sort());
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ keepAliveTimeout: 10_000, connections: 16, connect: { lookup: publicOnlyLookup(allowedHosts.map((host) => host.replace(/:\d+$/, ''))) } });
    agents.set(key, agent);
  }
  return agent;
}

/** Validators of the last successful fetch, sent back so that an unchanged feed answers 304. */
export interface FeedValidators {
  etag?: string;
  lastModified?: string;
}

export interface IcsFetchOptions {
  previous?: FeedValidators;
  maxBytes?: number;
  /** For the whole fetch, redirects and body included. */
  timeoutMs?: number;
  maxRedirects?: number;
  /** Hosts ('localhost', '127.0.0.1', or with a port: '127.0.0.1:8080') that may be fetched over plain http. */
  allowHttpHosts?: readonly string[];
  dispatcher?: Dispatcher;
}

export type IcsFetchResult = { notModified: true } | ({ notModified: false; text: string } & FeedValidators);

export type FeedRefresh<T> = { notModified: true } | ({ notModified: false; calendar: T } & FeedValidators);

/** Fetches, and parses only a changed feed: a 304 costs no parse. */
export async function refreshIcsFeed<T>(url: string, parse: (text: string) => T, options: IcsFetchOptions = {}): Promise<FeedRefresh<T>> {
  const fetched = await fetchIcs(url, options);
  if (fetched.notModified) return fetched;
  const { text, ...validators } = fetched;
  return { ...validators, calendar: parse(text) };
}

export async function fetchIcs(url: string, options: IcsFetchOptions = {}): Promise<IcsFetchResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let target = feedUrl(url, options.allowHttpHosts ?? []);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  try {
    for (let redirects = 0; ; redirects++) {
      const feed = feedName(target);
      const headers: Record<string, string> = { accept: 'text/calendar, text/plain;q=0.9, */*;q=0.1', 'user-agent': 'castsync (calendar subscription)' };
      if (options.previous?.etag) headers['if-none-match'] = options.previous.etag;
      if (options.previous?.lastModified) headers['if-modified-since'] = options.previous.lastModified;
      if (target.username || target.password) {
        headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      }
      const plain = new URL(target);
      plain.username = '';
      plain.password = '';
      let response: Dispatcher.ResponseData;
      try {
        response = await request(plain, {
          method: 'GET',
          headers,
          signal: deadline.signal,
          dispatcher: options.dispatcher ?? agentFor(options.allowHttpHosts ?? []),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
      } catch (error) {
        throw transportError(feed, error, deadline.signal.aborted, timeoutMs);
      }
      const { statusCode, headers: answer } = response;
      if (REDIRECTS.has(statusCode)) {
        await discard(response);
        const location = header(answer, 'location');
        if (!location) throw new PlatformError(ErrorType.server, `${feed} answered ${statusCode} without a Location to follow`, true, { status: statusCode });
        if (redirects >= maxRedirects) {
          throw new PlatformError(ErrorType.client, `${feed} redirected more than ${maxRedirects} times; subscribe to the address it ends at`, false, { status: statusCode });
        }
        target = feedUrl(new URL(location, target).toString(), options.allowHttpHosts ?? [], `${feed} redirected to`);
        continue;
      }
      if (statusCode === 304) {
        await discard(response);
        return { notModified: true };
      }
      if (statusCode < 200 || statusCode >= 300) {
        const body = await readLimited(response, 2048, feed, deadline.signal, timeoutMs, false);
        throw errorForStatus(feed, statusCode, body, answer);
      }
      const type = (header(answer, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (type && !CALENDAR_TYPES.has(type)) {
        await discard(response);
        throw new PlatformError(ErrorType.client, `${feed} answered ${type}, not a calendar (text/calendar): check the address`, false, { status: statusCode });
      }
      const length = Number(header(answer, 'content-length'));
      if (Number.isFinite(length) && length > maxBytes) {
        await discard(response);
        throw tooLarge(feed, maxBytes);
      }
      const text = await readLimited(response, maxBytes, feed, deadline.signal, timeoutMs, true);
      const etag = header(answer, 'etag');
      const lastModified = header(answer, 'last-modified');
      return { notModified: false, text, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The address to fetch, or a validation error: https, or http to an allowed host. webcal:// (what calendar apps
 * put behind "subscribe" links) means the same address over https.
 */
export function feedUrl(address: string, allowHttpHosts: readonly string[], context = 'the feed address is'): URL {
  let url: URL;
  try {
    url = new URL(address.trim().replace(/^webcals?:\/\//i, 'https://'));
  } catch {
    throw new PlatformError(ErrorType.validation, `${context} not a valid URL`, false);
  }
  const allowed = httpAllowed(url, allowHttpHosts);
  if (url.protocol === 'http:' && !allowed) throw new PlatformError(ErrorType.validation, `${context} http://${url.host}: only https:// calendar feeds are allowed`, false);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PlatformError(ErrorType.validation, `${context} a ${url.protocol} address: only https:// calendar feeds are allowed`, false);
  }
  // An address inside castsync's own network is refused (SSRF); a name is checked when it is resolved (agentFor).
  if (!allowed && isNonPublicAddress(url.hostname)) {
    throw new PlatformError(ErrorType.validation, `${context} ${url.host}, which is not a public address: castsync reads calendar feeds on the public internet only`, false);
  }
  return url;
}

/** Plain http is for hosts the caller lists (tests, local servers), by name or by name and port. */
export function httpAllowed(url: URL, allowHttpHosts: readonly string[]): boolean {
  return allowHttpHosts.includes(url.hostname) || allowHttpHosts.includes(url.host);
}

function feedName(url: URL): string {
  return `calendar feed at ${url.host}`;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function tooLarge(feed: string, maxBytes: number): PlatformError {
  return new PlatformError(ErrorType.client, `${feed} is larger than the limit of ${formatBytes(maxBytes)}; not imported`, false);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB` : `${bytes} bytes`;
}

/** The body as UTF-8 (RFC 5545's charset), stopping past `maxBytes`: an error, or for an error page just the start. */
async function readLimited(
  response: Dispatcher.ResponseData,
  maxBytes: number,
  feed: string,
  signal: AbortSignal,
  timeoutMs: number,
  failPastLimit: boolean,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBytes) {
        response.body.destroy();
        if (failPastLimit) throw tooLarge(feed, maxBytes);
        chunks.push(buffer.subarray(0, maxBytes - (size - buffer.length)));
        break;
      }
      chunks.push(buffer);
    }
  } catch (error) {
    if (error instanceof PlatformError) throw error;
    throw transportError(feed, error, signal.aborted, timeoutMs);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

async function discard(response: Dispatcher.ResponseData): Promise<void> {
  try {
    await response.body.dump({ limit: 64 * 1024 });
  } catch {
    // the connection is dropped instead: nothing of the body is needed
  }
}

function transportError(feed: string, error: unknown, deadlinePassed: boolean, timeoutMs: number): PlatformError {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof NonPublicAddressError) {
      return new PlatformError(ErrorType.validation, `${feed} is not on a public address: castsync reads calendar feeds on the public internet only`, false);
    }
  }
  if (
    deadlinePassed ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new PlatformError(ErrorType.timeout, `${feed} did not send the whole feed within ${timeoutMs / 1000} s`, true);
  }
  const code = (error as { code?: string }).code;
  return networkError(feed, code ?? (error instanceof Error ? error.message : String(error)));
}

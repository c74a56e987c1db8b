// The HTTP under tsdav for a CalDAV account: tsdav takes a `fetch` to use, and ours checks every address (https,
// plain http only for listed hosts, also after a redirect, so an app password never travels in the clear to a
// host nobody allowed), puts a time limit on each request, and turns what is plainly a failure of the connection
// into the adapters' PlatformErrors: network and timeout, 5xx and 429 retryable, 401 a refusal of the credentials.
// Everything else (403, 404, 412, a 207 without what was asked) depends on the request and is read by the callers.
// Messages name the server's host only, never the password or a calendar's path.
import { ErrorType } from '../../adapters/error-types.js';
import { PlatformError, errorForStatus, networkError } from '../../adapters/errors.js';
import { agentFor, httpAllowed } from '../ics-fetch.js';
import { isNonPublicAddress, NonPublicAddressError } from '../public-address.js';

export const DEFAULT_TIMEOUT_MS = 20_000;
/**
 * Larger answers are refused when the caller sets no limit (calendar sources pass CASTSYNC_CALENDAR_MAX_BYTES): a
 * calendar's objects are kilobytes; this is about 10,000 ordinary events.
 */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A CalDAV account as the user connects it: a server address (or their principal's), username, app password. */
export interface CalDavAccount {
  serverUrl: string;
  username: string;
  password: string;
  /** Hosts ('localhost', '127.0.0.1', or with a port) that may be reached over plain http: tests, local servers. */
  allowHttpHosts?: readonly string[];
  /** Per request, its body included. */
  timeoutMs?: number;
  maxBytes?: number;
}

/** What one operation on an account uses: tsdav's `headers` and `fetch` parameters, and the server's name. */
export interface CalDavSession {
  /** "CalDAV server at host": what messages name. */
  name: string;
  server: URL;
  headers: Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
  /** The last answer that was no success and no redirect, for reading tsdav's plain Errors. */
  lastFailure?: number;
}

export function openSession(account: CalDavAccount): CalDavSession {
  const server = davAddress(account.serverUrl, account.allowHttpHosts ?? [], 'the CalDAV server address is');
  const session: CalDavSession = {
    name: `CalDAV server at ${server.host}`,
    server,
    headers: { authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}` },
    fetch: (input, init) => guardedFetch(session, account, input, init),
    timeoutMs: account.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  return session;
}

/** The address to use, or a validation error: https, or http to an allowed host. */
export function davAddress(address: string, allowHttpHosts: readonly string[], context: string): URL {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    throw new PlatformError(ErrorType.validation, `${context} not a valid URL`, false);
  }
  if (url.username || url.password) {
    throw new PlatformError(ErrorType.validation, `${context} a URL with credentials in it: give the username and app password apart`, false);
  }
  const allowed = httpAllowed(url, allowHttpHosts);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowed)) {
    throw new PlatformError(ErrorType.validation, `${context} ${url.protocol}//${url.host}: only https:// CalDAV servers are allowed`, false);
  }
  // An address inside castsync's own network is refused (SSRF), as for an ICS feed; a name is checked when it is
  // resolved for the connection (the dispatcher's lookup, lib/public-address.ts), so an app password never goes there.
  if (!allowed && isNonPublicAddress(url.hostname)) {
    throw new PlatformError(ErrorType.validation, `${context} ${url.host}, which is not a public address: castsync reads calendars on the public internet only`, false);
  }
  return url;
}

async function guardedFetch(session: CalDavSession, account: CalDavAccount, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const timeoutMs = session.timeoutMs;
  const maxBytes = account.maxBytes ?? DEFAULT_MAX_BYTES;
  // tsdav asks for manual redirects where it reads them itself (the well-known address); the others are followed
  // here, with the same method and body (a WebDAV server redirects a collection to its address with a slash).
  const followHere = init.redirect !== 'manual';
  let url = davAddress(input instanceof Request ? input.url : String(input), account.allowHttpHosts ?? [], `${session.name} sent us to`);
  for (let redirects = 0; ; redirects++) {
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      // Node's fetch is undici's: the dispatcher's lookup refuses names that resolve to a non-public address.
      const dispatcher = agentFor(account.allowHttpHosts ?? []);
      response = await fetch(url, { ...init, redirect: 'manual', signal, dispatcher } as RequestInit);
    } catch (error) {
      throw transportError(session.name, error, timeoutMs);
    }
    const location = response.headers.get('location');
    if (followHere && REDIRECTS.has(response.status) && location) {
      await response.body?.cancel();
      if (redirects >= MAX_REDIRECTS) throw new PlatformError(ErrorType.client, `${session.name} redirected more than ${MAX_REDIRECTS} times`, false, { status: response.status });
      url = davAddress(new URL(location, url).href, account.allowHttpHosts ?? [], `${session.name} redirected to`);
      continue;
    }
    const length = Number(response.headers.get('content-length'));
    if (Number.isFinite(length) && length > maxBytes) {
      await response.body?.cancel();
      throw tooLarge(session, maxBytes, response.status);
    }
    if (response.status >= 400) session.lastFailure = response.status;
    if (response.status === 401) {
      await response.body?.cancel();
      throw credentialsRefused(session, 401);
    }
    if (response.status === 429 || response.status >= 500) {
      const body = await response.text().catch(() => '');
      throw errorForStatus(session.name, response.status, body.slice(0, 2048), Object.fromEntries(response.headers));
    }
    return limited(response, maxBytes, () => tooLarge(session, maxBytes, response.status));
  }
}

function tooLarge(session: CalDavSession, maxBytes: number, status: number): PlatformError {
  return new PlatformError(ErrorType.client, `${session.name} sent an answer larger than the limit of ${formatLimit(maxBytes)}`, false, { status });
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** The limit as a person reads it: 5 MiB, 64 KiB, 100 bytes. */
function formatLimit(bytes: number): string {
  if (bytes >= MIB) return `${Math.round((bytes / MIB) * 10) / 10} MiB`;
  return bytes >= KIB ? `${Math.round((bytes / KIB) * 10) / 10} KiB` : `${bytes} bytes`;
}

/** The answer with a body that fails past `maxBytes` as it is read (tsdav reads it), for answers without a length. */
function limited(response: Response, maxBytes: number, error: () => PlatformError): Response {
  if (!response.body) return response;
  let size = 0;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) controller.error(error());
        else controller.enqueue(chunk);
      },
    }),
  );
  const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  // tsdav names an answer by its address (Response.url, which a constructed Response does not have).
  Object.defineProperty(copy, 'url', { value: response.url });
  return copy;
}

/** Only a clear refusal: 401 on any request, 403 where the account's own calendars were asked for. */
export function credentialsRefused(session: CalDavSession, status: 401 | 403): PlatformError {
  const why = status === 401 ? 'wrong username or app password' : 'access to the calendars refused';
  return new PlatformError(ErrorType.auth, `${session.name} refused the credentials (${status}: ${why}); connect the calendar again`, false, { status });
}

/**
 * A tsdav call that failed: our PlatformErrors as they are; a plain Error after a 403 as a refusal of the
 * credentials (when `forbiddenIsAuth`); anything else as `otherwise`, which says what the server failed to be.
 */
export function davFailure(session: CalDavSession, error: unknown, otherwise: () => PlatformError, forbiddenIsAuth = true): PlatformError {
  if (error instanceof PlatformError) return error;
  // The time limit or a dropped connection while tsdav read a body reaches us as the body's own error.
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError' || error.message === 'terminated')) {
    return transportError(session.name, error, session.timeoutMs);
  }
  if (forbiddenIsAuth && session.lastFailure === 403) return credentialsRefused(session, 403);
  return otherwise();
}

function transportError(name: string, error: unknown, timeoutMs: number): PlatformError {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof NonPublicAddressError) {
      return new PlatformError(ErrorType.validation, `${name} is not on a public address: castsync reads calendars on the public internet only`, false);
    }
  }
  const cause = error instanceof Error ? error : undefined;
  if (cause?.name === 'TimeoutError' || cause?.name === 'AbortError') {
    return new PlatformError(ErrorType.timeout, `${name} did not answer within ${timeoutMs / 1000} s`, true);
  }
  const code = (cause?.cause as { code?: string } | undefined)?.code ?? (cause as { code?: string } | undefined)?.code;
  return networkError(name, code ?? cause?.message ?? String(error));
}

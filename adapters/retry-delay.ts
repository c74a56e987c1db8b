// The one place where a platform's answer becomes a retry delay. A refusing platform (429, or 503 as RFC 9110 15.6.4
// allows) may say how long to wait in Retry-After (RFC 9110 10.2.3), in RateLimit-Reset (the older rate-limit header
// drafts, and Filmmakers) or in the `t` of the single structured RateLimit header (draft-ietf-httpapi-ratelimit-headers
// from its 07 revision on); whatever it says, the wait is clamped to the catalog's maxRetryWaitMs and never below zero, so no header, however wrong,
// parks a sync for longer than a few minutes. The reason text goes into the error message, and from there into the
// sync log and the connection's status (activities/failures.ts).
import { parseList } from 'structured-headers';
import { getPlatform, isPlatformId, type PlatformEntry, type PlatformId } from './catalog.js';

/** Longest wait a platform's header may ask for, unless its catalog entry sets maxRetryWaitMs. */
export const DEFAULT_MAX_RETRY_WAIT_MS = 5 * 60_000;

/**
 * A RateLimit-Reset at or above this is a Unix timestamp in seconds, below it seconds from now. 10^9 s is
 * 2001-09-09 as a timestamp and 31 years as a delta: no quota window is that long, and no server clock is that old,
 * so the two readings cannot meet. (A timestamp in milliseconds reads as a timestamp far in the future and is capped.)
 */
export const RESET_TIMESTAMP_THRESHOLD_SECONDS = 1e9;

/**
 * Whose wait limit applies: a platform id, or what an adapter holds of its catalog entry (the entry itself, or a
 * PortalSite, which carries the entry's maxRetryWaitMs). Not the display name: names are for people.
 */
export type RetryWaitLimit = PlatformId | Pick<PlatformEntry, 'maxRetryWaitMs'>;

/** Answer headers by lower-case name, as undici gives them (Playwright's allHeaders() too). */
export type AnswerHeaders = Record<string, string | string[] | null | undefined>;

export interface RetryDelay {
  /**
   * Milliseconds to wait before the next attempt: 0 ..= the platform's maximum. 0 (a time already past) leaves the
   * retry policy's backoff in charge (activities/failures.ts): when our clock runs ahead of the platform's, each
   * 429 names a reset that looks past to us, and retrying at once would spend every attempt in a tight loop.
   */
  delayMs: number;
  /**
   * In words, for the sync log (after "<platform> rate limit reached (429): "): which header asked for what, and
   * when the next attempt is, e.g. "asked to wait until 14:35:00 UTC (RateLimit-Reset: 1597048500); next attempt in 4 min 12 s".
   */
  reason: string;
}

interface AskedWait {
  /** What the platform asked for, in milliseconds from now (may be negative: a time already past). */
  askedMs: number;
  /** "asked to wait 30 s" / "asked to wait until 14:35:00 UTC", with the header quoted. */
  asked: string;
}

/**
 * The delay a platform's refusal asks for, or undefined when it sent no readable Retry-After, RateLimit-Reset or
 * RateLimit (the retry policy's backoff applies then). Several present: Retry-After wins. It is the standard's
 * answer to this very request, where the rate-limit headers describe quota windows (a server may have several, and
 * the drafts say Retry-After takes precedence); an unreadable one falls back to the next: RateLimit-Reset (the
 * older drafts' field), then the newer drafts' structured RateLimit.
 */
export function retryDelayOf(platform: RetryWaitLimit, headers: AnswerHeaders, now = Date.now()): RetryDelay | undefined {
  const wait =
    retryAfterWait(first(headers['retry-after']), now) ??
    rateLimitResetWait(first(headers['ratelimit-reset']), now) ??
    structuredRateLimitWait(joined(headers.ratelimit));
  if (!wait) return undefined;
  const maxMs = maxRetryWaitMsOf(platform);
  const delayMs = Math.min(Math.max(0, Math.ceil(wait.askedMs)), maxMs);
  const outcome =
    wait.askedMs > maxMs
      ? `capped at ${formatDuration(maxMs)}: next attempt in ${formatDuration(maxMs)}`
      : delayMs === 0
        ? `${wait.askedMs < 0 ? 'that time has passed: ' : ''}next attempt after the retry policy's backoff`
        : `next attempt in ${formatDuration(delayMs)}`;
  return { delayMs, reason: `${wait.asked}; ${outcome}` };
}

/** The catalog's maxRetryWaitMs of the platform, else the default. */
export function maxRetryWaitMsOf(platform: RetryWaitLimit): number {
  const entry: Pick<PlatformEntry, 'maxRetryWaitMs'> | undefined =
    typeof platform === 'string' ? (isPlatformId(platform) ? getPlatform(platform) : undefined) : platform;
  return entry?.maxRetryWaitMs ?? DEFAULT_MAX_RETRY_WAIT_MS;
}

/** RFC 9110: delta-seconds (1*DIGIT; a decimal is read too) or an HTTP-date in any of its three forms. */
function retryAfterWait(value: string | undefined, now: number): AskedWait | undefined {
  if (value === undefined) return undefined;
  const header = `Retry-After: ${value}`;
  const seconds = deltaSeconds(value);
  if (seconds !== undefined) return { askedMs: seconds * 1000, asked: `asked to wait ${formatDuration(seconds * 1000)} (${header})` };
  const at = httpDate(value);
  if (at === undefined) return undefined;
  return { askedMs: at - now, asked: `asked to wait until ${formatInstant(at, now)} (${header})` };
}

/**
 * RateLimit-Reset is read two ways, because its writers disagree: the IETF drafts (and most gateways) send
 * delta-seconds until the quota resets; Filmmakers documents a Unix timestamp (docs/rate-limits.md of its API
 * documentation: `Ratelimit-Reset: 1597048500`). RESET_TIMESTAMP_THRESHOLD_SECONDS tells them apart. A timestamp
 * already past (the quota reset meanwhile, or the clocks differ) waits nothing; one far ahead is capped.
 */
function rateLimitResetWait(value: string | undefined, now: number): AskedWait | undefined {
  if (value === undefined) return undefined;
  const header = `RateLimit-Reset: ${value}`;
  const seconds = deltaSeconds(value);
  if (seconds === undefined) return undefined;
  if (seconds < RESET_TIMESTAMP_THRESHOLD_SECONDS) {
    return { askedMs: seconds * 1000, asked: `asked to wait ${formatDuration(seconds * 1000)} (${header})` };
  }
  const at = seconds * 1000;
  return { askedMs: at - now, asked: `asked to wait until ${formatInstant(at, now)} (${header})` };
}

/**
 * The newer drafts' single RateLimit field (draft-ietf-httpapi-ratelimit-headers-07 on): an RFC 9651 List of quota
 * policies, each naming the policy with parameters, `r` the remaining quota and `t` the seconds until it resets,
 * e.g. `RateLimit: "default";r=0;t=30`, parsed with structured-headers. A server may name several policies; the
 * wait is for the exhausted ones (r=0), the longest of them, since the request waits for every one it ran out of;
 * none exhausted (or no `r` given), the longest `t` of all. A field that does not parse, or has no usable `t`, is
 * no answer.
 */
function structuredRateLimitWait(value: string | undefined): AskedWait | undefined {
  if (value === undefined) return undefined;
  let members: ReturnType<typeof parseList>;
  try {
    members = parseList(value);
  } catch {
    return undefined;
  }
  const policies = members.flatMap(([, params]) => {
    const t = params.get('t');
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) return [];
    return [{ seconds: t, exhausted: params.get('r') === 0 }];
  });
  if (!policies.length) return undefined;
  const exhausted = policies.filter((p) => p.exhausted);
  const seconds = Math.max(...(exhausted.length ? exhausted : policies).map((p) => p.seconds));
  return { askedMs: seconds * 1000, asked: `asked to wait ${formatDuration(seconds * 1000)} (RateLimit: ${value.trim()})` };
}

/** A non-negative number of seconds; anything else (negative, words, a date) is undefined. */
function deltaSeconds(value: string): number | undefined {
  const text = value.trim();
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
}

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * The three HTTP-date forms a recipient must read (RFC 9110 5.6.7), matched strictly first: Date.parse alone takes
 * "-3" or "5.5" for dates in 2001. asctime carries no zone but is UTC; Date.parse would read it as local time.
 */
function httpDate(value: string): number | undefined {
  const text = value.trim();
  let at: number;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) at = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`);
  else return undefined;
  return Number.isNaN(at) ? undefined : at;
}

/** A List field sent as several lines is one list (RFC 9110 5.3). */
function joined(value: string | string[] | null | undefined): string | undefined {
  return first(Array.isArray(value) ? value.join(', ') : value);
}

function first(value: string | string[] | null | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === null || text === undefined || text.trim() === '' ? undefined : text;
}

/** "45 s", "4 min 12 s", "2 h 5 min", "3 d": the largest unit and the next one when it is not zero. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'forever';
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const units: [string, number][] = [['d', 86_400], ['h', 3600], ['min', 60], ['s', 1]];
  const largest = units.findIndex(([, size]) => seconds >= size);
  if (largest < 0) return '0 s';
  const [unit, size] = units[largest]!;
  const text = `${Math.floor(seconds / size)} ${unit}`;
  const next = units[largest + 1];
  const rest = next ? Math.floor((seconds % size) / next[1]) : 0;
  return rest > 0 ? `${text} ${rest} ${next![0]}` : text;
}

/** "14:35:00 UTC" on the same UTC day as now, else "2020-08-10 08:35:00 UTC". */
export function formatInstant(at: number, now: number): string {
  if (Number.isNaN(new Date(at).getTime())) return 'a time beyond the calendar';
  const iso = new Date(at).toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  return day === new Date(now).toISOString().slice(0, 10) ? `${time} UTC` : `${day} ${time} UTC`;
}

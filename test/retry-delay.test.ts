// adapters/retry-delay.ts: every form a platform may ask for a wait in (Retry-After as seconds or an HTTP date,
// RateLimit-Reset as seconds or a Unix timestamp, the newer drafts' structured RateLimit), garbage ignored, and every
// wait clamped to the catalog's maximum; a 503 that says when to come back waits as long as a 429 would.
// A fixed `now`, so no test depends on the clock.
import { describe, expect, it } from 'vitest';
import { platformCatalog } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { portalSite } from '../adapters/browser/portal-tab.js';
import { errorForStatus } from '../adapters/errors.js';
import { toApplicationFailure } from '../activities/failures.js';
import { DEFAULT_MAX_RETRY_WAIT_MS, formatDuration, maxRetryWaitMsOf, retryDelayOf } from '../adapters/retry-delay.js';

/** 2020-08-10 08:30:48 UTC: 4 min 12 s before the reset in the Filmmakers documentation's example (1597048500). */
const NOW = (1597048500 - 252) * 1000;
const PLATFORM = 'etalenta'; // the default maximum (no maxRetryWaitMs in its catalog entry)

describe('retryDelayOf', () => {
  it('reads Retry-After as delta-seconds', () => {
    expect(retryDelayOf(PLATFORM, { 'retry-after': '30' }, NOW)).toEqual({
      delayMs: 30_000,
      reason: 'asked to wait 30 s (Retry-After: 30); next attempt in 30 s',
    });
  });

  it('reads Retry-After as an HTTP date in each form RFC 9110 names; a date already past waits nothing', () => {
    const inNinety = new Date(NOW + 90_000).toUTCString(); // IMF-fixdate: "Mon, 10 Aug 2020 08:32:18 GMT"
    expect(retryDelayOf(PLATFORM, { 'retry-after': inNinety }, NOW)).toEqual({
      delayMs: 90_000,
      reason: `asked to wait until 08:32:18 UTC (Retry-After: ${inNinety}); next attempt in 1 min 30 s`,
    });
    expect(retryDelayOf(PLATFORM, { 'retry-after': 'Monday, 10-Aug-20 08:31:48 GMT' }, NOW)?.delayMs).toBe(60_000); // RFC 850
    // asctime has no zone and is UTC (Date.parse alone would read it as local time).
    expect(retryDelayOf(PLATFORM, { 'retry-after': 'Mon Aug 10 08:31:18 2020' }, NOW)?.delayMs).toBe(30_000);
    expect(retryDelayOf(PLATFORM, { 'retry-after': 'Mon, 10 Aug 2020 08:00:00 GMT' }, NOW)).toEqual({
      delayMs: 0,
      reason: "asked to wait until 08:00:00 UTC (Retry-After: Mon, 10 Aug 2020 08:00:00 GMT); that time has passed: next attempt after the retry policy's backoff",
    });
  });

  it('reads RateLimit-Reset below 10^9 as seconds until the reset (the IETF drafts)', () => {
    expect(retryDelayOf(PLATFORM, { 'ratelimit-reset': '45' }, NOW)).toEqual({
      delayMs: 45_000,
      reason: 'asked to wait 45 s (RateLimit-Reset: 45); next attempt in 45 s',
    });
  });

  it("reads RateLimit-Reset as a Unix timestamp: the Filmmakers documentation's example", () => {
    expect(retryDelayOf('filmmakers', { 'ratelimit-limit': '300', 'ratelimit-remaining': '0', 'ratelimit-reset': '1597048500' }, NOW)).toEqual({
      delayMs: 252_000,
      reason: 'asked to wait until 08:35:00 UTC (RateLimit-Reset: 1597048500); next attempt in 4 min 12 s',
    });
    // Read as seconds (the old reading) it would have been 50 years; read today, the documented instant is long past.
    expect(retryDelayOf('filmmakers', { 'ratelimit-reset': '1597048500' }, Date.UTC(2026, 11, 7))).toMatchObject({
      delayMs: 0,
      reason: expect.stringContaining('until 2020-08-10 08:35:00 UTC'),
    });
  });

  it('prefers Retry-After when both are present, and falls back to RateLimit-Reset when Retry-After is unreadable', () => {
    expect(retryDelayOf(PLATFORM, { 'retry-after': '10', 'ratelimit-reset': '1597048500' }, NOW)?.delayMs).toBe(10_000);
    expect(retryDelayOf(PLATFORM, { 'retry-after': 'soon', 'ratelimit-reset': '20' }, NOW)?.delayMs).toBe(20_000);
  });

  it('caps a huge wait at the catalog maximum and says so', () => {
    expect(retryDelayOf(PLATFORM, { 'retry-after': '100000' }, NOW)).toEqual({
      delayMs: DEFAULT_MAX_RETRY_WAIT_MS,
      reason: 'asked to wait 1 d 3 h (Retry-After: 100000); capped at 5 min: next attempt in 5 min',
    });
    // A timestamp far ahead (or one sent in milliseconds), and a number too long for a double.
    expect(retryDelayOf(PLATFORM, { 'ratelimit-reset': String(NOW + 3_600_000) }, NOW)?.delayMs).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
    expect(retryDelayOf(PLATFORM, { 'retry-after': '9'.repeat(400) }, NOW)?.delayMs).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
  });

  it('ignores negative, empty and garbage values: no delay, so the retry policy decides', () => {
    for (const value of ['-5', '', '  ', 'soon', '5 s', '1e3', '-3', '5.5.5', 'Mon, 99 Foo 2020 08:00:00 GMT']) {
      expect(retryDelayOf(PLATFORM, { 'retry-after': value, 'ratelimit-reset': value }, NOW), value).toBeUndefined();
    }
    expect(retryDelayOf(PLATFORM, {}, NOW)).toBeUndefined();
    // A decimal is still seconds; a repeated header counts by its first value.
    expect(retryDelayOf(PLATFORM, { 'retry-after': '1.5' }, NOW)?.delayMs).toBe(1500);
    expect(retryDelayOf(PLATFORM, { 'retry-after': '0' }, NOW)).toEqual({
      delayMs: 0,
      reason: "asked to wait 0 s (Retry-After: 0); next attempt after the retry policy's backoff",
    });
    expect(retryDelayOf(PLATFORM, { 'retry-after': ['3', '600'] }, NOW)?.delayMs).toBe(3000);
  });

  it("takes the maximum from the platform's catalog entry when it sets one", () => {
    expect(platformCatalog.filmmakers.maxRetryWaitMs).toBe(6 * 60_000);
    // By id, or by what an adapter holds of the entry (the entry itself, a PortalSite).
    expect(maxRetryWaitMsOf('filmmakers')).toBe(6 * 60_000);
    expect(maxRetryWaitMsOf(platformCatalog.filmmakers)).toBe(6 * 60_000);
    expect(maxRetryWaitMsOf(portalSite(platformCatalog.filmmakers, 'http://portal.test'))).toBe(6 * 60_000);
    expect(maxRetryWaitMsOf('etalenta')).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
    expect(maxRetryWaitMsOf({})).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
    const asked = { delayMs: 6 * 60_000, reason: 'asked to wait 1 h (Retry-After: 3600); capped at 6 min: next attempt in 6 min' };
    expect(retryDelayOf('filmmakers', { 'retry-after': '3600' }, NOW)).toEqual(asked);
    expect(retryDelayOf(platformCatalog.filmmakers, { 'retry-after': '3600' }, NOW)).toEqual(asked);
  });

  it('reads the t of the structured RateLimit field (the newer drafts) when neither Retry-After nor RateLimit-Reset is there', () => {
    expect(retryDelayOf(PLATFORM, { ratelimit: '"default";r=0;t=30' }, NOW)).toEqual({
      delayMs: 30_000,
      reason: 'asked to wait 30 s (RateLimit: "default";r=0;t=30); next attempt in 30 s',
    });
    // Several policies: the wait is for the exhausted one, however long another's window is.
    expect(retryDelayOf(PLATFORM, { ratelimit: '"burst";r=0;t=12, "daily";r=4000;t=80000' }, NOW)?.delayMs).toBe(12_000);
    // Two exhausted: the longer; none said to be exhausted: the longest window; sent as two lines: one list.
    expect(retryDelayOf(PLATFORM, { ratelimit: 'burst;r=0;t=12, hourly;r=0;t=90' }, NOW)?.delayMs).toBe(90_000);
    expect(retryDelayOf(PLATFORM, { ratelimit: ['"a";t=5', '"b";t=7'] }, NOW)?.delayMs).toBe(7000);
    // The older fields win when present, and the cap holds here too.
    expect(retryDelayOf(PLATFORM, { 'retry-after': '3', ratelimit: '"default";r=0;t=30' }, NOW)?.delayMs).toBe(3000);
    expect(retryDelayOf(PLATFORM, { 'ratelimit-reset': '4', ratelimit: '"default";r=0;t=30' }, NOW)?.delayMs).toBe(4000);
    expect(retryDelayOf(PLATFORM, { ratelimit: '"default";r=0;t=86400' }, NOW)?.delayMs).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
    // No usable t: no answer (the retry policy's backoff), and an unreadable member does not hide a good one.
    for (const value of ['"default";r=0', '"default";r=0;t=-5', '"default";t=soon', 'garbage here', '']) {
      expect(retryDelayOf(PLATFORM, { ratelimit: value }, NOW), value).toBeUndefined();
    }
    expect(retryDelayOf(PLATFORM, { ratelimit: '"x";t=1.5;r=0, "default";r=0;t=20' }, NOW)?.delayMs).toBe(20_000);
    // A comma inside a quoted policy name does not split the list.
    expect(retryDelayOf(PLATFORM, { ratelimit: '"per user, per day";r=0;t=40' }, NOW)?.delayMs).toBe(40_000);
  });
});

describe('errorForStatus for a 429 or a 503', () => {
  it('carries the delay as retryAfterMs and the reason in the message the sync log shows', () => {
    const error = errorForStatus('Filmmakers', 429, '{"error":"throttled"}', { 'ratelimit-reset': '1597048500' }, NOW);
    expect(error).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429, retryAfterMs: 252_000 } });
    expect(error.message).toBe('Filmmakers rate limit reached (429): asked to wait until 08:35:00 UTC (RateLimit-Reset: 1597048500); next attempt in 4 min 12 s');
  });

  it("becomes Temporal's next retry delay; a time already past leaves the policy's backoff in charge", () => {
    const waiting = toApplicationFailure(errorForStatus('Filmmakers', 429, '', { 'ratelimit-reset': '1597048500' }, NOW));
    expect(waiting).toMatchObject({ type: ErrorType.rateLimited, nonRetryable: false, nextRetryDelay: 252_000 });
    const past = errorForStatus('Filmmakers', 429, '', { 'ratelimit-reset': '1597048500' }, NOW + 3_600_000);
    expect(past.details.retryAfterMs).toBe(0);
    expect(toApplicationFailure(past).nextRetryDelay).toBeUndefined();
  });

  it('says the retry policy decides when the platform named no wait', () => {
    const error = errorForStatus('e-TALENTA', 429, '', {}, NOW);
    expect(error.details.retryAfterMs).toBeUndefined();
    expect(error.message).toBe("e-TALENTA rate limit reached (429): no Retry-After or RateLimit header: next attempt after the retry policy's backoff");
  });

  it("caps the wait with the catalog entry's maximum when given the entry, and names the platform by its display name", () => {
    const error = errorForStatus(platformCatalog.filmmakers, 429, '', { 'retry-after': '3600' }, NOW);
    expect(error.details.retryAfterMs).toBe(6 * 60_000);
    expect(error.message).toBe('Filmmakers rate limit reached (429): asked to wait 1 h (Retry-After: 3600); capped at 6 min: next attempt in 6 min');
    // Only the name: the default maximum.
    expect(errorForStatus('Filmmakers', 429, '', { 'retry-after': '3600' }, NOW).details.retryAfterMs).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
  });

  it('honours Retry-After on a 503 (RFC 9110 15.6.4): a server error that waits as asked, capped', () => {
    const error = errorForStatus(platformCatalog.etalenta, 503, '{"error":"maintenance"}', { 'retry-after': '120' }, NOW);
    expect(error).toMatchObject({ type: ErrorType.server, retryable: true, details: { status: 503, retryAfterMs: 120_000 } });
    expect(error.message).toBe('e-TALENTA failed with 503: maintenance; asked to wait 2 min (Retry-After: 120); next attempt in 2 min');
    expect(toApplicationFailure(error)).toMatchObject({ type: ErrorType.server, nonRetryable: false, nextRetryDelay: 120_000 });
    const capped = errorForStatus(platformCatalog.filmmakers, 503, '', { 'retry-after': new Date(NOW + 86_400_000).toUTCString() }, NOW);
    expect(capped.details.retryAfterMs).toBe(6 * 60_000);
    // A 503 that names no wait, and other 5xx whatever they send, leave the retry policy's backoff in charge.
    const plain = errorForStatus('e-TALENTA', 503, '', {}, NOW);
    expect(plain.details).toEqual({ status: 503 });
    expect(plain.message).toBe('e-TALENTA failed with 503');
    expect(toApplicationFailure(plain).nextRetryDelay).toBeUndefined();
    expect(errorForStatus(platformCatalog.etalenta, 500, '', { 'retry-after': '120' }, NOW).details).toEqual({ status: 500 });
  });
});

describe('formatDuration', () => {
  it('names the largest unit and the next one when it is not zero', () => {
    expect([0, 400, 45_000, 252_000, 3_600_000, 3_720_000, 100_000_000, Infinity].map(formatDuration)).toEqual([
      '0 s', '1 s', '45 s', '4 min 12 s', '1 h', '1 h 2 min', '1 d 3 h', 'forever',
    ]);
  });
});

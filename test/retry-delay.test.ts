// adapters/retry-delay.ts: every form a platform may ask for a wait in (Retry-After as seconds or an HTTP date,
// RateLimit-Reset as seconds or a Unix timestamp), garbage ignored, and every wait clamped to the catalog's maximum.
// A fixed `now`, so no test depends on the clock.
import { describe, expect, it } from 'vitest';
import { platformCatalog } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { errorForStatus } from '../adapters/errors.js';
import { toApplicationFailure } from '../activities/failures.js';
import { DEFAULT_MAX_RETRY_WAIT_MS, formatDuration, maxRetryWaitMsOf, retryDelayOf } from '../adapters/retry-delay.js';

/** 2020-08-10 08:30:48 UTC: 4 min 12 s before the reset in the Filmmakers documentation's example (1597048500). */
const NOW = (1597048500 - 252) * 1000;
const PLATFORM = 'e-TALENTA'; // the default maximum (no maxRetryWaitMs in its catalog entry)

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
    expect(retryDelayOf('Filmmakers', { 'ratelimit-limit': '300', 'ratelimit-remaining': '0', 'ratelimit-reset': '1597048500' }, NOW)).toEqual({
      delayMs: 252_000,
      reason: 'asked to wait until 08:35:00 UTC (RateLimit-Reset: 1597048500); next attempt in 4 min 12 s',
    });
    // Read as seconds (the old reading) it would have been 50 years; read today, the documented instant is long past.
    expect(retryDelayOf('Filmmakers', { 'ratelimit-reset': '1597048500' }, Date.UTC(2026, 11, 7))).toMatchObject({
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
    expect(maxRetryWaitMsOf('Filmmakers')).toBe(6 * 60_000);
    expect(maxRetryWaitMsOf('e-TALENTA')).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
    expect(maxRetryWaitMsOf('a platform the catalog does not know')).toBe(DEFAULT_MAX_RETRY_WAIT_MS);
    expect(retryDelayOf('Filmmakers', { 'retry-after': '3600' }, NOW)).toEqual({
      delayMs: 6 * 60_000,
      reason: 'asked to wait 1 h (Retry-After: 3600); capped at 6 min: next attempt in 6 min',
    });
    // Names are how adapters label their errors, so each must be one platform's.
    const names = Object.values(platformCatalog).map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('errorForStatus for a 429', () => {
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
    expect(error.message).toBe("e-TALENTA rate limit reached (429): no Retry-After or RateLimit-Reset: next attempt after the retry policy's backoff");
  });
});

describe('formatDuration', () => {
  it('names the largest unit and the next one when it is not zero', () => {
    expect([0, 400, 45_000, 252_000, 3_600_000, 3_720_000, 100_000_000, Infinity].map(formatDuration)).toEqual([
      '0 s', '1 s', '45 s', '4 min 12 s', '1 h', '1 h 2 min', '1 d 3 h', 'forever',
    ]);
  });
});

// Typed platform errors. Retryable: network, timeout, 5xx, 429 (with the platform's Retry-After), a lost session.
// Not retryable: auth (only a clear refusal of the credentials), validation, other 4xx. activities/failures.ts turns them into Temporal ApplicationFailures.
import { ErrorType, type ErrorTypeName } from './error-types.js';

export class PlatformError extends Error {
  constructor(
    readonly type: ErrorTypeName,
    message: string,
    readonly retryable: boolean,
    readonly details: { status?: number; retryAfterMs?: number; artifactPath?: string } = {},
  ) {
    super(message);
    this.name = type;
  }
}

export const networkError = (platform: string, cause: string) =>
  new PlatformError(ErrorType.network, `${platform} could not be reached: ${cause}`, true);

export const timeoutError = (platform: string, ms: number) =>
  new PlatformError(ErrorType.timeout, `${platform} did not answer within ${ms} ms`, true);

/**
 * The session is gone or the sign-in did not get through, but the platform did not refuse the credentials (a
 * logout, an expired session, a login form that came back empty or without its wrong-password answer, a token
 * the API refused right after a refresh): retryable, and never a reason to ask the user to reconnect.
 */
export const sessionError = (platform: string, detail: string) => new PlatformError(ErrorType.session, `${platform}: ${detail}`, true);

export const authError = (platform: string, detail: string) =>
  new PlatformError(ErrorType.auth, `${platform} rejected our credentials (${detail}); reconnect the platform`, false, { status: 401 });

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The error for an HTTP answer that is not a success. */
export function errorForStatus(platform: string, status: number, body: string, retryAfter?: string | null): PlatformError {
  const detail = summarize(body);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    const wait = retryAfterMs === undefined ? '' : `; retry after ${Math.round(retryAfterMs / 1000)} s`;
    return new PlatformError(ErrorType.rateLimited, `${platform} rate limit reached (429)${wait}`, true, { status, retryAfterMs });
  }
  if (status >= 500) return new PlatformError(ErrorType.server, `${platform} failed with ${status}${detail}`, true, { status });
  if (status === 401 || status === 403) return authError(platform, `${status}${detail}`);
  if (status === 400 || status === 422) {
    return new PlatformError(ErrorType.validation, `${platform} refused the data (${status})${detail}`, false, { status });
  }
  return new PlatformError(ErrorType.client, `${platform} answered ${status}${detail}`, false, { status });
}

function summarize(body: string): string {
  const text = body.trim();
  if (!text) return '';
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = parsed.message ?? parsed.error;
    if (typeof message === 'string') return `: ${message.slice(0, 200)}`;
  } catch {
    // not JSON: fall through to the raw text
  }
  return `: ${text.slice(0, 200)}`;
}

// Typed platform errors. Retryable: network, timeout, 5xx, 429 (with the wait the platform asked for, capped; a 503
// too when it says), a lost session.
// Not retryable: auth (only a clear refusal of the credentials), validation, other 4xx. activities/failures.ts turns them into Temporal ApplicationFailures.
import { ErrorType, type ErrorTypeName } from './error-types.js';
import { retryDelayOf, type AnswerHeaders, type RetryWaitLimit } from './retry-delay.js';

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

/**
 * Who answered, as the error names it: the display name alone (the default maximum wait applies), or what the
 * adapter holds of its catalog entry (a PlatformEntry or a PortalSite), whose maxRetryWaitMs caps the wait.
 */
export type Answerer = string | ({ name: string } & Exclude<RetryWaitLimit, string>);

/**
 * The error for an HTTP answer that is not a success. A 429, and a 503 that says when to come back (RFC 9110
 * 15.6.4), carry the wait the platform asked for (adapters/retry-delay.ts: Retry-After or the rate-limit headers,
 * capped by the catalog) as details.retryAfterMs, and the reason in their message, which the sync log and the
 * connection's status show.
 */
export function errorForStatus(answerer: Answerer, status: number, body: string, headers: AnswerHeaders = {}, now = Date.now()): PlatformError {
  const platform = typeof answerer === 'string' ? answerer : answerer.name;
  const limit = typeof answerer === 'string' ? {} : answerer;
  const detail = summarize(body);
  if (status === 429) {
    const wait = retryDelayOf(limit, headers, now);
    const reason = wait ? wait.reason : "no Retry-After or RateLimit header: next attempt after the retry policy's backoff";
    return new PlatformError(ErrorType.rateLimited, `${platform} rate limit reached (429): ${reason}`, true, { status, retryAfterMs: wait?.delayMs });
  }
  if (status === 503) {
    const wait = retryDelayOf(limit, headers, now);
    const reason = wait ? `; ${wait.reason}` : '';
    return new PlatformError(ErrorType.server, `${platform} failed with ${status}${detail}${reason}`, true, { status, ...(wait ? { retryAfterMs: wait.delayMs } : {}) });
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

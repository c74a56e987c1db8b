// nodemailer's SMTP failures as typed PlatformErrors. RFC 5321: 4xx replies are transient (try again later),
// 5xx permanent. A 5xx at RCPT TO means the agency's address itself is refused, which no retry can fix.
import { ErrorType } from '../error-types.js';
import { PlatformError, networkError, timeoutError } from '../errors.js';

/** The fields nodemailer sets on its errors. */
interface SmtpFailure {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

const TRANSPORT_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'ECONNRESET', 'ECONNREFUSED']);

export function recipientRejected(platformName: string, address: string, reply: string): PlatformError {
  return new PlatformError(
    ErrorType.validation,
    `${platformName}: the agency's address ${address} was rejected (${reply}); correct the address and reconnect`,
    false,
  );
}

export function invalidAddress(platformName: string, address: string | null | undefined): PlatformError {
  const what = address ? `"${address}" is not a valid e-mail address` : 'no e-mail address is stored';
  return new PlatformError(ErrorType.validation, `${platformName}: the agency's address was rejected: ${what}; correct it and reconnect`, false);
}

/** The PlatformError for an SMTP failure; anything that is not one (building the message failed, say) is our own
 *  fault and is returned as it is. */
export function smtpFailure(platformName: string, recipient: string, timeoutMs: number, error: unknown): Error {
  if (error instanceof PlatformError) return error;
  const failure = (error ?? {}) as SmtpFailure;
  const code = failure.responseCode;
  const reply = (failure.response ?? failure.message ?? String(error)).trim().slice(0, 200);
  if (code && code >= 500 && failure.command === 'RCPT TO') return recipientRejected(platformName, recipient, reply);
  if (!code && failure.code === 'EENVELOPE') return recipientRejected(platformName, recipient, reply);
  if (code && code >= 400 && code < 500) {
    return new PlatformError(ErrorType.server, `${platformName}: the mail server is not available (${reply})`, true, { status: code });
  }
  if (code && code >= 500) {
    return new PlatformError(ErrorType.client, `${platformName}: the mail server refused the message (${reply})`, false, { status: code });
  }
  if (failure.code === 'ETIMEDOUT') return timeoutError(`${platformName}'s mail server`, timeoutMs);
  if (failure.code && TRANSPORT_CODES.has(failure.code)) return networkError(`${platformName}'s mail server`, reply);
  // The pool's connection closed while it carried the message, twice (smtp-pool.ts): nodemailer says so without a code.
  if (!failure.code && /connection was closed/.test(reply)) return networkError(`${platformName}'s mail server`, reply);
  return error instanceof Error ? error : new Error(String(error));
}

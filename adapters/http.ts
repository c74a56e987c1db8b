// One HTTP client for every API-kind adapter: undici with timeouts, and every failure turned into a PlatformError.
import { Agent, request, errors as undiciErrors } from 'undici';
import { errorForStatus, networkError, timeoutError } from './errors.js';

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** An application/x-www-form-urlencoded body (OAuth token endpoints). */
  form?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpText {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function encodedBody(call: HttpCall): { type?: string; body?: string } {
  if (call.form) return { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(call.form).toString() };
  if (call.json !== undefined) return { type: 'application/json', body: JSON.stringify(call.json) };
  return {};
}

/** Sends one request and reads the whole answer, whatever its status; only transport failures throw. */
export async function httpText(platformName: string, call: HttpCall): Promise<HttpText> {
  const timeoutMs = call.timeoutMs ?? 30_000;
  const { type, body } = encodedBody(call);
  try {
    const response = await request(call.url, {
      dispatcher: agent,
      method: call.method,
      headers: { accept: 'application/json', ...(type ? { 'content-type': type } : {}), ...call.headers },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  } catch (error) {
    throw transportError(platformName, error, timeoutMs);
  }
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How long a refusing server wants us to wait: Retry-After, else RateLimit-Reset (draft-ietf-httpapi-ratelimit-headers,
 * seconds until the quota resets), which some APIs such as Filmmakers' send instead.
 */
function retryAfterOf(headers: HttpText['headers']): string | undefined {
  return firstHeader(headers['retry-after']) ?? firstHeader(headers['ratelimit-reset']);
}

export interface HttpAnswer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** Sends one request; answers 2xx with the parsed JSON body and throws a PlatformError for anything else. */
export async function httpJson<T>(platformName: string, call: HttpCall): Promise<HttpAnswer<T>> {
  const { status, headers, text } = await httpText(platformName, call);
  if (status < 200 || status >= 300) throw errorForStatus(platformName, status, text, retryAfterOf(headers));
  let body: T;
  try {
    body = (text ? JSON.parse(text) : null) as T;
  } catch {
    throw errorForStatus(platformName, 502, `invalid JSON in a ${status} answer`);
  }
  return { status, headers, body };
}

function transportError(platformName: string, error: unknown, timeoutMs: number) {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return timeoutError(platformName, timeoutMs);
  }
  const code = (error as { code?: string }).code;
  return networkError(platformName, code ?? (error instanceof Error ? error.message : String(error)));
}

// One HTTP client for every API-kind adapter: undici with timeouts, and every failure turned into a PlatformError.
import { Agent, request, errors as undiciErrors } from 'undici';
import { errorForStatus, networkError, timeoutError } from './errors.js';

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  timeoutMs?: number;
}

export interface HttpAnswer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** Sends one request; answers 2xx with the parsed JSON body and throws a PlatformError for anything else. */
export async function httpJson<T>(platformName: string, call: HttpCall): Promise<HttpAnswer<T>> {
  const timeoutMs = call.timeoutMs ?? 30_000;
  let response;
  try {
    response = await request(call.url, {
      dispatcher: agent,
      method: call.method,
      headers: { accept: 'application/json', ...(call.json === undefined ? {} : { 'content-type': 'application/json' }), ...call.headers },
      body: call.json === undefined ? undefined : JSON.stringify(call.json),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    throw transportError(platformName, error, timeoutMs);
  }
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw transportError(platformName, error, timeoutMs);
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    const retryAfter = response.headers['retry-after'];
    throw errorForStatus(platformName, response.statusCode, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  }
  let body: T;
  try {
    body = (text ? JSON.parse(text) : null) as T;
  } catch {
    throw errorForStatus(platformName, 502, `invalid JSON in a ${response.statusCode} answer`);
  }
  return { status: response.statusCode, headers: response.headers, body };
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

// One HTTP client for every API-kind adapter: undici with timeouts, and every failure turned into a PlatformError.
// File uploads go out as multipart/form-data streamed from disk, never read into memory whole.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Agent, request, errors as undiciErrors } from 'undici';
import { ErrorType } from './error-types.js';
import { PlatformError, errorForStatus, networkError, timeoutError, type Answerer } from './errors.js';

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** An application/x-www-form-urlencoded body (OAuth token endpoints). */
  form?: Record<string, string>;
  /** A multipart/form-data body: text fields, then one file streamed from disk (uploads). */
  multipart?: MultipartForm;
  timeoutMs?: number;
}

export interface MultipartForm {
  fields: Record<string, string>;
  file: { field: string; path: string; fileName: string; contentType: string };
  /** Bytes of the file sent so far: 0 at the start, after every chunk, and the file's size at the end. */
  onSent?: (bytesSent: number) => void;
}

export interface HttpText {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface EncodedBody {
  headers: Record<string, string>;
  body?: string | Readable;
}

/** Built for each attempt: a multipart body is a stream, which can be read only once. */
async function encodedBody(call: HttpCall): Promise<EncodedBody> {
  if (call.multipart) return multipartBody(call.multipart);
  if (call.form) return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(call.form).toString() };
  if (call.json !== undefined) return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.json) };
  return { headers: {} };
}

/**
 * RFC 7578, with the length known in advance (the file's size from disk), so the platform can refuse an oversized
 * upload at once and nothing is sent chunked. The file is read in chunks as the socket takes them.
 */
async function multipartBody({ fields, file, onSent }: MultipartForm): Promise<EncodedBody> {
  const { size } = await stat(file.path);
  const boundary = `castsync-${randomBytes(16).toString('hex')}`;
  const textParts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`);
  const head = Buffer.from(
    `${textParts.join('')}--${boundary}\r\ncontent-disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(file.fileName)}"\r\n` +
      `content-type: ${file.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    onSent?.(0);
    let sent = 0;
    for await (const chunk of createReadStream(file.path)) {
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
      onSent?.(sent);
    }
    yield tail;
  }
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
    body: Readable.from(parts()),
  };
}

/** The HTML form encoding of names in a content-disposition header (WHATWG): quotes and line breaks escaped. */
function quoted(text: string): string {
  return text.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

/** Sends one request and reads the whole answer, whatever its status; only transport failures throw. */
export async function httpText(platform: Answerer, call: HttpCall): Promise<HttpText> {
  const platformName = typeof platform === 'string' ? platform : platform.name;
  const timeoutMs = call.timeoutMs ?? 30_000;
  const { headers, body } = await encodedBody(call);
  try {
    const response = await request(call.url, {
      dispatcher: agent,
      method: call.method,
      headers: { accept: 'application/json', ...headers, ...call.headers },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  } catch (error) {
    throw transportError(platformName, error, timeoutMs);
  }
}

export interface HttpAnswer<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * Sends one request; answers 2xx with the parsed JSON body and throws a PlatformError for anything else. Given the
 * catalog entry rather than its name, a wait the platform asks for is capped by its maxRetryWaitMs.
 */
export async function httpJson<T>(platform: Answerer, call: HttpCall): Promise<HttpAnswer<T>> {
  const { status, headers, text } = await httpText(platform, call);
  if (status < 200 || status >= 300) throw errorForAnswer(platform, call, status, text, headers);
  let body: T;
  try {
    body = (text ? JSON.parse(text) : null) as T;
  } catch {
    throw errorForStatus(platform, 502, `invalid JSON in a ${status} answer`);
  }
  return { status, headers, body };
}

/** A 429's (or 503's) wait comes from the answer's Retry-After or rate-limit headers (adapters/retry-delay.ts). */
function errorForAnswer(platform: Answerer, call: HttpCall, status: number, text: string, headers: HttpText['headers']): PlatformError {
  const error = errorForStatus(platform, status, text, headers);
  // A 413 to an upload is the platform judging the file (more bytes than it takes): like a 422, sending the same
  // file again can never succeed, so it is a validation refusal rather than a client error.
  if (status === 413 && call.multipart) return new PlatformError(ErrorType.validation, error.message, false, error.details);
  // A 403 keeps its own status (errorForStatus files it with 401s): a call the grant does not cover, such as a scope
  // never given, is no expired token, so the OAuth adapter must not refresh and retry it.
  if (status === 403) return new PlatformError(error.type, error.message, error.retryable, { ...error.details, status });
  return error;
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

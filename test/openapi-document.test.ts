// The OpenAPI document tells the truth: every operation lists the answers the gateway gives (401/403 behind the
// token, 429 everywhere, 204 where there is no body), the upload documents its multipart body, and answers the
// real stack gives to a sample of requests are each documented for their operation, in their media type.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../api/auth.js';
import { image, multipart } from './support/media-files.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { type?: string; required?: string[]; properties?: Record<string, { type?: string; format?: string }> } }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Document = { paths: Record<string, Record<string, Operation>> };

/** Under /api but not behind the bearer token, so they never answer 401 (each has its own credential). */
const OWN_CREDENTIAL = new Set(['GET /api/availability.ics', 'GET /api/platforms/{platformId}/callback', 'POST /api/webhooks/filmmakers/{connectionRef}']);

let stack: Stack;
let dataDir: string;
let alice: TestUser;
let doc: Document;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'castsync-openapi-'));
  stack = await startStack({ workers: false, env: { CASTSYNC_DATA_DIR: dataDir, CASTSYNC_BODY_LIMIT_BYTES: '4096' } });
  alice = await stack.createUser();
  doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([url, methods]) => Object.entries(methods).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${url}`, op]));
}

function operation(key: string): Operation {
  const [method, url] = key.split(' ') as [string, string];
  const op = doc.paths[url]?.[method.toLowerCase()];
  if (!op) throw new Error(`the document has no operation ${key}`);
  return op;
}

/** The answer is one the document lists for the operation, in a media type it lists for that status. */
function expectDocumented(key: string, res: LightMyRequestResponse) {
  const documented = operation(key).responses[String(res.statusCode)];
  expect(documented, `${key} answered ${res.statusCode} (${res.body.slice(0, 200)}), documented: ${Object.keys(operation(key).responses).join(', ')}`).toBeDefined();
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!;
  if (!documented!.content) {
    expect(res.body, `${key} ${res.statusCode} is documented without a body`).toBe('');
    return;
  }
  const matches = Object.keys(documented!.content).some((listed) => listed === mediaType || (listed.endsWith('/*') && mediaType.startsWith(listed.slice(0, -1))));
  expect(matches, `${key} ${res.statusCode} answered ${mediaType}, documented: ${Object.keys(documented!.content).join(', ')}`).toBe(true);
}

describe('the document', () => {
  it('lists 401 for every operation behind the token, and 403 for its changes (the cookie needs the CSRF header)', () => {
    const behindToken = operations().filter(([key]) => key.split(' ')[1]!.startsWith('/api/') && !OWN_CREDENTIAL.has(key));
    expect(behindToken.length).toBeGreaterThan(30);
    for (const [key, op] of behindToken) {
      expect(Object.keys(op.responses), key).toContain('401');
      expect(op.security, key).toEqual([{ bearerAuth: [] }]);
      if (!key.startsWith('GET ')) expect(Object.keys(op.responses), key).toContain('403');
    }
  });

  it('lists 429 (with Retry-After) and 431 for every operation', () => {
    for (const [key, op] of operations()) {
      expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(['429', '431']));
      expect(op.responses['429'], key).toMatchObject({ headers: { 'retry-after': expect.anything() } });
    }
  });

  it('gives every operation a unique operationId, tags, a summary and its success answer', () => {
    const ids = operations().map(([key, op]) => {
      expect(op.tags?.length, key).toBeGreaterThan(0);
      expect(op.summary, key).toBeTruthy();
      expect(Object.keys(op.responses).some((status) => /^[23]/.test(status)), `${key} documents no 2xx`).toBe(true);
      return op.operationId;
    });
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists 400 and 404 where a route takes parameters, 408, 413 and 415 where it takes a body', () => {
    for (const key of ['GET /api/media/{id}/file', 'DELETE /api/platforms/{platformId}', 'POST /api/conflicts/{id}/resolve']) {
      expect(Object.keys(operation(key).responses), key).toEqual(expect.arrayContaining(['400', '404']));
    }
    for (const key of ['POST /api/availability', 'PUT /api/profile', 'POST /api/media', 'POST /app/session']) {
      expect(Object.keys(operation(key).responses), key).toEqual(expect.arrayContaining(['400', '408', '413', '415']));
    }
    expect(Object.keys(operation('GET /health').responses)).toContain('503');
  });

  it('states the control-character rule as a pattern on every free-text input (what the validator enforces)', () => {
    type Json = { type?: string | string[]; pattern?: string; format?: string; enum?: unknown[]; const?: unknown; [key: string]: unknown };
    const loose: string[] = [];
    const visit = (schema: unknown, where: string) => {
      if (Array.isArray(schema)) return schema.forEach((item, i) => visit(item, `${where}[${i}]`));
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Json;
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (types.includes('string') && !s.pattern && !s.format && !s.enum && s.const === undefined) loose.push(where);
      for (const [key, value] of Object.entries(s)) if (typeof value === 'object') visit(value, `${where}.${key}`);
    };
    for (const [key, op] of operations()) {
      const withInputs = op as Operation & { parameters?: { name: string; schema: unknown }[] };
      for (const parameter of withInputs.parameters ?? []) visit(parameter.schema, `${key} ${parameter.name}`);
      for (const [mediaType, body] of Object.entries(op.requestBody?.content ?? {})) if (mediaType === 'application/json') visit(body.schema, `${key} body`);
    }
    expect(loose).toEqual([]);
    const note = operation('POST /api/availability').requestBody!.content['application/json']!.schema.properties!.note as { pattern?: string };
    expect(new RegExp(note.pattern!).test('two\nlines')).toBe(true);
    expect(new RegExp(note.pattern!).test('nul\u0000')).toBe(false);
  });

  it('documents the upload as multipart/form-data with the file and the fields the handler reads', () => {
    const body = operation('POST /api/media').requestBody;
    expect(Object.keys(body?.content ?? {})).toEqual(['multipart/form-data']);
    const schema = body!.content['multipart/form-data']!.schema;
    expect(schema.required).toEqual(['file']);
    expect(schema.properties?.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(['caption', 'file', 'photographerCredit', 'type']);
  });

  it('names one Error schema in its components, and the error answers refer to it instead of copying it', () => {
    const components = (doc as Document & { components?: { schemas?: Record<string, { properties?: object }> } }).components?.schemas ?? {};
    expect(Object.keys(components['Error']?.properties ?? {}).sort()).toEqual(['error', 'message', 'statusCode']);
    const errorAnswers = Object.values(doc.paths)
      .flatMap((methods) => Object.values(methods).flatMap((op) => Object.entries(op.responses)))
      .filter(([status]) => Number(status) >= 400)
      .map(([, answer]) => (answer.content?.['application/json'] as { schema?: { $ref?: string; properties?: object } } | undefined)?.schema);
    const refs = errorAnswers.filter((schema) => schema?.$ref === '#/components/schemas/Error');
    const copies = errorAnswers.filter((schema) => schema?.properties && Object.keys(schema.properties).sort().join() === 'error,message,statusCode');
    expect(refs.length).toBeGreaterThan(100);
    expect(copies).toEqual([]);
  });
});

describe('answers with no body are documented as 204, not 200', () => {
  const expect204 = (key: string, res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body).toBe(204);
    expect(Object.keys(operation(key).responses), key).not.toContain('200');
    expectDocumented(key, res);
  };

  it('DELETE of a date range, a medium, a connection, the ICS secret and the dashboard session', async () => {
    const user = await stack.createUser();
    const range = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-05-01', endDate: '2027-05-02', status: 'unavailable', type: 'block' } });
    expect204('DELETE /api/availability/{id}', await stack.app.inject({ method: 'DELETE', url: `/api/availability/${range.json().id}`, headers: user.auth }));

    const body = multipart({ caption: 'x' }, [{ fileName: 'me.png', content: await image(40, 40, 'png') }]);
    const medium = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...body.headers }, payload: body.payload });
    expectDocumented('POST /api/media', medium);
    expect204('DELETE /api/media/{id}', await stack.app.inject({ method: 'DELETE', url: `/api/media/${medium.json().id}`, headers: user.auth }));

    expect204('DELETE /api/platforms/{platformId}', await stack.app.inject({ method: 'DELETE', url: '/api/platforms/etalenta', headers: user.auth }));
    expect204('DELETE /api/availability/ics-token', await stack.app.inject({ method: 'DELETE', url: '/api/availability/ics-token', headers: user.auth }));
    expect204('DELETE /app/session', await stack.app.inject({ method: 'DELETE', url: '/app/session', headers: { 'x-castsync-csrf': '1' } }));
  });
});

describe('the stack answers only what the document lists', () => {
  const range = { startDate: '2027-06-01', endDate: '2027-06-03', status: 'unavailable', type: 'block' };
  const json = { 'content-type': 'application/json' };

  it('for a sample of requests, good and bad, each status and media type is documented', async () => {
    const inject = stack.app.inject.bind(stack.app);
    const created = await inject({ method: 'POST', url: '/api/availability', headers: alice.auth, payload: range });
    const icsToken = await inject({ method: 'POST', url: '/api/availability/ics-token', headers: alice.auth });
    const samples: [string, () => Promise<LightMyRequestResponse>, number][] = [
      ['GET /health', () => inject({ method: 'GET', url: '/health' }), 200],
      ['GET /metrics', () => inject({ method: 'GET', url: '/metrics' }), 200],
      ['GET /api/media', () => inject({ method: 'GET', url: '/api/media' }), 401],
      ['GET /api/media', () => inject({ method: 'GET', url: '/api/media', headers: alice.auth }), 200],
      ['POST /api/availability', async () => created, 201],
      ['POST /api/availability', () => inject({ method: 'POST', url: '/api/availability', headers: alice.auth, payload: { ...range, status: 'maybe' } }), 400],
      ['POST /api/availability', () => inject({ method: 'POST', url: '/api/availability', headers: { ...alice.auth, ...json }, payload: JSON.stringify({ ...range, note: 'x'.repeat(5000) }) }), 413],
      ['POST /api/availability', () => inject({ method: 'POST', url: '/api/availability', headers: { ...alice.auth, 'content-type': 'text/csv' }, payload: 'a,b' }), 415],
      ['POST /api/availability', () => inject({ method: 'POST', url: '/api/availability', headers: { cookie: `${SESSION_COOKIE}=${alice.token}`, ...json }, payload: range }), 403],
      ['GET /api/availability/{id}', () => inject({ method: 'GET', url: `/api/availability/${randomUUID()}`, headers: alice.auth }), 404],
      ['GET /api/availability/{id}', () => inject({ method: 'GET', url: '/api/availability/not-a-uuid', headers: alice.auth }), 400],
      ['PATCH /api/availability/{id}', () => inject({ method: 'PATCH', url: `/api/availability/${created.json().id}`, headers: alice.auth, payload: { ...range, version: 99 } }), 409],
      ['POST /api/availability/ics-token', async () => icsToken, 201],
      ['GET /api/availability.ics', () => inject({ method: 'GET', url: `/api/availability.ics?token=${encodeURIComponent(icsToken.json().token)}` }), 200],
      ['GET /api/availability.ics', () => inject({ method: 'GET', url: '/api/availability.ics?token=nope' }), 404],
      ['POST /api/media', () => inject({ method: 'POST', url: '/api/media', headers: alice.auth, payload: {} }), 415],
      ['POST /api/media', () => upload(multipart({ type: 'photo' }, [])), 400],
      ['GET /api/media/{id}/file', () => inject({ method: 'GET', url: `/api/media/${randomUUID()}/file`, headers: alice.auth }), 404],
      ['GET /api/sync/status/{platformId}', () => inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: alice.auth }), 200],
      ['POST /api/sync/availability/{platformId}', () => inject({ method: 'POST', url: '/api/sync/availability/etalenta', headers: alice.auth }), 202],
      ['POST /api/sync/availability/{platformId}', () => inject({ method: 'POST', url: '/api/sync/availability/filmmakers', headers: alice.auth }), 404],
      ['GET /api/sync/history', () => inject({ method: 'GET', url: '/api/sync/history?pageSize=0', headers: alice.auth }), 400],
      ['POST /api/webhooks/filmmakers/{connectionRef}', () => inject({ method: 'POST', url: `/api/webhooks/filmmakers/${randomUUID()}`, headers: json, payload: '{}' }), 404],
      ['GET /app/session', () => inject({ method: 'GET', url: '/app/session' }), 401],
      ['POST /app/session', () => inject({ method: 'POST', url: '/app/session', payload: { token: alice.token } }), 403],
    ];
    for (const [key, send, status] of samples) {
      const res = await send();
      expect(res.statusCode, `${key}: ${res.body.slice(0, 200)}`).toBe(status);
      expectDocumented(key, res);
    }
  });

  it('answers 405 with Allow to a method a known path lacks, and 404 to an unknown path', async () => {
    const trace = await stack.app.inject({ method: 'TRACE', url: '/api/media', headers: alice.auth });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD, POST');
    const put = await stack.app.inject({ method: 'PUT', url: `/api/media/${randomUUID()}`, headers: alice.auth, payload: {} });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('DELETE, PATCH');
    expect(put.json().message).toMatch(/PUT is not allowed here; use DELETE, PATCH/);
    const ics = await stack.app.inject({ method: 'OPTIONS', url: '/api/availability/ics-token', headers: alice.auth });
    expect(ics.statusCode).toBe(405);
    expect(ics.headers.allow).toBe('DELETE, POST'); // its own methods, not those of /api/availability/{id}
    expect((await stack.app.inject({ method: 'TRACE', url: '/api/nothing-here' })).statusCode).toBe(404);
    // The dashboard's files are served under /app/*, but /app/signup names the sign-up: GET there is the wrong method.
    const signup = await stack.app.inject({ method: 'GET', url: '/app/signup' });
    expect(signup.statusCode).toBe(405);
    expect(signup.headers.allow).toBe('POST');
    expect((await stack.app.inject({ method: 'GET', url: '/app/app.js' })).statusCode).toBe(200);
    expect((await stack.app.inject({ method: 'GET', url: '/app/no-such-file.js' })).statusCode).toBe(404);
  });
});

function upload(body: ReturnType<typeof multipart>) {
  return stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...alice.auth, ...body.headers }, payload: body.payload });
}

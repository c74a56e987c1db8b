// Control characters in text input, refused in one place (api/validation.ts) for every route: a NUL (which
// PostgreSQL cannot store) or another control character in a body, query string or path answers 400 naming the
// field and changes nothing; line breaks pass only where text may span lines (an availability note, a caption).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCharacterProblem, withTextChecks } from '../api/validation.js';
import { MULTILINE_PATTERN, ONE_LINE_PATTERN } from '../lib/text-rules.js';
import { image, multipart } from './support/media-files.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let dataDir: string;
let user: TestUser;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'castsync-text-'));
  stack = await startStack({ workers: false, env: { CASTSYNC_DATA_DIR: dataDir } });
  user = await stack.createUser({ platforms: [] });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const call = (method: Method, url: string, payload?: object, headers: Record<string, string> = user.auth) =>
  stack.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

function expectRefused(res: { statusCode: number; json(): { message: string } }, field: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(400);
  expect(res.json().message).toMatch(new RegExp(`^${field} must not contain (line breaks or )?control characters`));
}

/** A field with a format or pattern may be refused by that rule first; still 400 naming it. */
function expectFieldRefused(res: { statusCode: number; json(): { message: string } }, field: string) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(400);
  expect(res.json().message.startsWith(`${field} must `)).toBe(true);
}

const option = { startDate: '2027-05-01', endDate: '2027-05-02', status: 'tentative', type: 'booking' } as const;

describe('the check itself', () => {
  it('takes tabs everywhere, line breaks only in multi-line text, and no other C0 character or DEL', () => {
    expect(controlCharacterProblem('a\tb', false)).toBeNull();
    expect(controlCharacterProblem('a\r\nb', true)).toBeNull();
    expect(controlCharacterProblem('a\nb', false)).toMatch(/line breaks/);
    for (const code of [0, 1, 8, 11, 12, 14, 27, 31, 127]) expect(controlCharacterProblem(`a${String.fromCharCode(code)}b`, true), `code ${code}`).toMatch(/control characters/);
    expect(controlCharacterProblem('Grüße, 東京 – “ok” \u00a0', false)).toBeNull();
    // The C1 controls too (NEL among them), and Unicode's line and paragraph separators in one-line text.
    for (const code of [0x80, 0x85, 0x9f]) expect(controlCharacterProblem(`a${String.fromCharCode(code)}b`, true), `code ${code}`).toMatch(/control characters/);
    expect(controlCharacterProblem('a\u2028b', false)).toMatch(/line breaks/);
    expect(controlCharacterProblem('a\u2028b', true)).toBeNull();
  });

  it('is the same rule as the pattern the OpenAPI document states', () => {
    const samples = ['plain', 'a\tb', 'a\nb', 'a\r\nb', 'a\u0000b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'Grüße 東京'];
    for (const text of samples) {
      expect(new RegExp(ONE_LINE_PATTERN).test(text), JSON.stringify(text)).toBe(controlCharacterProblem(text, false) === null);
      expect(new RegExp(MULTILINE_PATTERN).test(text), JSON.stringify(text)).toBe(controlCharacterProblem(text, true) === null);
    }
  });

  it('reaches every string schema: nested, in arrays, nullable, in anyOf, and leaves the route schema as written', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: ['string', 'null'] }, list: { type: 'array', items: { type: 'object', properties: { b: { type: 'string', 'x-multiline': true } } } }, c: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
    };
    expect(withTextChecks(schema)).toEqual({
      type: 'object',
      properties: {
        a: { type: ['string', 'null'], controlCharacters: 'line' },
        list: { type: 'array', items: { type: 'object', properties: { b: { type: 'string', 'x-multiline': true, controlCharacters: 'multiline' } } } },
        c: { anyOf: [{ type: 'string', controlCharacters: 'line' }, { type: 'integer' }] },
      },
    });
    expect(schema.properties.a).toEqual({ type: ['string', 'null'] });
  });
});

describe('every route with text refuses control characters', () => {
  it('availability: note (multi-line) and optionHolder (one line), on create and change', async () => {
    expectRefused(await call('POST', '/api/availability', { ...option, note: 'call\u0000back' }), 'body/note');
    expectRefused(await call('POST', '/api/availability', { ...option, optionHolder: 'UFA\nFiction' }), 'body/optionHolder');
    expectRefused(await call('POST', '/api/availability', { ...option, optionHolder: 'UFA\u001b[31m' }), 'body/optionHolder');
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(0);

    const created = await call('POST', '/api/availability', { ...option, optionHolder: 'UFA\tFiction', note: 'Drehort Berlin\r\nAnreise am Vortag' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ optionHolder: 'UFA\tFiction', note: 'Drehort Berlin\r\nAnreise am Vortag' });
    const id = created.json().id;
    expectRefused(await call('PATCH', `/api/availability/${id}`, { note: '\u0000' }), 'body/note');
    expectRefused(await call('PATCH', `/api/availability/${id}`, { optionHolder: 'a\u007fb' }), 'body/optionHolder');
    expect((await stack.db.availability.findUniqueOrThrow({ where: { id } })).version).toBe(1);
  });

  it('availability filters and path parameters', async () => {
    expectFieldRefused(await call('GET', '/api/availability?from=2027-01-01%00'), 'querystring/from');
    expectFieldRefused(await call('GET', '/api/availability/%00'), 'params/id');
  });

  it('media: caption and credit in the upload (multipart) and in a change', async () => {
    const send = (fields: Record<string, string>) => {
      const body = multipart(fields, [{ fileName: 'me.jpg', content: jpeg }]);
      return stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...body.headers }, payload: body.payload });
    };
    const jpeg = await image(64, 64);
    expectRefused(await send({ caption: 'Berlin\u00002026' }), 'body/caption');
    expectRefused(await send({ photographerCredit: 'Jane\nDoe' }), 'body/photographerCredit');
    expect(await stack.db.media.count({ where: { userId: user.id } })).toBe(0);

    const uploaded = await send({ caption: 'Berlin\n2026', photographerCredit: 'Jane Doe' });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const id = uploaded.json().id;
    expectRefused(await call('PATCH', `/api/media/${id}`, { caption: 'x\u0000' }), 'body/caption');
    expectRefused(await call('PATCH', `/api/media/${id}`, { photographerCredit: 'x\ry' }), 'body/photographerCredit');
    expect(await call('PATCH', `/api/media/${id}`, { caption: 'two\nlines' })).toMatchObject({ statusCode: 200 });
  });

  it('media: a control character in the file name is dropped, not stored', async () => {
    const body = multipart({}, [{ fileName: 'me\u0001.jpg', content: await image(32, 32, 'png') }]);
    const res = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...body.headers }, payload: body.payload });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().originalName).toBe('me.jpg');
  });

  it('profile: text fields deep in lists, on PUT and PATCH', async () => {
    expectRefused(await call('PUT', '/api/profile', { fields: { specialSkills: ['Fechten\u0000'] } }), 'body/fields/specialSkills/0');
    expectRefused(await call('PATCH', '/api/profile', { fields: { credits: [{ category: 'film', year: 2020, title: 'Tatort\n' }] } }), 'body/fields/credits/0/title');
    expect((await call('GET', '/api/profile')).json().version).toBe(0);
  });

  it('audit filter, sync history filter and conflicts filter', async () => {
    expectRefused(await call('GET', '/api/audit?action=connect%00'), 'querystring/action');
    expectFieldRefused(await call('GET', '/api/sync/history?platformId=%0a'), 'querystring/platformId');
    expectFieldRefused(await call('GET', '/api/conflicts?status=open%00'), 'querystring/status');
  });

  it('platform connect fields and the OAuth callback', async () => {
    expectRefused(await call('POST', '/api/platforms/etalenta/connect', { apiKey: 'key\u0000' }), 'body/apiKey');
    expectRefused(await call('POST', '/api/platforms/filmmakers/connect', { email: 'a@example.test', password: 'pw\u0000' }), 'body/password');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(0);
    expectRefused(await call('GET', '/api/platforms/etalenta/callback?code=abc%00&state=x', undefined, {}), 'querystring/code');
  });

  it('dashboard sign-in and the ICS feed token', async () => {
    expectRefused(await call('POST', '/app/session', { token: 'abc\u0000' }, { 'x-castsync-csrf': '1' }), 'body/token');
    expectRefused(await call('GET', '/api/availability.ics?token=abc%00', undefined, {}), 'querystring/token');
  });
});

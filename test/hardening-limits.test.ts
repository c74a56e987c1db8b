// Limits on what a request may ask for: every paging number has a maximum (400 above it, not a database error),
// an option cannot be created already expired, the days taken are ones an iCalendar feed can write, a user's
// media have a byte quota as well as a count (413 naming quota and use, nothing stored), and a malformed
// multipart body is the client's fault (400), never a 500.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OFFSET, MAX_PAGE } from '../api/schemas.js';
import { filesUnder, image, multipart } from './support/media-files.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

const QUOTA_BYTES = 40_000;

let stack: Stack;
let dataDir: string;
let user: TestUser;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'castsync-limits-'));
  stack = await startStack({ restPlatforms: [], workers: false, env: { CASTSYNC_DATA_DIR: dataDir, CASTSYNC_MEDIA_MAX_BYTES_PER_USER: String(QUOTA_BYTES) } });
  user = await stack.createUser();
});
afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, who: TestUser = user) =>
  stack.app.inject({ method, url, headers: who.auth, ...(payload ? { payload } : {}) });

describe('paging numbers have a maximum', () => {
  const cases: [string, string, number, number][] = [
    ['/api/availability', 'offset', 0, MAX_OFFSET],
    ['/api/availability', 'limit', 1, 500],
    ['/api/audit', 'page', 1, MAX_PAGE],
    ['/api/audit', 'pageSize', 1, 200],
    ['/api/conflicts', 'page', 1, MAX_PAGE],
    ['/api/conflicts', 'pageSize', 1, 200],
    ['/api/sync/history', 'page', 1, MAX_PAGE],
    ['/api/sync/history', 'pageSize', 1, 200],
  ];
  it.each(cases)('%s?%s: the bounds answer 200, past them 400 naming the parameter', async (url, name, minimum, maximum) => {
    expect((await call('GET', `${url}?${name}=${minimum}`)).statusCode).toBe(200);
    expect((await call('GET', `${url}?${name}=${maximum}`)).statusCode).toBe(200);
    for (const [value, rule] of [[maximum + 1, `<= ${maximum}`], ['99999999999999999999', `<= ${maximum}`], [minimum - 1, `>= ${minimum}`]] as const) {
      const res = await call('GET', `${url}?${name}=${value}`);
      expect(res.statusCode, `${name}=${value}`).toBe(400);
      expect(res.json().message).toBe(`querystring/${name} must be ${rule}`);
    }
  });

  it('documents each maximum in the OpenAPI document', async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const [url, name, minimum, maximum] of cases) {
      const parameter = doc.paths[url].get.parameters.find((p: { name: string }) => p.name === name);
      expect(parameter.schema, `${url} ${name}`).toMatchObject({ minimum, maximum });
    }
  });
});

describe('options and days', () => {
  const option = { startDate: '2027-05-01', endDate: '2027-05-02', status: 'tentative', type: 'booking' } as const;

  it('refuses an option whose expiry is already past, on create and on change, and changes nothing', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const res = await call('POST', '/api/availability', { ...option, optionExpiresAt: past });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(`optionExpiresAt ${past} is not in the future; an option's expiry must lie ahead`);
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(0);

    const future = new Date(Date.now() + 86_400_000).toISOString();
    const created = await call('POST', '/api/availability', { ...option, optionExpiresAt: future });
    expect(created.statusCode, created.body).toBe(201);
    const changed = await call('PATCH', `/api/availability/${created.json().id}`, { optionExpiresAt: '2020-01-01T00:00:00Z' });
    expect(changed.statusCode).toBe(400);
    expect(changed.json().message).toMatch(/^optionExpiresAt 2020-01-01T00:00:00Z is not in the future/);
    const stored = await stack.db.availability.findUniqueOrThrow({ where: { id: created.json().id } });
    expect(stored.optionExpiresAt?.toISOString()).toBe(future);
    expect(stored.version).toBe(1);
    // A change that leaves the expiry alone is not refused for it.
    expect((await call('PATCH', `/api/availability/${created.json().id}`, { note: 'call back' })).statusCode).toBe(200);
  });

  it('takes days from 1900-01-01 to 9999-12-30 only (the day after the last must be writable as DTEND)', async () => {
    const day = (startDate: string, endDate: string) => call('POST', '/api/availability', { startDate, endDate, status: 'unavailable', type: 'block' });
    const last = await day('9999-12-30', '9999-12-30');
    expect(last.statusCode, last.body).toBe(201);
    const tooLate = await day('9999-12-31', '9999-12-31');
    expect(tooLate.statusCode).toBe(400);
    expect(tooLate.json().message).toBe('endDate 9999-12-31 is after 9999-12-30, the last day castsync takes');
    const tooEarly = await day('1899-12-31', '1900-01-01');
    expect(tooEarly.statusCode).toBe(400);
    expect(tooEarly.json().message).toBe('startDate 1899-12-31 is before 1900-01-01, the first day castsync takes');
    const moved = await call('PATCH', `/api/availability/${last.json().id}`, { endDate: '9999-12-31' });
    expect(moved.statusCode).toBe(400);
  });

  it('answers 400, not 500, to a filter day JavaScript dates cannot hold', async () => {
    const res = await call('GET', '/api/availability?from=0000-01-01');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^querystring\/from must match pattern/); // the document states the pattern, so clients know
    expect((await call('GET', '/api/availability?to=0050-06-01')).statusCode).toBe(400);
  });
});

describe('media', () => {
  const upload = (who: TestUser, content: Buffer) => {
    const body = multipart({}, [{ fileName: 'me.png', content }]);
    return stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...who.auth, ...body.headers }, payload: body.payload });
  };

  it('refuses an upload past the byte quota with 413 naming quota and use, and stores nothing', async () => {
    const owner = await stack.createUser();
    const first = await image(60, 60, 'png', '#102030');
    expect(first.length).toBeLessThan(QUOTA_BYTES);
    expect((await upload(owner, first)).statusCode).toBe(201);
    const before = await filesUnder(stack.config.mediaDir);

    const big = Buffer.concat([await image(80, 80, 'png', '#405060'), Buffer.alloc(QUOTA_BYTES - first.length)]);
    const res = await upload(owner, big);
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json().message).toBe(`this file (${big.length} bytes) does not fit: your media use ${first.length} of your ${QUOTA_BYTES} bytes (delete some first)`);
    expect(await stack.db.media.count({ where: { userId: owner.id } })).toBe(1);
    expect(await filesUnder(stack.config.mediaDir)).toEqual(before);
  });

  it('refuses at once when the quota is used up', async () => {
    const owner = await stack.createUser();
    await stack.db.media.create({
      data: { userId: owner.id, type: 'document', contentHash: 'f'.repeat(64), storageKey: 'f'.repeat(64), originalName: 'cv.pdf', mimeType: 'application/pdf', bytes: BigInt(QUOTA_BYTES), sortOrder: 0 },
    });
    const res = await upload(owner, await image(10, 10, 'png'));
    expect(res.statusCode).toBe(413);
    expect(res.json().message).toBe(`your media use ${QUOTA_BYTES} of your ${QUOTA_BYTES} bytes (delete some first)`);
  });

  it('answers 400 to multipart bodies without a boundary, with an empty one, or cut off, and leaves no staged file', async () => {
    const good = multipart({ caption: 'x' }, [{ fileName: 'me.png', content: await image(20, 20, 'png') }]);
    const send = (contentType: string, payload: Buffer) =>
      stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, 'content-type': contentType }, payload });
    const cases: [string, Buffer][] = [
      ['multipart/form-data', good.payload],
      ['multipart/form-data; boundary=', good.payload],
      ['multipart/form-data; charset=utf-8', good.payload],
      [good.headers['content-type'], good.payload.subarray(0, good.payload.length - 200)],
      [good.headers['content-type'], Buffer.from('garbage without any boundary')],
    ];
    for (const [contentType, payload] of cases) {
      const res = await send(contentType, payload);
      expect(res.statusCode, `${contentType} (${payload.length} bytes): ${res.body}`).toBe(400);
      expect(res.json().message).toMatch(/multipart body is malformed|has no file/);
    }
    expect(await filesUnder(path.join(stack.config.mediaDir, 'tmp'))).toEqual([]);
    expect(await stack.db.media.count({ where: { userId: user.id } })).toBe(0);
  });
});

// Bad input gets a 4xx that names the problem and changes nothing; every route sees only its user's data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  stack = await startStack({ env: { CASTSYNC_MAX_RANGE_DAYS: '31', CASTSYNC_BODY_LIMIT_BYTES: '4096' } });
  alice = await stack.createUser();
  bob = await stack.createUser();
});
afterAll(() => stack?.stop());

const valid = { startDate: '2027-09-01', endDate: '2027-09-03', status: 'unavailable', type: 'block' };

/** The users' data that a request could change (sync logs are left out: pushes of earlier valid changes write them). */
async function snapshot() {
  const [availability, connections] = await Promise.all([
    stack.db.availability.findMany({ where: { userId: { in: [alice.id, bob.id] } }, orderBy: { id: 'asc' } }),
    stack.db.platformConnection.findMany({ where: { userId: { in: [alice.id, bob.id] } }, orderBy: { id: 'asc' }, select: { id: true, connected: true, autoSync: true, status: true } }),
  ]);
  return JSON.stringify({ availability, connections });
}

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['end before start', { ...valid, endDate: '2027-08-31' }, /endDate 2027-08-31 is before startDate 2027-09-01/],
    ['unknown status', { ...valid, status: 'maybe' }, /body\/status must be equal to one of the allowed values/],
    ['unknown type', { ...valid, type: 'holiday' }, /body\/type must be equal to one of the allowed values/],
    ['malformed date', { ...valid, startDate: '01.09.2027' }, /body\/startDate must match format "date"/],
    ['impossible date', { ...valid, startDate: '2027-02-30', endDate: '2027-03-01' }, /startDate/],
    ['range over the limit', { ...valid, endDate: '2027-12-31' }, /the range covers 122 days; at most 31 are allowed/],
    ['unknown field', { ...valid, colour: 'red' }, /must NOT have additional properties/],
    ['missing field', { startDate: '2027-09-01', endDate: '2027-09-01', status: 'unavailable' }, /must have required property 'type'/],
    ['option rank on a block', { ...valid, optionRank: 1 }, /only allowed when status is "tentative"/],
    ['wrong JSON type', { ...valid, note: 42 }, /body\/note must be string/],
  ];
  for (const [name, payload, message] of cases) {
    it(`rejects ${name} with 400 and changes nothing`, async () => {
      const before = await snapshot();
      const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: alice.auth, payload });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().message).toMatch(message);
      expect(await snapshot()).toBe(before);
    });
  }

  it('rejects a body that is not JSON, and an oversized body', async () => {
    const before = await snapshot();
    const broken = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: { ...alice.auth, 'content-type': 'application/json' }, payload: '{"startDate": ' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().message).toMatch(/JSON/);
    const huge = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: alice.auth, payload: { ...valid, note: 'x'.repeat(5000) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().message).toMatch(/body is too large/i);
    expect(await snapshot()).toBe(before);
  });

  it('rejects a bad PATCH (unknown field, end before start, stale version) and keeps the entry', async () => {
    const created = (await stack.app.inject({ method: 'POST', url: '/api/availability', headers: alice.auth, payload: valid })).json();
    const before = await snapshot();
    const unknown = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${created.id}`, headers: alice.auth, payload: { colour: 'red' } });
    expect(unknown.statusCode).toBe(400);
    const backwards = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${created.id}`, headers: alice.auth, payload: { endDate: '2027-08-01' } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().message).toBe('endDate 2027-08-01 is before startDate 2027-09-01');
    const empty = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${created.id}`, headers: alice.auth, payload: {} });
    expect(empty.statusCode).toBe(400);
    const stale = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${created.id}`, headers: alice.auth, payload: { note: 'x', version: 7 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(/version 7 is not current \(now 1\)/);
    expect(await snapshot()).toBe(before);
  });

  it('rejects bad query strings and ids', async () => {
    const badFilter = await stack.app.inject({ method: 'GET', url: '/api/sync/history?status=exploded', headers: alice.auth });
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().message).toMatch(/querystring\/status must be equal to one of the allowed values/);
    const badPage = await stack.app.inject({ method: 'GET', url: '/api/sync/history?pageSize=100000', headers: alice.auth });
    expect(badPage.statusCode).toBe(400);
    const badId = await stack.app.inject({ method: 'GET', url: '/api/availability/not-a-uuid', headers: alice.auth });
    expect(badId.statusCode).toBe(400);
    const unknownPlatform = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/myspace', headers: alice.auth });
    expect(unknownPlatform.statusCode).toBe(404);
    expect(unknownPlatform.json().message).toBe('unknown platform "myspace"');
    const notConnected = await stack.app.inject({ method: 'GET', url: '/api/sync/status/jobwork', headers: alice.auth });
    expect(notConnected.statusCode).toBe(404);
    expect(notConnected.json().message).toBe('JobWork is not connected');
  });
});

describe('authentication and scoping', () => {
  it('answers 401 without a token or with an unknown one', async () => {
    const none = await stack.app.inject({ method: 'GET', url: '/api/availability' });
    expect(none.statusCode).toBe(401);
    expect(none.json().message).toMatch(/Authorization: Bearer/);
    const wrong = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: { authorization: 'Bearer cs_nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it("answers 404 for another user's entries and attempts, and changes nothing", async () => {
    const mine = (await stack.app.inject({ method: 'POST', url: '/api/availability', headers: alice.auth, payload: { ...valid, startDate: '2027-10-01', endDate: '2027-10-01' } })).json();
    const log = await stack.db.syncLog.create({ data: { userId: alice.id, platformId: 'etalenta', operation: 'push_availability', status: 'failed', errorMessage: 'test' } });
    const before = await snapshot();
    const requests = [
      { method: 'GET', url: `/api/availability/${mine.id}` },
      { method: 'PATCH', url: `/api/availability/${mine.id}`, payload: { note: 'mine now' } },
      { method: 'DELETE', url: `/api/availability/${mine.id}` },
      { method: 'POST', url: `/api/sync/retry/${log.id}` },
    ] as const;
    for (const request of requests) {
      const res = await stack.app.inject({ ...request, headers: bob.auth });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(404);
    }
    const list = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: bob.auth });
    expect(list.json().items.map((i: { id: string }) => i.id)).not.toContain(mine.id);
    const history = await stack.app.inject({ method: 'GET', url: '/api/sync/history', headers: bob.auth });
    expect(history.json().items.map((i: { id: string }) => i.id)).not.toContain(log.id);
    expect(await snapshot()).toBe(before);
  });

  it('retries only failed or partial attempts', async () => {
    const ok = await stack.db.syncLog.create({ data: { userId: alice.id, platformId: 'etalenta', operation: 'push_availability', status: 'success' } });
    const res = await stack.app.inject({ method: 'POST', url: `/api/sync/retry/${ok.id}`, headers: alice.auth });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe('only failed or partial attempts can be retried; this one is success');
  });
});

describe('history, docs and health', () => {
  it('pages and filters the sync history', async () => {
    const user = await stack.createUser();
    for (let i = 0; i < 5; i += 1) {
      await stack.db.syncLog.create({
        data: { userId: user.id, platformId: i % 2 ? 'etalenta' : 'agentur-connection', operation: 'push_availability', status: i < 2 ? 'failed' : 'success', startedAt: new Date(Date.UTC(2027, 0, 1, 0, i)) },
      });
    }
    const page1 = (await stack.app.inject({ method: 'GET', url: '/api/sync/history?pageSize=2', headers: user.auth })).json();
    expect(page1).toMatchObject({ page: 1, pageSize: 2, total: 5 });
    expect(page1.items.map((i: { startedAt: string }) => i.startedAt)).toEqual(['2027-01-01T00:04:00.000Z', '2027-01-01T00:03:00.000Z']);
    const page3 = (await stack.app.inject({ method: 'GET', url: '/api/sync/history?pageSize=2&page=3', headers: user.auth })).json();
    expect(page3.items).toHaveLength(1);
    const failed = (await stack.app.inject({ method: 'GET', url: '/api/sync/history?status=failed&platformId=etalenta', headers: user.auth })).json();
    expect(failed.total).toBe(1);
  });

  it('serves the OpenAPI document and a healthy /health', async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/availability', '/api/availability/{id}', '/api/sync/availability/{platformId}', '/api/sync/status/{platformId}', '/api/sync/history', '/api/sync/retry/{syncLogId}', '/health']),
    );
    // The valid changes of the tests above were handed to the sync service in the background: one may still be on
    // its way (a loaded machine), so the health is read until every change has been delivered.
    const health = await waitFor(async () => {
      const answer = (await stack.app.inject({ method: 'GET', url: '/health' })).json();
      return answer.outboxWaiting === 0 ? answer : null;
    }, { timeoutMs: 15_000, what: 'the outbox to be delivered' });
    expect(health).toEqual({ status: 'ok', database: 'ok', temporal: 'ok', outboxWaiting: 0 });
  });
});

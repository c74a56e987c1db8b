// Every operation a person makes on connections, syncs and conflicts leaves an audit event (who, what, which
// request, when) that GET /api/audit lists newest first, paged, to that user only, and never with a credential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

interface AuditItem {
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: string;
}

describe('audit trail', () => {
  it('records connect, settings, manual sync, retry, conflict resolution and disconnect', async () => {
    const user = await stack.createUser({ platforms: [] });
    const other = await stack.createUser({ platforms: [] });
    const apiKey = 'audit-secret-api-key-123';
    stack.simulators.etalenta!.addAccount(apiKey);
    const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => stack.app.inject({ method, url, headers: user.auth, payload });

    expect((await call('POST', '/api/platforms/etalenta/connect', { apiKey })).statusCode).toBe(201);
    expect((await call('PATCH', '/api/platforms/etalenta', { autoSync: false })).statusCode).toBe(200);
    expect((await call('POST', '/api/sync/availability/etalenta')).statusCode).toBe(202);
    const failed = await stack.db.syncLog.create({ data: { userId: user.id, platformId: 'etalenta', operation: 'push_availability', status: 'failed', attempt: 1 } });
    expect((await call('POST', `/api/sync/retry/${failed.id}`)).statusCode).toBe(202);
    const entry = await call('POST', '/api/availability', { startDate: '2027-09-01', endDate: '2027-09-02', status: 'unavailable', type: 'block' });
    const conflict = await stack.db.conflict.create({ data: { userId: user.id, platformId: 'etalenta', kind: 'already_blocked', availabilityId: entry.json<{ id: string }>().id, message: 'blocked there' } });
    expect((await call('POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'keep_ours' })).statusCode).toBe(200);
    expect((await call('DELETE', '/api/platforms/etalenta')).statusCode).toBe(204);

    const list = await stack.app.inject({ method: 'GET', url: '/api/audit', headers: user.auth });
    expect(list.statusCode).toBe(200);
    const body = list.json<{ items: AuditItem[]; total: number }>();
    expect(body.items.map((i) => [i.action, i.target])).toEqual([
      ['connection.disconnect', 'etalenta'],
      ['conflict.resolve', conflict.id],
      ['sync.retry', 'etalenta'],
      ['sync.manual', 'etalenta'],
      ['connection.settings', 'etalenta'],
      ['connection.connect', 'etalenta'],
    ]);
    expect(body.total).toBe(6);
    expect(body.items.every((i) => i.actor === 'user' && i.requestId && !Number.isNaN(Date.parse(i.createdAt)))).toBe(true);
    expect(body.items.find((i) => i.action === 'connection.settings')!.details).toEqual({ autoSync: false });
    expect(body.items.find((i) => i.action === 'sync.retry')!.details).toEqual({ syncLogId: failed.id });
    expect(list.body).not.toContain(apiKey);
    expect(list.body).not.toContain(user.id);

    const page2 = await stack.app.inject({ method: 'GET', url: '/api/audit?page=2&pageSize=4', headers: user.auth });
    expect(page2.json<{ items: AuditItem[] }>().items.map((i) => i.action)).toEqual(['connection.settings', 'connection.connect']);
    const filtered = await stack.app.inject({ method: 'GET', url: '/api/audit?action=sync.manual', headers: user.auth });
    expect(filtered.json<{ total: number }>().total).toBe(1);

    const theirs = await stack.app.inject({ method: 'GET', url: '/api/audit', headers: other.auth });
    expect(theirs.json<{ total: number }>().total).toBe(0);
    expect((await stack.app.inject({ method: 'GET', url: '/api/audit' })).statusCode).toBe(401);
  });
});

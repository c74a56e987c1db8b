// A worker process killed (SIGKILL) in the middle of a push loses nothing and duplicates nothing: the attempt
// is noticed through its missing heartbeat, retried on the next worker, and the platform ends with one entry.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopChild } from '../lib/temporal-server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { startWorkerProcess } from './support/worker-process.js';

let stack: Stack;
const children: ChildProcess[] = [];
beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(async () => {
  await Promise.all(children.map((c) => stopChild(c)));
  await stack?.stop();
});

async function startWorker(): Promise<ChildProcess> {
  const { child } = await startWorkerProcess(stack.env);
  children.push(child);
  return child;
}

it('finishes a push after its worker is killed mid-request, with no duplicate on the platform', async () => {
  const user = await stack.createUser();
  const sim = stack.simulators.etalenta!;
  const first = await startWorker();

  sim.faults = { answerDelayMs: 2500 };
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-11-01', endDate: '2027-11-02', status: 'unavailable', type: 'block' } });
  expect(res.statusCode).toBe(201);

  // The platform has applied the batch write but its answer is still on the way: kill the worker now.
  await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the write to land', timeoutMs: 30_000 });
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  sim.faults = {};

  await startWorker();
  const rows = await waitFor(async () => {
    const all = await stack.db.syncLog.findMany({ where: { userId: user.id }, orderBy: { attempt: 'asc' } });
    return all.at(-1)?.status === 'success' ? all : null;
  }, { what: 'the retried attempt to succeed', timeoutMs: 60_000 });

  expect(rows.map((r) => [r.attempt, r.status, r.errorType])).toEqual([
    [1, 'failed', 'Interrupted'],
    [2, 'success', null],
  ]);
  expect(rows[1]!.itemsProcessed).toBe(0); // the retry found the entry already there
  const calendar = sim.calendar(user.apiKeys.etalenta!);
  expect(calendar).toHaveLength(1);
  expect(calendar[0]).toMatchObject({ clientRef: res.json().id, from: '2027-11-01', to: '2027-11-02' });
  const listed = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: user.auth });
  expect(listed.json().items[0].platforms[0]).toMatchObject({ platformId: 'etalenta', state: 'confirmed', externalId: calendar[0]!.id });
});

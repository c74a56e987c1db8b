// The sync workflow keeps its history bounded: it continues as new after a number of rounds (carrying each
// platform's state), completes when idle, and the next change starts it again.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE, availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import { availabilitySyncWorkflow, syncRequestedSignal, syncStateQuery } from '../workflows/availability-sync.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

async function addRange(userId: string, day: string) {
  await stack.db.availability.create({ data: { userId, startDate: new Date(`${day}T00:00:00Z`), endDate: new Date(`${day}T00:00:00Z`), status: 'unavailable', type: 'block' } });
}

it('continues as new after its round limit, carrying platform state, and completes when idle', async () => {
  const user = await stack.createUser();
  const workflowId = availabilitySyncWorkflowId(user.id);
  const sim = stack.simulators.etalenta!;
  const signal = (day: string) =>
    addRange(user.id, day).then(() =>
      stack.temporal.workflow.signalWithStart(availabilitySyncWorkflow, {
        workflowId,
        taskQueue: WORKFLOW_TASK_QUEUE,
        args: [{ userId: user.id, coalesceMs: 0, idleTimeoutMs: 3000, roundsBeforeContinueAsNew: 2 }],
        signal: syncRequestedSignal,
        signalArgs: [{}],
      }),
    );

  await signal('2028-01-01');
  const firstRunId = (await stack.temporal.workflow.getHandle(workflowId).describe()).runId;
  await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'round 1' });
  await signal('2028-01-02');
  await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 2, { what: 'round 2' });

  const secondRun = await waitFor(async () => {
    const description = await stack.temporal.workflow.getHandle(workflowId).describe();
    return description.runId !== firstRunId ? description : null;
  }, { what: 'continue-as-new' });
  const first = await stack.temporal.workflow.getHandle(workflowId, firstRunId).describe();
  expect(first.status.name).toBe('CONTINUED_AS_NEW');
  const carried = await stack.temporal.workflow.getHandle(workflowId).query(syncStateQuery);
  expect(carried.platforms).toEqual([expect.objectContaining({ platformId: 'etalenta', state: 'synced', pushes: 2 })]);

  await signal('2028-01-03');
  await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 3, { what: 'round 3 on the new run' });

  // Idle for longer than idleTimeoutMs: the run completes.
  const done = await waitFor(async () => {
    const description = await stack.temporal.workflow.getHandle(workflowId, secondRun.runId).describe();
    return description.status.name !== 'RUNNING' ? description : null;
  }, { what: 'the idle run to complete', timeoutMs: 20_000 });
  expect(['COMPLETED', 'CONTINUED_AS_NEW']).toContain(done.status.name);

  // The API's next change starts a fresh run.
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2028-01-04', endDate: '2028-01-04', status: 'unavailable', type: 'block' } });
  expect(res.json().syncRequested).toMatchObject({ state: 'queued' });
  await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 4, { what: 'the push from a fresh run' });
});

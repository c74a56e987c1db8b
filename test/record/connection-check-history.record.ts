// Records histories of the connect-time check (workflows/connection-check.ts) on the time-skipping server, so
// test/workflow-replay.test.ts proves a change to it still replays runs in flight: one the platform accepted, and
// one that met a 503 on every attempt (retried, then answered as trouble). Only the check's id travels in them.
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { platformTaskQueue, WORKFLOW_TASK_QUEUE, connectionCheckWorkflowId } from '../../workflows/plumbing.js';
import { getPlatform } from '../../adapters/catalog.js';
import { connectionCheckAttempts, sealCheckCredentials } from '../../lib/connection-checks.js';
import { connectionCheckWorkflow } from '../../workflows/connection-check.js';
import { historyToFixture } from '../support/histories.js';
import { fixturesDir as fixtures, useRecordingStack } from './recording-stack.js';

const stack = useRecordingStack();

async function recordCheck(apiKey: string, fixture: string) {
  const user = await stack.db.user.create({ data: { email: `record-${randomBytes(6).toString('hex')}@example.test`, name: 'Replay Actor' } });
  const checkId = randomUUID();
  await stack.db.connectionCheck.create({
    data: { id: checkId, userId: user.id, platformId: 'etalenta', expiresAt: new Date(Date.now() + 10 * 60_000), ...sealCheckCredentials(stack.config, checkId, { apiKey }) },
  });
  const result = await stack.env.client.workflow.execute(connectionCheckWorkflow, {
    workflowId: connectionCheckWorkflowId(checkId),
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ checkId, taskQueue: platformTaskQueue('etalenta'), ...connectionCheckAttempts(getPlatform('etalenta')) }],
  });
  const history = historyToFixture(await stack.env.client.workflow.getHandle(connectionCheckWorkflowId(checkId)).fetchHistory());
  expect(history).not.toContain(Buffer.from(apiKey).toString('base64'));
  await writeFile(path.join(fixtures, fixture), history);
  return result;
}

it('records a connection check the platform accepted', async () => {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  stack.sim.addAccount(apiKey);
  expect(await recordCheck(apiKey, 'connection-check-accepted.json')).toEqual({ accepted: true });
});

it('records a connection check that met trouble on every attempt', async () => {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  stack.sim.addAccount(apiKey);
  stack.sim.faults = { failNext: { count: 10, status: 503 } };
  const result = await recordCheck(apiKey, 'connection-check-trouble.json');
  stack.sim.faults = {};
  expect(result).toMatchObject({ accepted: false, retryable: true });
});

// Records histories of the availability sync loop on the time-skipping server, so test/workflow-replay.test.ts can
// prove that a changed loop still replays them: a push that succeeds, a platform that stays down past its retry
// window (the push ends TIMEOUT), a manual sync after it recovers, continue-as-new, and the idle end.
// Payloads are not encrypted here (no codec), so the fixtures replay without the run's keys.
// Record from the workflow code that runs in production now, before changing it: e.g. a detached worktree of main
// (`git worktree add --detach <dir> main`, with node_modules and generated/ linked in), this folder copied there,
// `npx vitest run --config test/record/vitest.config.ts` run there, and the written fixtures copied back.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parseDay } from '../../lib/days.js';
import { SYNC_LOOP_FEATURES } from '../../workflows/platform-sync-loop.js';
import { syncSignals, syncTargetsChangedSignal } from '../../workflows/plumbing.js';
import { historyToFixture } from '../support/histories.js';
import { fixturesDir as fixtures, recordingActor, until, useRecordingStack } from './recording-stack.js';

const MINUTE = 60_000;
const stack = useRecordingStack();

async function actor() {
  const input = { coalesceMs: 0, roundsBeforeContinueAsNew: 3, redrive: { initialMs: 10 * MINUTE, maxMs: 60 * MINUTE } };
  const { apiKey, user, signal } = await recordingActor(stack, 'availability', input);
  const block = (day: string) => stack.db.availability.create({ data: { userId: user.id, startDate: parseDay(day)!, endDate: parseDay(day)!, status: 'unavailable', type: 'block' } });
  return { apiKey, user, block, signal };
}

it('records a platform down past its retry window, then nothing until the run ends idle', async () => {
  const { user, block, signal } = await actor();
  stack.sim.faults = { failNext: { count: 1_000_000, status: 503 } };
  await block('2027-09-10');
  const run = await signal({ requestId: 'record-idle-1' });
  await until(async () => (await stack.db.syncLog.count({ where: { userId: user.id, status: 'failed' } })) > 0, 'a failed attempt');
  await stack.env.sleep(35 * MINUTE);
  await stack.env.sleep(3 * 60 * MINUTE); // the code recorded here gives the platform up and ends idle after an hour
  await run.result();
  stack.sim.faults = {};
  const history = historyToFixture(await run.fetchHistory());
  expect(history).toContain('RETRY_STATE_TIMEOUT');
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'availability-sync-outage-idle.json'), history);
});

it('records an availability sync through an outage longer than the retry window', async () => {
  const { apiKey, user, block, signal } = await actor();

  await block('2027-09-01');
  const first = await signal({ requestId: 'record-1' });
  await until(() => stack.sim.calendar(apiKey).length === 1, 'the first push');

  stack.sim.faults = { failNext: { count: 1_000_000, status: 503 } };
  await block('2027-09-02');
  await signal({ requestId: 'record-2' });
  await until(async () => (await stack.db.syncLog.count({ where: { userId: user.id, status: 'failed' } })) > 0, 'a failed attempt');
  await stack.env.sleep(35 * MINUTE); // past the REST retry window (30 minutes): the push ends with TIMEOUT
  await until(async () => (await first.query(syncSignals.availability.state)).platforms[0]?.state === 'failed', 'the failed state');

  stack.sim.faults = {};
  await signal({ manual: true, platformIds: ['etalenta'], requestId: 'record-3' });
  await until(() => stack.sim.calendar(apiKey).length === 2, 'the manual push after the outage');
  await block('2027-09-03');
  await signal({ requestId: 'record-4', outboxId: '1' });
  await signal({ requestId: 'record-4', outboxId: '1' }); // a redelivery, ignored
  await until(() => stack.sim.calendar(apiKey).length === 3, 'the push after continue-as-new');
  await stack.env.sleep(2 * 60 * MINUTE); // idle: the run completes
  const last = stack.env.client.workflow.getHandle(first.workflowId);
  await last.result();

  const firstRun = stack.env.client.workflow.getHandle(first.workflowId, first.signaledRunId);
  const firstHistory = historyToFixture(await firstRun.fetchHistory());
  expect(firstHistory).toContain('RETRY_STATE_TIMEOUT');
  await writeFile(path.join(fixtures, 'availability-sync-outage.json'), firstHistory);
  const lastHistory = historyToFixture(await last.fetchHistory());
  expect(lastHistory).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'availability-sync-after-continue-as-new.json'), lastHistory);
});

it('records a run that holds its platforms and keeps one idle timer (the features of runs started now)', async () => {
  const { apiKey, user, signal } = await recordingActor(stack, 'availability', { coalesceMs: 0, features: SYNC_LOOP_FEATURES });
  const block = (day: string) => stack.db.availability.create({ data: { userId: user.id, startDate: parseDay(day)!, endDate: parseDay(day)!, status: 'unavailable', type: 'block' } });
  const held = () => stack.sim.calendar(apiKey).length;

  await block('2027-10-01');
  const run = await signal({ requestId: 'held-1' });
  await until(() => held() === 1, 'the first push (platforms listed)');
  await block('2027-10-02');
  await signal({ requestId: 'held-2' });
  await until(() => held() === 2, 'the second push (platforms held)');
  await run.signal(syncTargetsChangedSignal);
  await block('2027-10-03');
  await signal({ requestId: 'held-3' });
  await until(() => held() === 3, 'the push after the platforms changed (listed again)');
  await signal({ manual: true, platformIds: ['etalenta'], requestId: 'held-4' });
  await until(async () => (await stack.db.syncLog.count({ where: { userId: user.id, status: 'success' } })) === 4, 'the manual push');
  await stack.env.sleep(2 * 60 * MINUTE); // idle: the run completes
  await run.result();
  const history = historyToFixture(await run.fetchHistory());
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'availability-sync-held-targets.json'), history);
});

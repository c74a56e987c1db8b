// The media sync workflow changed how it schedules a push (patched 'media-push-timeouts-from-work': a timeout
// derived from the push's work). A run started before the change must replay its history unchanged: the recorded
// history (test/record/media-sync-history.record.ts) is replayed against the current workflow bundle.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, expect, inject, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../workflows/plumbing.js';
import { parseMasterKeys } from '../lib/config.js';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { newMasterKey } from '../lib/secrets.js';
import { historyFromFixture } from './support/histories.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/histories/media-sync-before-work-timeouts.json');

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
});

const replay = async (text: string) => {
  const history = historyFromFixture(text);
  // The fixture's payloads are plain, which the service's codec passes through.
  const keys = parseMasterKeys(`replay:${newMasterKey()}`);
  const options = { workflowBundle: { codePath: inject('workflowBundlePath') }, taskQueue: WORKFLOW_TASK_QUEUE, dataConverter: temporalDataConverter({ payloadKeys: keys, payloadActiveKeyId: 'replay' }) };
  const results = [];
  for await (const result of Worker.runReplayHistories(options, [{ workflowId: 'media-sync-before-work-timeouts', history }])) results.push(result.error ? String(result.error) : null);
  return results;
};

it('replays a media sync recorded before push timeouts were derived from the work', async () => {
  expect(await replay(await readFile(FIXTURE, 'utf8'))).toEqual([null]);
});

it('notices a history the current code cannot produce (the check is not vacuous)', async () => {
  // The same history with the push scheduled under another activity type: the workflow code must reject it.
  const altered = (await readFile(FIXTURE, 'utf8')).replaceAll('"pushMedia"', '"pushProfile"');
  const [error] = await replay(altered);
  expect(error).toMatch(/nondetermin/i);
});

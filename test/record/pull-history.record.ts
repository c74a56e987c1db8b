// Records a history of one scheduled pull of e-TALENTA (the calendar pull, then the media drift check the catalog
// asks for), from the workflow code as it was before the pull's follow-up checks came from the pull activity's
// recorded result (patched 'pull-follow-ups-from-result'), so test/workflow-replay.test.ts proves the changed
// workflow still replays pulls that began before.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE } from '../../workflows/plumbing.js';
import { historyToFixture } from '../support/histories.js';
import { fixturesDir as fixtures, recordingActor, useRecordingStack } from './recording-stack.js';

const stack = useRecordingStack();

it('records a scheduled pull with its media drift check', async () => {
  const { user } = await recordingActor(stack, 'availability', {});
  const handle = await stack.env.client.workflow.start('availabilityPullWorkflow', {
    workflowId: `record-pull-${user.id}`,
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ userId: user.id, platformId: 'etalenta' }],
  });
  await handle.result();

  const history = historyToFixture(await handle.fetchHistory());
  expect(history).toContain('checkMediaDrift');
  await writeFile(path.join(fixtures, 'availability-pull-before-follow-ups.json'), history);
});

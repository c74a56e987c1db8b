// Records a history of the media sync loop on the time-skipping server, from the workflow code as it was before
// media pushes got timeouts derived from their work (patched 'media-push-timeouts-from-work'), so
// test/media-replay.test.ts (and test/workflow-replay.test.ts) prove the changed workflow still replays it:
// an upload, a delete, and the idle end. Payloads are not encrypted here (no codec), so the fixture replays
// without the run's keys.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { LocalDiskStorage } from '../../lib/media-storage.js';
import { historyToFixture } from '../support/histories.js';
import { image } from '../support/media-files.js';
import { fixturesDir as fixtures, recordingActor, until, useRecordingStack } from './recording-stack.js';

const MINUTE = 60_000;
const stack = useRecordingStack();

it('records a media sync: an upload, a delete, the idle end', async () => {
  const { apiKey, user, signal } = await recordingActor(stack, 'media', { coalesceMs: 0 });
  const stored = await new LocalDiskStorage(stack.config.mediaDir).put(Readable.from(await image(1200, 1600)));
  const photo = await stack.db.media.create({
    data: { userId: user.id, type: 'photo', contentHash: stored.key, storageKey: stored.key, originalName: 'a.jpg', mimeType: 'image/jpeg', bytes: stored.bytes, width: 1200, height: 1600, isMain: true },
  });

  const handle = await signal({ requestId: 'record-1' });
  await until(() => stack.sim.media(apiKey).length === 1, 'the upload');
  await stack.db.media.update({ where: { id: photo.id }, data: { deletedAt: new Date(), isMain: false, version: { increment: 1 } } });
  await signal({ requestId: 'record-2' });
  await until(() => stack.sim.media(apiKey).length === 0, 'the delete');
  await stack.env.sleep(2 * 60 * MINUTE); // idle: the run completes
  await stack.env.client.workflow.getHandle(handle.workflowId).result();

  const history = historyToFixture(await stack.env.client.workflow.getHandle(handle.workflowId, handle.signaledRunId).fetchHistory());
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, 'media-sync-before-work-timeouts.json'), history);
});

// Records an availability sync whose targets include the user's destination calendar (a real Radicale), so
// test/workflow-replay.test.ts proves that a changed loop still replays a run that pushed to a calendar on the
// calendars' shared task queue next to a platform's. See sync-loop-histories.record.ts for how to record.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCalendarDestinationWorkerActivities } from '../../activities/index.js';
import { sealCalDavCredentials } from '../../lib/caldav-sources.js';
import { parseDay } from '../../lib/days.js';
import { FAILURE_CONVERTER_PATH } from '../../lib/payload-codec.js';
import { SYNC_LOOP_FEATURES } from '../../workflows/platform-sync-loop.js';
import { CALENDAR_DESTINATION_TASK_QUEUE, calendarTargetId } from '../../workflows/plumbing.js';
import { historyToFixture } from '../support/histories.js';
import { startRadicale, type RadicaleServer } from '../support/radicale.js';
import { fixturesDir, recordingActor, until, useRecordingStack } from './recording-stack.js';

const MINUTE = 60_000;
let radicale: RadicaleServer;
beforeAll(async () => {
  radicale = await startRadicale();
});
const stack = useRecordingStack(() => ({ CASTSYNC_CALENDAR_HTTP_HOSTS: '127.0.0.1' }));
let worker: Worker;
let running: Promise<void>;
beforeAll(async () => {
  const deps = { db: stack.db, config: stack.config, temporal: stack.env.client };
  worker = await Worker.create({
    connection: stack.env.nativeConnection,
    taskQueue: CALENDAR_DESTINATION_TASK_QUEUE,
    dataConverter: { failureConverterPath: FAILURE_CONVERTER_PATH },
    activities: createCalendarDestinationWorkerActivities(deps),
  });
  running = worker.run();
});
afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await radicale?.stop();
});

it('records pushes to e-TALENTA and to the destination calendar, then the idle end', async () => {
  const { apiKey, user, signal } = await recordingActor(stack, 'availability', { coalesceMs: 0, features: SYNC_LOOP_FEATURES });
  const calendarUrl = `${radicale.url}${radicale.username}/castsync/`;
  const made = await fetch(calendarUrl, { method: 'MKCOL', headers: { authorization: `Basic ${Buffer.from(`${radicale.username}:${radicale.password}`).toString('base64')}`, 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>' });
  expect(made.status).toBe(201);
  const id = randomUUID();
  const credentials = { serverUrl: radicale.url, calendarUrl, username: radicale.username, password: radicale.password };
  await stack.db.calendarSource.create({
    data: { id, userId: user.id, kind: 'caldav', name: 'Radicale', rules: [{ kind: 'block' }], destination: true, ...sealCalDavCredentials(stack.config, { id, userId: user.id }, credentials) },
  });
  await stack.db.availability.create({ data: { userId: user.id, startDate: parseDay('2027-10-04')!, endDate: parseDay('2027-10-04')!, status: 'unavailable', type: 'block' } });

  const run = await signal({ requestId: 'record-calendar-1' });
  const written = () => stack.db.platformAvailabilityState.count({ where: { userId: user.id, platformId: calendarTargetId(id), confirmedVersion: 1 } });
  await until(async () => stack.sim.calendar(apiKey).length === 1 && (await written()) === 1, 'the pushes to e-TALENTA and the calendar');
  await stack.env.sleep(2 * 60 * MINUTE); // idle: the run completes
  await run.result();

  const history = historyToFixture(await run.fetchHistory());
  expect(history).toContain(CALENDAR_DESTINATION_TASK_QUEUE);
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixturesDir, 'availability-sync-destination-calendar.json'), history);
});

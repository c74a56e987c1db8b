// Records one real run of each workflow type that had no replay fixture yet (profile sync, option expiry,
// reconcile, calendar refresh), and a scheduled pull as pulls run now (its checks named by the pull activity's
// result), on the time-skipping server, so test/workflow-replay.test.ts proves a change to any workflow type still
// replays runs in flight. Record from the workflow code as it runs in production, before changing it. Only ids
// travel in these histories: the API key stays in the database, the feed's address sealed on its source row.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE, optionExpiryWorkflowId } from '../../workflows/plumbing.js';
import { createCalendarSource, type Caller } from '../../lib/calendar-sources.js';
import { parseDay } from '../../lib/days.js';
import { addToOutbox, outboxInsert } from '../../lib/outbox.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { scheduleOptionExpiry } from '../../lib/option-expiry-timers.js';
import { calendarRefreshWorkflow } from '../../workflows/calendar-refresh.js';
import { SYNC_LOOP_FEATURES } from '../../workflows/platform-sync-loop.js';
import { reconcileWorkflow } from '../../workflows/reconcile.js';
import { historyToFixture } from '../support/histories.js';
import { startFeedServer, type FeedServer } from '../support/feed-server.js';
import { fixturesDir as fixtures, recordingActor, until, useRecordingStack } from './recording-stack.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const FEED_PATH = '/calendar/ical/record%40example.com/private-3c9e1f7a2b/basic.ics';
const GOOGLE = readFileSync(new URL('../fixtures/calendars/google-export.ics', import.meta.url), 'utf8');

let feeds: FeedServer;
beforeAll(async () => {
  feeds = await startFeedServer();
  feeds.set(FEED_PATH, { kind: 'calendar', text: GOOGLE });
});
const stack = useRecordingStack(() => ({ CASTSYNC_CALENDAR_HTTP_HOSTS: feeds.host }));
afterAll(async () => {
  await feeds?.stop();
});

/** What a fixture must never hold: the account's API key and the feed's address, plain or base64 (payload data). */
function expectNoSecret(history: string, secrets: string[]) {
  for (const secret of secrets) {
    expect(history).not.toContain(secret);
    expect(history).not.toContain(Buffer.from(secret).toString('base64'));
  }
}

async function save(fixture: string, history: string, secrets: string[]) {
  expectNoSecret(history, secrets);
  expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED');
  await writeFile(path.join(fixtures, fixture), history);
}

it('records a profile sync: a push, an edit pushed, the idle end', async () => {
  const { apiKey, user, signal } = await recordingActor(stack, 'profile', { coalesceMs: 0, features: SYNC_LOOP_FEATURES });
  await stack.db.profile.create({ data: { userId: user.id, fields: { heightCm: 180, playingAge: { from: 30, to: 40 } }, visibility: {} } });
  const synced = (version: number) => async () => (await stack.db.platformProfileState.findFirst({ where: { userId: user.id, platformId: 'etalenta' } }))?.syncedVersion === version;

  const run = await signal({ requestId: 'record-profile-1' });
  await until(synced(1), 'the first profile push');
  await stack.db.profile.update({ where: { userId: user.id }, data: { fields: { heightCm: 181, playingAge: { from: 30, to: 40 } }, version: { increment: 1 } } });
  await signal({ requestId: 'record-profile-2' });
  await until(synced(2), 'the edit pushed');
  await stack.env.sleep(2 * HOUR); // idle: the run completes
  await run.result();
  const history = historyToFixture(await run.fetchHistory());
  expect(history).toContain('pushProfile');
  await save('profile-sync.json', history, [apiKey]);
});

it('records an option expiry whose deadline was moved once, then released', async () => {
  const user = await stack.db.user.create({ data: { email: `record-${randomBytes(6).toString('hex')}@example.test`, name: 'Replay Actor' } });
  const day = parseDay('2027-06-01')!;
  const now = await stack.env.currentTimeMs();
  const first = new Date(now + 48 * HOUR);
  const option = await stack.db.availability.create({
    data: { userId: user.id, startDate: day, endDate: day, status: 'tentative', type: 'booking', optionRank: 1, optionHolder: 'Production 1', optionExpiresAt: first },
  });
  await scheduleOptionExpiry(stack.env.client, { userId: user.id, availabilityId: option.id, expiresAt: first.toISOString() });
  // The option's expiry moves (the gateway's signal), as an edit in the API does.
  const moved = new Date(now + 72 * HOUR);
  await stack.db.availability.update({ where: { id: option.id }, data: { optionExpiresAt: moved, version: { increment: 1 } } });
  await scheduleOptionExpiry(stack.env.client, { userId: user.id, availabilityId: option.id, expiresAt: moved.toISOString() });
  const handle = stack.env.client.workflow.getHandle(optionExpiryWorkflowId(option.id));
  expect(await handle.result()).toBe('released');
  const history = historyToFixture(await handle.fetchHistory());
  expect(history).toContain('releaseExpiredOption');
  await save('option-expiry-moved.json', history, []);
});

it('records a reconcile of a connection (a full comparison asked for)', async () => {
  const { apiKey, user } = await recordingActor(stack, 'availability', {});
  const result = await stack.env.client.workflow.execute(reconcileWorkflow, {
    workflowId: `reconcile-${user.id}-etalenta`,
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ userId: user.id, platformId: 'etalenta' }],
  });
  expect(result.skipped).toBeNull();
  const history = historyToFixture(await stack.env.client.workflow.getHandle(`reconcile-${user.id}-etalenta`).fetchHistory());
  expect(history).toContain('core_local_activity'); // requestFullComparison's marker
  await save('reconcile.json', history, [apiKey]);
});

it('records a calendar refresh that imports a feed', async () => {
  const user = await stack.db.user.create({ data: { email: `record-${randomBytes(6).toString('hex')}@example.test`, name: 'Replay Actor' } });
  // The outbox rows are written, not delivered: no relay runs here, and the refresh is started below by hand.
  const outbox: SyncOutbox = {
    add: (tx, userId, messages) => addToOutbox(tx, userId, messages),
    handOff: () => {},
    transaction: (db, userId, change, options) => db.$transaction((tx) => change(tx, async (messages) => void (await addToOutbox(tx, userId, messages))), options),
    write: async (db, userId, write, messages) => (await db.$transaction([write, outboxInsert(db, userId, messages)]))[0],
  };
  const caller: Caller = { userId: user.id, requestId: 'record-calendar' };
  const source = await createCalendarSource(stack.db, outbox, stack.config, caller, { kind: 'ics', name: 'Google privat', url: `${feeds.url}${FEED_PATH}`, rules: [{ word: 'probe', kind: 'block' }] });
  const workflowId = `calendar-refresh-${source.id}`;
  const result = await stack.env.client.workflow.execute(calendarRefreshWorkflow, { workflowId, taskQueue: WORKFLOW_TASK_QUEUE, args: [{ userId: user.id, sourceId: source.id }] });
  expect(result).toMatchObject({ status: 'imported' });
  const history = historyToFixture(await stack.env.client.workflow.getHandle(workflowId).fetchHistory());
  expect(history).toContain('refreshCalendarSource');
  await save('calendar-refresh-imported.json', history, [FEED_PATH, 'private-3c9e1f7a2b', feeds.url]);
});

it('records a scheduled pull as pulls run now: the checks named by the pull activity\'s result', async () => {
  const { apiKey, user } = await recordingActor(stack, 'availability', {});
  const handle = await stack.env.client.workflow.start('availabilityPullWorkflow', {
    workflowId: `record-pull-now-${user.id}`,
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [{ userId: user.id, platformId: 'etalenta' }],
  });
  await handle.result();
  const history = historyToFixture(await handle.fetchHistory());
  expect(history).toContain('core_patch'); // 'pull-follow-ups-from-result' and the drift checks' patches
  expect(history).toContain('checkMediaDrift');
  await save('availability-pull-follow-ups-from-result.json', history, [apiKey]);
});

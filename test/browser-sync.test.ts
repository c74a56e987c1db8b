// The browser-automation kind end to end: changes made through the API reach a simulated casting portal
// through Temporal, driven in real Chromium by the BrowserAdapter. The portal's faults (expired sessions, a
// cookie banner, a logout in the middle, a 5xx page, a wrong password) end the way the adapter and the browser
// retry policy say. The policy's first retry waits 10 s, so only one test retries through Temporal; a lost
// session is recovered inside the attempt.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionCredentialStore, openCredentials } from '../activities/credential-store.js';
import { BrowserAdapter, closeBrowser } from '../adapters/browser/browser-adapter.js';
import { getPlatform } from '../adapters/catalog.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const PASSWORD = 'correct horse battery staple';

let portal: PortalSimulator;
let stack: Stack;
let dataDir: string;

beforeAll(async () => {
  portal = new PortalSimulator({ name: 'Filmmakers' });
  await portal.start();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-browser-'));
  stack = await startStack({
    restPlatforms: [],
    workerPlatforms: ['filmmakers'],
    env: { CASTSYNC_PLATFORM_URL_FILMMAKERS: portal.url, CASTSYNC_DATA_DIR: dataDir },
  });
});

afterAll(async () => {
  await stack?.stop();
  await closeBrowser();
  await portal?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  portal.faults = {};
});

type PortalUser = TestUser & { email: string };

/** A user whose Filmmakers connection holds these login details for a fresh portal account. */
async function portalUser(password = PASSWORD): Promise<PortalUser> {
  const user = await stack.createUser({ platforms: [] });
  const email = `actor-${user.id.slice(0, 8)}@portal.test`;
  portal.addAccount(email, PASSWORD);
  await stack.connect(user.id, 'filmmakers', { email, password });
  return { ...user, email };
}

const addRange = (user: PortalUser, payload: Record<string, unknown>) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload });

const block = async (user: PortalUser, startDate: string, endDate = startDate, note?: string) => {
  const res = await addRange(user, { startDate, endDate, status: 'unavailable', type: 'block', ...(note ? { note } : {}) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
};

const attempts = (userId: string) => stack.db.syncLog.findMany({ where: { userId }, orderBy: { startedAt: 'asc' } });

/** Waits until `count` attempts exist, none still running, the last one a success; answers them. */
const settledAttempts = (userId: string, count: number, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const rows = await attempts(userId);
      return rows.length === count && rows.every((r) => r.status !== 'pending') && rows.at(-1)!.status === 'success' ? rows : null;
    },
    { what: `${count} finished attempts, the last a success`, timeoutMs },
  );

const syncStatus = async (user: PortalUser) =>
  (await stack.app.inject({ method: 'GET', url: '/api/sync/status/filmmakers', headers: user.auth })).json();

/** The workflow has pushed everything asked of it so far. */
const idle = (user: PortalUser) =>
  waitFor(async () => {
    const status = await syncStatus(user);
    return status.sync?.state === 'synced' && !status.sync.queued ? status : null;
  }, { what: 'the sync workflow to be idle' });

const marker = (ourId: string) => `[cs:${ourId.slice(0, 8)}]`;

describe('browser platforms (real Chromium against the portal simulator)', () => {
  it('pushes a blocked range to the portal calendar through Temporal and keeps the session', async () => {
    const user = await portalUser();
    const created = await block(user, '2027-03-01', '2027-03-05', 'family');

    await waitFor(() => portal.entries(user.email).length === 1, { what: 'the portal to show the range' });
    const [entry] = portal.entries(user.email);
    expect(entry).toMatchObject({ from: '2027-03-01', to: '2027-03-05', state: 'blocked', comment: `family ${marker(created.id)}` });
    const [row] = await settledAttempts(user.id, 1);
    expect(row).toMatchObject({ platformId: 'filmmakers', operation: 'push_availability', status: 'success', attempt: 1, itemsProcessed: 1 });
    expect(portal.loginsOf(user.email)).toBe(1);

    const listed = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: user.auth });
    expect(listed.json().items[0].platforms).toEqual([expect.objectContaining({ platformId: 'filmmakers', state: 'confirmed', externalId: entry!.id })]);
    // The portal's session cookie is kept with the sealed credentials for the next push.
    const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });
    const credentials = openCredentials(stack.config, user.id, 'filmmakers', connection);
    expect(credentials).toMatchObject({ email: user.email, password: PASSWORD });
    expect(credentials.sessionState).toMatchObject({ cookies: [expect.objectContaining({ name: 'portal_session', httpOnly: true })] });
  });

  it('reuses the stored session for the next change instead of signing in again', async () => {
    const user = await portalUser();
    await block(user, '2027-03-10');
    await settledAttempts(user.id, 1);
    expect(portal.loginsOf(user.email)).toBe(1);

    await block(user, '2027-03-12');
    await settledAttempts(user.id, 2);
    expect(portal.entries(user.email).map((e) => e.from)).toEqual(['2027-03-10', '2027-03-12']);
    expect(portal.loginsOf(user.email)).toBe(1);
  });

  it('signs in again when the stored session has expired, within the same attempt', async () => {
    const user = await portalUser();
    await block(user, '2027-03-20');
    await settledAttempts(user.id, 1);
    const expiredBefore = portal.counters.sessionsExpired;
    portal.expireSessions(user.email);

    await block(user, '2027-03-22');
    const rows = await settledAttempts(user.id, 2);
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([[1, 'success'], [1, 'success']]);
    expect(portal.counters.sessionsExpired).toBe(expiredBefore + 1);
    expect(portal.loginsOf(user.email)).toBe(2);
    expect(portal.entries(user.email)).toHaveLength(2);
  });

  it('accepts the cookie banner that blocks the page, and keeps the consent with the session', async () => {
    portal.faults = { cookieBanner: true };
    const user = await portalUser();
    const consentsBefore = portal.counters.consents;
    await block(user, '2027-04-01');
    await settledAttempts(user.id, 1);
    expect(portal.entries(user.email)).toHaveLength(1);
    expect(portal.counters.consents).toBe(consentsBefore + 1);

    const bannersBefore = portal.counters.bannersShown;
    await block(user, '2027-04-02');
    await settledAttempts(user.id, 2);
    expect(portal.entries(user.email)).toHaveLength(2);
    expect(portal.counters.bannersShown).toBe(bannersBefore);
  });

  it('recovers from being logged out in the middle of a push by signing in and re-reading the calendar', async () => {
    const user = await portalUser();
    await block(user, '2027-04-10');
    await settledAttempts(user.id, 1);
    const droppedBefore = portal.counters.sessionsDropped;
    // The calendar still opens, then the add form lands on the login page.
    portal.faults = { logoutAfter: 1, logoutNext: 1 };

    const second = await block(user, '2027-04-12');
    const rows = await settledAttempts(user.id, 2);
    expect(rows.map((r) => [r.attempt, r.status, r.itemsProcessed])).toEqual([[1, 'success', 1], [1, 'success', 1]]);
    expect(portal.counters.sessionsDropped).toBe(droppedBefore + 1);
    expect(portal.loginsOf(user.email)).toBe(2);
    expect(portal.entries(user.email).map((e) => [e.from, e.comment.slice(-13)])).toEqual([
      ['2027-04-10', expect.stringMatching(/^\[cs:[0-9a-f]{8}\]$/)],
      ['2027-04-12', marker(second.id)],
    ]);
  });

  it('fails a wrong password once, without retries, and asks for reconnection', async () => {
    const user = await portalUser('not the password');
    await block(user, '2027-05-01');
    // The workflow marks a push failed only once Temporal gives up on it; a retryable error would keep it
    // "syncing" through the policy's 10 s backoff. So "failed" at attempt 1 means: not retried.
    const status = await waitFor(async () => {
      const current = await syncStatus(user);
      return current.sync?.state === 'failed' ? current : null;
    }, { what: 'the failed state' });
    expect(status).toMatchObject({
      connectionStatus: 'needs_reauth',
      statusMessage: 'Filmmakers rejected our credentials (login refused: E-mail address or password is incorrect.); reconnect the platform',
      sync: { state: 'failed', lastErrorType: 'PlatformAuthError' },
      lastAttempt: { status: 'failed', attempt: 1 },
    });
    const rows = await attempts(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ errorType: 'PlatformAuthError', errorMessage: expect.stringContaining('E-mail address or password is incorrect') });
    expect(portal.entries(user.email)).toEqual([]);
  });

  it('retries a 5xx page and leaves a screenshot of it, named in the sync log', async () => {
    const user = await portalUser();
    portal.faults = { failNext: { count: 1, status: 503 } };
    await block(user, '2027-05-10');

    const rows = await settledAttempts(user.id, 2, 60_000);
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([[1, 'failed'], [2, 'success']]);
    expect(rows[0]).toMatchObject({
      errorType: 'PlatformServerError',
      errorMessage: 'Filmmakers failed with 503: 503 Service Unavailable',
      artifactPath: expect.stringMatching(/^filmmakers-[\dT-]+Z-[0-9a-f]+\.png$/),
    });
    const screenshot = path.join(dataDir, 'artifacts', rows[0]!.artifactPath!);
    expect((await readFile(screenshot)).subarray(1, 4).toString()).toBe('PNG');
    expect(await readFile(screenshot.replace(/\.png$/, '.html'), 'utf8')).toContain('503 Service Unavailable');
    expect(portal.entries(user.email)).toHaveLength(1);

    // The history links the screenshot; only its owner can fetch it.
    const history = await stack.app.inject({ method: 'GET', url: '/api/sync/history?status=failed', headers: user.auth });
    const artifactUrl = history.json().items[0].artifactUrl as string;
    expect(artifactUrl).toBe(`/api/sync/history/${rows[0]!.id}/artifact`);
    const image = await stack.app.inject({ method: 'GET', url: artifactUrl, headers: user.auth });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.rawPayload.equals(await readFile(screenshot))).toBe(true);
    const stranger = await stack.createUser({ platforms: [] });
    expect((await stack.app.inject({ method: 'GET', url: artifactUrl, headers: stranger.auth })).statusCode).toBe(404);
  });

  it('applies an edit and a delete, never touches entries made on the portal, and a repeated push changes nothing', async () => {
    const user = await portalUser();
    const foreign = portal.addEntry(user.email, { from: '2027-06-20', to: '2027-06-21', state: 'booked', comment: 'Shoot, booked by my agent' });
    const a = await block(user, '2027-06-01', '2027-06-02');
    const optioned = await addRange(user, { startDate: '2027-06-10', endDate: '2027-06-12', status: 'tentative', type: 'booking', optionRank: 2, optionHolder: 'Tatort' });
    const b = optioned.json() as { id: string };
    await waitFor(() => portal.entries(user.email).length === 3, { what: 'both ranges on the portal' });
    expect(portal.entries(user.email).find((e) => e.from === '2027-06-10')).toMatchObject({ state: 'held', comment: `2nd option · Tatort ${marker(b.id)}` });
    await idle(user);

    const patched = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${b.id}`, headers: user.auth, payload: { startDate: '2027-06-11', status: 'unavailable', optionRank: null, version: 1 } });
    expect(patched.statusCode, patched.body).toBe(200);
    const deleted = await stack.app.inject({ method: 'DELETE', url: `/api/availability/${a.id}`, headers: user.auth });
    expect(deleted.statusCode).toBe(204);
    const wanted = [
      { from: '2027-06-11', to: '2027-06-12', state: 'booked', comment: `Tatort ${marker(b.id)}` },
      { id: foreign.id, from: '2027-06-20', to: '2027-06-21', state: 'booked', comment: 'Shoot, booked by my agent' },
    ];
    await waitFor(() => {
      const entries = portal.entries(user.email);
      return entries.length === 2 && entries.every((e, i) => Object.entries(wanted[i]!).every(([k, v]) => e[k as keyof typeof e] === v));
    }, { what: 'the edit and the delete on the portal' });
    await idle(user);

    const before = { entries: portal.entries(user.email), added: portal.counters.entriesAdded, deleted: portal.counters.entriesDeleted };
    const attemptsBefore = (await attempts(user.id)).length;
    const manual = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/filmmakers', headers: user.auth });
    expect(manual.statusCode).toBe(202);
    const rows = await settledAttempts(user.id, attemptsBefore + 1);
    expect(rows.at(-1)).toMatchObject({ status: 'success', itemsProcessed: 0 });
    expect(portal.entries(user.email)).toEqual(before.entries);
    expect([portal.counters.entriesAdded, portal.counters.entriesDeleted]).toEqual([before.added, before.deleted]);
  });

  it('pulls the calendar back, including an entry made on the portal without our marker', async () => {
    const user = await portalUser();
    const ours = await block(user, '2027-07-01', '2027-07-03', 'holiday');
    await settledAttempts(user.id, 1);
    const foreign = portal.addEntry(user.email, { from: '2027-07-10', to: '2027-07-11', state: 'held', comment: 'Option for a commercial' });

    const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });
    const adapter = new BrowserAdapter({
      platform: getPlatform('filmmakers'),
      baseUrl: portal.url,
      credentials: openCredentials(stack.config, user.id, 'filmmakers', connection),
      credentialStore: connectionCredentialStore(stack.db, stack.config, user.id, 'filmmakers'),
      artifactsDir: path.join(dataDir, 'artifacts'),
    });
    const pulled = await adapter.pullAvailability();
    expect(pulled).toEqual([
      { externalId: portal.entries(user.email)[0]!.id, ourId: ours.id.slice(0, 8), startDate: '2027-07-01', endDate: '2027-07-03', status: 'unavailable', type: 'block', note: 'holiday' },
      { externalId: foreign.id, ourId: null, startDate: '2027-07-10', endDate: '2027-07-11', status: 'tentative', type: 'booking', optionRank: null, note: 'Option for a commercial' },
    ]);
    expect(portal.loginsOf(user.email)).toBe(1);
  });
});

// Only a clear refusal is an auth failure. Portals that expire sessions, log us out on the next page, answer
// 503, are slow or show an empty login form are signed into again (inside the attempt, then by Temporal's
// retries) and end holding exactly our state, with the connection 'ok'; a truly wrong password fails once and
// marks the connection needs_reauth. For OAuth, only the token endpoint's invalid_grant revokes the grant: a
// refresh that failed transiently, or an API that refuses a token issued moments ago, is retried.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toApplicationFailure } from '../activities/failures.js';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { toPortalEntry } from '../adapters/browser/calendar-entries.js';
import { getPlatform } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { sessionError } from '../adapters/errors.js';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { RandomPortalFaults, type PortalEntry, type PortalSimulator } from '../simulators/portal/server.js';
import { grantTokens } from './support/oauth-grant.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const PASSWORD = 'correct horse battery staple';
const PORTALS = ['filmmakers', 'casting-network'] as const;
/** Rounds of changes in the hostile run (3 s apart). */
const ROUNDS = 8;
type PortalId = (typeof PORTALS)[number];

let stack: Stack;
let oauth: OAuthPlatformSimulator;
let dataDir: string;

beforeAll(async () => {
  oauth = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  await oauth.start();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-auth-faults-'));
  stack = await startStack({
    restPlatforms: [],
    portalPlatforms: [...PORTALS],
    workerPlatforms: [...PORTALS, 'jobwork'],
    env: { CASTSYNC_PLATFORM_URL_JOBWORK: oauth.url, CASTSYNC_DATA_DIR: dataDir },
  });
});

afterAll(async () => {
  await stack?.stop();
  await closeBrowser();
  await oauth?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const id of PORTALS) stack.portals[id]!.faults = {};
  oauth.faults = {};
});

const portal = (id: PortalId): PortalSimulator => stack.portals[id]!;

type PortalUser = TestUser & { email: string };

/** A user connected to the given portals with an account there (its password, or a wrong one stored). */
async function portalUser(portals: readonly PortalId[], storedPassword = PASSWORD): Promise<PortalUser> {
  const user = await stack.createUser({ platforms: [] });
  const email = `actor-${user.id.slice(0, 8)}@portal.test`;
  for (const id of portals) {
    portal(id).addAccount(email, PASSWORD);
    await stack.connect(user.id, id, { email, password: storedPassword });
  }
  return { ...user, email };
}

async function send(user: TestUser, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) {
  const res = await stack.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.statusCode === 204 ? null : (res.json() as { id: string; version: number });
}

const addRange = (user: TestUser, payload: Record<string, unknown>) => send(user, 'POST', '/api/availability', payload);
const block = (user: TestUser, startDate: string, endDate = startDate) => addRange(user, { startDate, endDate, status: 'unavailable', type: 'block' });

const attempts = (userId: string, platformId?: string) =>
  stack.db.syncLog.findMany({ where: { userId, ...(platformId ? { platformId } : {}) }, orderBy: { startedAt: 'asc' } });

const syncStatus = async (user: TestUser, platformId: string) =>
  (await stack.app.inject({ method: 'GET', url: `/api/sync/status/${platformId}`, headers: user.auth })).json();

const connection = (userId: string, platformId: string) =>
  stack.db.platformConnection.findFirstOrThrow({ where: { userId, platformId } });

const shown = (entries: { from: string; to: string; state: string; comment: string }[]) =>
  entries.map(({ from, to, state, comment }) => `${from}..${to} ${state} ${comment}`).sort();

/** What the portal should show for the user: our live ranges as the adapter writes them, and the portal's own entries. */
async function wantedOn(user: PortalUser, foreign: PortalEntry[]): Promise<string[]> {
  const rows = await stack.db.availability.findMany({ where: { userId: user.id, deletedAt: null } });
  return shown([...rows.map((row) => toPortalEntry(toAvailabilityItem(row))), ...foreign]);
}

function day(offset: number): string {
  return new Date(Date.UTC(2029, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

/** Screenshots kept in the artifacts folder for one platform. */
async function keptPages(platformId: string): Promise<number> {
  const files = await readdir(path.join(dataDir, 'artifacts')).catch(() => [] as string[]);
  return files.filter((file) => file.startsWith(`${platformId}-`) && file.endsWith('.png')).length;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('portal sign-in faults (real Chromium, real Temporal)', () => {
  it('a hostile run with expiring sessions, logouts, 503s, slow pages and empty login forms ends with every portal holding exactly our state, and a wrong password among them fails once', async () => {
    const users = [await portalUser(PORTALS), await portalUser(PORTALS)];
    // Someone whose stored password is wrong, pushing in the same storm.
    const wrong = await portalUser(['filmmakers'], 'not the password');
    // An entry each user made on each portal by hand: never touched.
    const foreign = new Map<string, PortalEntry>();
    for (const user of users) {
      for (const id of PORTALS) foreign.set(`${user.id}/${id}`, portal(id).addEntry(user.email, { from: day(350), to: day(351), state: 'booked', comment: 'Booked by my agent' }));
    }
    const dice = PORTALS.map((id, i) => {
      const random = new RandomPortalFaults({ seed: 1103 + i, expireRate: 0.15, logoutRate: 0.15, errorRate: 0.04, slowRate: 0.15, slowMs: 800, emptyLoginFormRate: 0.15 });
      portal(id).faults = { random };
      return random;
    });

    // Rounds of changes while the portals misbehave: each round adds an option and a block per user, edits an
    // earlier range and (every other round) deletes one, so pushes keep meeting the faults.
    const live = new Map<string, { id: string; startDate: string }[]>(users.map((user) => [user.id, []]));
    let changes = 0;
    await block(wrong, day(900));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [u, user] of users.entries()) {
        const ranges = live.get(user.id)!;
        const first = u * 400 + round * 12;
        const option = await addRange(user, { startDate: day(first), endDate: day(first + 2), status: 'tentative', type: 'booking', optionRank: 1, optionHolder: `Production ${round}` });
        const blocked = await addRange(user, { startDate: day(first + 5), endDate: day(first + 5), status: 'unavailable', type: round % 3 ? 'block' : 'travel', note: `round ${round}` });
        ranges.push({ id: option!.id, startDate: day(first) }, { id: blocked!.id, startDate: day(first + 5) });
        changes += 2;
        if (round > 0) {
          const edited = ranges[(round * 3) % (ranges.length - 2)]!;
          await send(user, 'PATCH', `/api/availability/${edited.id}`, { note: `edited in round ${round}` });
          changes += 1;
        }
        if (round % 2 === 1) {
          const [deleted] = ranges.splice(round % ranges.length, 1);
          await send(user, 'DELETE', `/api/availability/${deleted!.id}`);
          changes += 1;
        }
      }
      await pause(3_000);
    }
    expect(changes).toBeGreaterThan(40);
    // Let the last changes meet the faults too, then the portals calm down.
    await pause(8_000);
    for (const id of PORTALS) portal(id).faults = {};

    for (const user of users) {
      for (const id of PORTALS) {
        const wanted = await wantedOn(user, [foreign.get(`${user.id}/${id}`)!]);
        await waitFor(() => JSON.stringify(shown(portal(id).entries(user.email))) === JSON.stringify(wanted), {
          what: `${id} to show exactly our state for ${user.email}`,
          timeoutMs: 90_000,
          intervalMs: 250,
        });
      }
    }
    for (const user of users) {
      for (const id of PORTALS) {
        await waitFor(async () => (await connection(user.id, id)).status === 'ok', { what: `${id} connection ok`, timeoutMs: 60_000 });
        // Nothing on the way was taken for bad credentials.
        const rows = await attempts(user.id, id);
        expect(rows.filter((r) => r.errorType === ErrorType.auth)).toEqual([]);
      }
    }
    // The wrong password failed once, as an auth failure, and nothing after it was tried.
    await waitFor(async () => (await syncStatus(wrong, 'filmmakers')).sync?.state === 'failed', { what: 'the wrong password to fail', timeoutMs: 60_000 });
    const wrongRows = await attempts(wrong.id);
    expect(wrongRows.filter((r) => r.errorType === ErrorType.auth)).toHaveLength(1);
    expect(wrongRows.at(-1)).toMatchObject({ status: 'failed', errorType: ErrorType.auth });
    expect(await connection(wrong.id, 'filmmakers')).toMatchObject({ status: 'needs_reauth' });
    expect(portal('filmmakers').entries(wrong.email)).toEqual([]);
    // The run was hostile: sessions ended and sign-ins were thwarted on the portals, and the adapter signed in again.
    const total = (key: keyof RandomPortalFaults['counts']) => dice.reduce((sum, d) => sum + d.counts[key], 0);
    expect(total('expired') + total('loggedOut')).toBeGreaterThan(0);
    expect(total('emptyLoginForms') + total('errors') + total('slow')).toBeGreaterThan(0);
    const logins = users.reduce((sum, user) => sum + PORTALS.reduce((s, id) => s + portal(id).loginsOf(user.email), 0), 0);
    expect(logins).toBeGreaterThan(users.length * PORTALS.length);
  });

  it('fails a truly wrong password once, without retries, and marks the connection needs_reauth', async () => {
    const user = await portalUser(['filmmakers'], 'not the password');
    const failedBefore = portal('filmmakers').counters.failedLogins;
    await block(user, day(500));
    const status = await waitFor(async () => {
      const current = await syncStatus(user, 'filmmakers');
      return current.sync?.state === 'failed' ? current : null;
    }, { what: 'the failed state' });
    expect(status).toMatchObject({
      connectionStatus: 'needs_reauth',
      sync: { state: 'failed', lastErrorType: ErrorType.auth },
      lastAttempt: { status: 'failed', attempt: 1 },
    });
    const rows = await attempts(user.id);
    expect(rows.map((r) => [r.attempt, r.status, r.errorType])).toEqual([[1, 'failed', ErrorType.auth]]);
    expect(rows[0]!.errorMessage).toContain('E-mail address or password is incorrect');
    expect(portal('filmmakers').counters.failedLogins).toBe(failedBefore + 1);
    expect(portal('filmmakers').entries(user.email)).toEqual([]);
  });

  it('signs in again, with backoff, when an expired session is followed by a logout on the first page after signing in', async () => {
    const user = await portalUser(['filmmakers']);
    await block(user, day(600));
    await waitFor(async () => (await attempts(user.id)).at(-1)?.status === 'success', { what: 'the first push' });
    const filmmakers = portal('filmmakers');
    const loginsBefore = filmmakers.loginsOf(user.email);
    // The stored session has expired; the portal then logs us out on the page the sign-in leads to.
    filmmakers.expireSessions(user.email);
    filmmakers.faults = { logoutNext: 1 };

    await block(user, day(602));
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.length === 2 && all[1]!.status === 'success' ? all : null;
    }, { what: 'the second push to succeed' });
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([[1, 'success'], [1, 'success']]);
    expect(filmmakers.loginsOf(user.email)).toBe(loginsBefore + 2);
    expect(filmmakers.counters.sessionsDropped).toBeGreaterThan(0);
    expect(filmmakers.entries(user.email).map((e) => e.from)).toEqual([day(600), day(602)]);
    expect(await connection(user.id, 'filmmakers')).toMatchObject({ status: 'ok' });
  });

  it('retries a login page that comes without its form, keeping the page, instead of calling it bad credentials', async () => {
    const user = await portalUser(['casting-network']);
    const castingNetwork = portal('casting-network');
    const pagesBefore = await keptPages('casting-network');
    // Every login page is empty: each sign-in of the attempt fails, and the attempt ends retryable.
    const random = new RandomPortalFaults({ seed: 1, emptyLoginFormRate: 1 });
    castingNetwork.faults = { random };
    await block(user, day(700));
    const failed = await waitFor(async () => (await attempts(user.id)).find((r) => r.status === 'failed'), { what: 'a failed attempt' });
    expect(failed).toMatchObject({ attempt: 1, errorType: ErrorType.session, artifactPath: expect.stringMatching(/^casting-network-.*\.png$/) });
    expect(failed.errorMessage).toContain('the login page came without its form');
    castingNetwork.faults = {};

    await waitFor(() => castingNetwork.entries(user.email).length === 1, { what: 'the push after the form came back', timeoutMs: 60_000 });
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'a successful attempt' });
    expect(rows.at(-1)!.attempt).toBeGreaterThan(1);
    expect(random.counts.emptyLoginForms).toBeGreaterThanOrEqual(3);
    // Each sign-in that did not get through kept its page, not only the one that ended the attempt.
    expect((await keptPages('casting-network')) - pagesBefore).toBeGreaterThanOrEqual(3);
    expect(await connection(user.id, 'casting-network')).toMatchObject({ status: 'ok' });
  });
});

describe('OAuth: only invalid_grant revokes the grant', () => {
  async function oauthUser() {
    const user = await stack.createUser({ platforms: [] });
    const { accountId, tokens } = await grantTokens(oauth, getPlatform('jobwork'));
    await stack.connect(user.id, 'jobwork', tokens);
    return { user, accountId };
  }

  it('treats a session error as retryable and never as an auth failure', () => {
    const failure = toApplicationFailure(sessionError('JobWork', 'lost'));
    expect(failure).toMatchObject({ type: ErrorType.session, nonRetryable: false });
  });

  it('retries a 401 whose refresh failed transiently (503 at the token endpoint), and the connection ends ok', async () => {
    const { user, accountId } = await oauthUser();
    // The access token dies early; the first refresh meets an authorization server that is down.
    oauth.invalidateAccessTokens(accountId);
    oauth.faults = { tokenFailNext: { count: 1, status: 503 } };
    await block(user, '2028-02-01');

    await waitFor(() => oauth.calendar(accountId).length === 1, { what: 'the push after the token endpoint came back' });
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'a successful attempt' });
    expect(rows.map((r) => [r.attempt, r.status, r.errorType])).toEqual([
      [1, 'failed', ErrorType.server],
      [2, 'success', null],
    ]);
    expect(await connection(user.id, 'jobwork')).toMatchObject({ status: 'ok', statusMessage: null });
    expect(oauth.refreshCount(accountId)).toBe(1);
  });

  it('retries an API that refuses a token issued moments ago, instead of calling the grant revoked', async () => {
    const { user, accountId } = await oauthUser();
    // The first call is refused, the refresh works, and the fresh token is refused once more.
    oauth.faults = { unauthorizedNext: 2 };
    await block(user, '2028-02-03');

    await waitFor(() => oauth.calendar(accountId).length === 1, { what: 'the push' });
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'a successful attempt' });
    expect(rows.map((r) => [r.attempt, r.status, r.errorType])).toEqual([
      [1, 'failed', ErrorType.session],
      [2, 'success', null],
    ]);
    expect(await connection(user.id, 'jobwork')).toMatchObject({ status: 'ok' });
  });

  it("fails once and marks needs_reauth when the token endpoint answers invalid_grant", async () => {
    const { user, accountId } = await oauthUser();
    oauth.revokeGrant(accountId);
    await block(user, '2028-02-05');
    const status = await waitFor(async () => {
      const current = await syncStatus(user, 'jobwork');
      return current.sync?.state === 'failed' ? current : null;
    }, { what: 'the failed state' });
    expect(status).toMatchObject({ connectionStatus: 'needs_reauth', sync: { lastErrorType: ErrorType.auth }, lastAttempt: { attempt: 1 } });
    const rows = await attempts(user.id);
    expect(rows.map((r) => [r.attempt, r.status, r.errorType])).toEqual([[1, 'failed', ErrorType.auth]]);
    expect(rows[0]!.errorMessage).toContain('invalid_grant');
  });
});

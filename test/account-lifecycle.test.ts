// Leaving and taking one's data: GET /api/account/export gives everything castsync holds about the user as a zip
// (media bytes included, no secret anywhere in it), and DELETE /api/account leaves no row, file, workflow or
// schedule that names the user, revokes OAuth grants at the platform, refuses a wrong confirmation, keeps the
// account when Temporal does not answer (and finishes on the next call), and leaves other users alone.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullScheduleId, reconcileScheduleId, optionExpiryWorkflowId } from '../workflows/plumbing.js';
import { getPlatform } from '../adapters/catalog.js';
import { buildApp } from '../api/app.js';
import { issueToken } from '../lib/accounts.js';
import { freePort } from '../lib/temporal-server.js';
import { LocalDiskStorage } from '../lib/media-storage.js';
import { temporalConnectionOptions } from '../lib/temporal-client.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { image, multipart } from './support/media-files.js';
import { grantTokens } from './support/oauth-grant.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let jobwork: OAuthPlatformSimulator;
let dataDir: string;
let workDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'castsync-account-'));
  workDir = await mkdtemp(path.join(tmpdir(), 'castsync-account-zip-'));
  jobwork = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  const env = { CASTSYNC_PLATFORM_URL_JOBWORK: await jobwork.start(), CASTSYNC_DATA_DIR: dataDir };
  stack = await startStack({ restPlatforms: ['etalenta'], workerPlatforms: ['etalenta', 'jobwork'], env });
});
afterAll(async () => {
  await stack?.stop();
  await jobwork?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(workDir, { recursive: true, force: true });
});

const emailOf = async (user: TestUser) => (await stack.db.user.findUniqueOrThrow({ where: { id: user.id } })).email;
const inject = (user: TestUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => stack.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

/** A user with data of every kind: entries (one deleted, one option with an expiry timer), a profile, media, and a REST platform connected through the API. */
async function userWithData(photo: Buffer) {
  const user = await stack.createUser({ platforms: [] });
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  stack.simulators.etalenta!.addAccount(apiKey);
  expect((await inject(user, 'POST', '/api/platforms/etalenta/connect', { apiKey })).statusCode).toBe(201);
  const kept = await inject(user, 'POST', '/api/availability', { startDate: '2031-05-01', endDate: '2031-05-03', status: 'unavailable', type: 'block', note: 'shoot' });
  const gone = await inject(user, 'POST', '/api/availability', { startDate: '2031-06-01', endDate: '2031-06-01', status: 'unavailable', type: 'travel' });
  expect((await inject(user, 'DELETE', `/api/availability/${gone.json().id}`)).statusCode).toBe(204);
  const option = await inject(user, 'POST', '/api/availability', {
    startDate: '2031-07-01',
    endDate: '2031-07-02',
    status: 'tentative',
    type: 'booking',
    optionHolder: 'Studio Babelsberg',
    optionExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
  expect(option.statusCode, option.body).toBe(201);
  expect((await inject(user, 'PUT', '/api/profile', { fields: { heightCm: 181 } })).statusCode).toBe(200);
  const body = multipart({ caption: 'headshot 2031' }, [{ fileName: 'me.jpg', content: photo }]);
  const media = await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...body.headers }, payload: body.payload });
  expect(media.statusCode, media.body).toBe(201);
  return { user, apiKey, entryIds: [kept.json().id as string, gone.json().id as string, option.json().id as string], mediaId: media.json().id as string };
}

/** Downloads the user's export and unpacks it; answers the raw bytes and the unpacked folder. */
async function exportOf(user: TestUser) {
  const res = await inject(user, 'GET', '/api/account/export');
  expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename="castsync-export-.+\.zip"$/);
  const dir = await mkdtemp(path.join(workDir, 'x-'));
  const zip = path.join(dir, 'export.zip');
  await writeFile(zip, res.rawPayload);
  execFileSync('unzip', ['-q', zip, '-d', path.join(dir, 'out')]);
  const out = path.join(dir, 'out');
  const json = async (name: string) => JSON.parse(await readFile(path.join(out, name), 'utf8'));
  const allText = async () => {
    const names = [...(await readdir(out)).filter((n) => n.endsWith('.json') || n.endsWith('.txt'))];
    return (await Promise.all(names.map((n) => readFile(path.join(out, n), 'utf8')))).join('\n');
  };
  return { raw: res.rawPayload, out, json, allText };
}

/** Every row of every table in the database, as text, that contains one of the needles. */
async function rowsNaming(...needles: string[]): Promise<string[]> {
  const tables = await stack.db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const hits: string[] = [];
  for (const { table_name: table } of tables) {
    for (const needle of needles) {
      const rows = await stack.db.$queryRawUnsafe<{ row: string }[]>(`SELECT t::text AS row FROM "${table}" t WHERE t::text ILIKE '%' || $1 || '%'`, needle);
      hits.push(...rows.map((r) => `${table}: ${r.row.slice(0, 200)}`));
    }
  }
  return hits;
}

/** Every workflow execution Temporal still lists whose id or user attribute names the user. */
async function workflowsNaming(userId: string, extraIds: string[] = []): Promise<string[]> {
  const found: string[] = [];
  for await (const run of stack.temporal.workflow.list({ query: `CastsyncUserId = "${userId}"` })) found.push(run.workflowId);
  for await (const run of stack.temporal.workflow.list()) if (run.workflowId.includes(userId) || extraIds.includes(run.workflowId)) found.push(run.workflowId);
  return found;
}

async function scheduleExists(scheduleId: string): Promise<boolean> {
  try {
    await stack.temporal.schedule.getHandle(scheduleId).describe();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

/** What a deletion would change (sync progress is left out: the user's pushes may still be running). */
async function snapshot(user: TestUser) {
  const where = { userId: user.id };
  return JSON.stringify({
    user: await stack.db.user.findUnique({ where: { id: user.id } }),
    connections: await stack.db.platformConnection.findMany({ where, orderBy: { platformId: 'asc' }, select: { platformId: true, connected: true, credentialsCiphertext: true, autoSync: true } }),
    entries: await stack.db.availability.findMany({ where, orderBy: { id: 'asc' } }),
    media: await stack.db.media.findMany({ where, orderBy: { id: 'asc' } }),
    profile: await stack.db.profile.findUnique({ where }),
    audit: await stack.db.auditEvent.findMany({ where, orderBy: { id: 'asc' } }),
  }, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
}

const storage = () => new LocalDiskStorage(stack.config.mediaDir);

describe('the export', () => {
  it('holds every kind of data, the media bytes, and no secret', async () => {
    const photo = await image(800, 1000, 'jpeg', '#a04060');
    const { user, apiKey, entryIds, mediaId } = await userWithData(photo);
    const other = await userWithData(await image(800, 1000, 'jpeg', '#30a0a0'));
    const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });

    const archive = await exportOf(user);
    expect((await readdir(archive.out)).sort()).toEqual(
      ['README.txt', 'account.json', 'audit.json', 'availability.json', 'conflicts.json', 'connections.json', 'media', 'media.json', 'outbox.json', 'profile.json', 'sync-history.json'].sort(),
    );
    expect(await archive.json('account.json')).toMatchObject({ id: user.id, email: await emailOf(user), name: 'Test Actor' });
    const account = await archive.json('account.json');
    expect(account).not.toHaveProperty('passwordHash');
    expect(account.apiTokens).toEqual([expect.objectContaining({ id: expect.any(String), name: expect.any(String) })]);
    expect(account.apiTokens[0]).not.toHaveProperty('tokenHash');
    expect((await archive.json('availability.json')).map((e: { id: string }) => e.id).sort()).toEqual([...entryIds].sort());
    expect((await archive.json('availability.json')).find((e: { id: string }) => e.id === entryIds[1]).deletedAt).not.toBeNull();
    expect((await archive.json('profile.json')).profile.fields).toEqual({ heightCm: 181 });
    expect((await archive.json('media.json'))[0]).toMatchObject({ id: mediaId, caption: 'headshot 2031', originalName: 'me.jpg' });
    expect(await readFile(path.join(archive.out, 'media', `${mediaId}-me.jpg`))).toEqual(photo);
    const connections = (await archive.json('connections.json')).connections;
    expect(connections).toEqual([expect.objectContaining({ platformId: 'etalenta', connected: true })]);
    expect(connections[0]).not.toHaveProperty('credentialsCiphertext');
    expect(connections[0]).not.toHaveProperty('credentialsKeyId');
    expect((await archive.json('audit.json')).map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['connection.connect', 'account.exported']));
    expect(await readFile(path.join(archive.out, 'README.txt'), 'utf8')).toMatch(/connections\.json .*No secret/s);

    // No secret in any form: the API key, the sealed credentials (hex or base64), the token and its hash.
    const ciphertext = Buffer.from(connection.credentialsCiphertext!);
    const { tokenHash } = await stack.db.apiToken.findFirstOrThrow({ where: { userId: user.id } });
    const everything = `${await archive.allText()}\n${archive.raw.toString('latin1')}`;
    for (const secret of [apiKey, user.token, tokenHash, ciphertext.toString('hex'), ciphertext.toString('base64')]) {
      expect(everything).not.toContain(secret);
    }
    // Only the signed-in user's data: nothing of the other user, whose export is theirs alone.
    expect(everything).not.toContain(other.user.id);
    expect(everything).not.toContain(await emailOf(other.user));
    expect((await exportOf(other.user)).raw.toString('latin1')).not.toContain(user.id);
  });

  it('pages through long tables: every sync attempt exactly once, ties in time included', async () => {
    const user = await stack.createUser({ platforms: [] });
    const startedAt = (i: number) => new Date(Date.UTC(2030, 0, 1) + Math.floor(i / 3) * 1000); // ties on purpose
    await stack.db.syncLog.createMany({ data: Array.from({ length: 1201 }, (_, i) => ({ userId: user.id, platformId: 'etalenta', operation: 'push_availability' as const, itemsProcessed: i, startedAt: startedAt(i) })) });
    const history: { id: string; itemsProcessed: number }[] = await (await exportOf(user)).json('sync-history.json');
    expect(history).toHaveLength(1201);
    expect(new Set(history.map((row) => row.id)).size).toBe(1201);
    expect(history.map((row) => row.itemsProcessed).sort((a, b) => a - b)).toEqual(Array.from({ length: 1201 }, (_, i) => i));
  });

  it('needs a token', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/api/account/export' })).statusCode).toBe(401);
  });
});

describe('deleting the account', () => {
  it('refuses a wrong or missing confirmation and changes nothing', async () => {
    const { user } = await userWithData(await image(640, 800, 'jpeg', '#405060'));
    const before = await snapshot(user);
    const wrong = await inject(user, 'DELETE', '/api/account', { confirm: 'someone@else.test' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toBe(`confirm must be this account's e-mail address; "someone@else.test" is not it, so nothing was deleted`);
    const missing = await inject(user, 'DELETE', '/api/account', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/confirm/);
    expect(await snapshot(user)).toEqual(before);
  });

  it('keeps the account when Temporal does not answer (503), and a second call finishes', async () => {
    const photo = await image(640, 800, 'jpeg', '#605040');
    const { user } = await userWithData(photo);
    await stack.outboxDelivered(user.id);
    // The same gateway, its Temporal client pointed at an address where nothing listens.
    const address = `127.0.0.1:${await freePort()}`;
    const connection = Connection.lazy({ ...temporalConnectionOptions(stack.config), address });
    const deadTemporal = new Client({ connection, namespace: stack.config.temporalNamespace });
    const cut = await buildApp({ config: { ...stack.config, temporalAddress: address, relayInProcess: false }, db: stack.db, temporal: deadTemporal, logger: false });
    try {
      const res = await cut.inject({ method: 'DELETE', url: '/api/account', headers: user.auth, payload: { confirm: await emailOf(user) } });
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().message).toMatch(/^the sync service \(Temporal\) did not answer .*: the account is kept; try again later/);
    } finally {
      await cut.close();
      await connection.close();
    }
    // Intact: connected with its credentials, its file stored; the attempt is in the audit trail.
    expect(await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } })).toMatchObject({ connected: true, credentialsCiphertext: expect.anything() });
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(3);
    const medium = await stack.db.media.findFirstOrThrow({ where: { userId: user.id } });
    expect(await storage().exists(medium.storageKey)).toBe(true);
    expect(await stack.db.auditEvent.count({ where: { userId: user.id, action: 'account.deletion_started' } })).toBe(1);

    const again = await inject(user, 'DELETE', '/api/account', { confirm: await emailOf(user) });
    expect(again.statusCode, again.body).toBe(204);
    expect(await rowsNaming(user.id)).toEqual([]);
    expect(await storage().exists(medium.storageKey)).toBe(false);
  });

  it('disconnects every platform (OAuth grant revoked), deletes workflows, schedules, files and rows, and leaves the other user alone', async () => {
    const shared = await image(700, 900, 'jpeg', '#207040');
    const own = await image(720, 900, 'jpeg', '#702040');
    const { user, entryIds, mediaId } = await userWithData(own);
    const body = multipart({}, [{ fileName: 'shared.jpg', content: shared }]);
    expect((await stack.app.inject({ method: 'POST', url: '/api/media', headers: { ...user.auth, ...body.headers }, payload: body.payload })).statusCode).toBe(201);
    const other = await userWithData(shared);
    const { accountId, tokens } = await grantTokens(jobwork, getPlatform('jobwork'));
    await stack.connect(user.id, 'jobwork', tokens);
    const email = await emailOf(user);
    // A second named token and a dashboard session: their rows must go too.
    await issueToken(stack.db, user.id, { name: 'laptop' });
    expect((await stack.app.inject({ method: 'POST', url: '/app/session', headers: { 'x-castsync-csrf': '1' }, payload: { token: user.token } })).statusCode).toBe(200);
    expect(await stack.db.dashboardSession.count({ where: { userId: user.id } })).toBe(1);

    // Everything exists first: pushes ran (workflows), schedules are set, the option's timer runs, files are stored.
    await stack.outboxDelivered(user.id);
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, status: 'success' } })) > 0, { what: 'a push of the user' });
    await waitFor(async () => (await workflowsNaming(user.id)).length > 0, { what: 'the user’s workflows are listed' });
    expect(await scheduleExists(pullScheduleId(user.id, 'etalenta'))).toBe(true);
    expect(await scheduleExists(reconcileScheduleId(user.id, 'etalenta'))).toBe(true);
    const optionTimer = optionExpiryWorkflowId(entryIds[2]!);
    expect((await stack.temporal.workflow.getHandle(optionTimer).describe()).status.name).toBe('RUNNING');
    const keys = (await stack.db.media.findMany({ where: { userId: user.id } })).map((m) => ({ id: m.id, key: m.storageKey }));
    const ownKey = keys.find((k) => k.id === mediaId)!.key;
    const sharedKey = keys.find((k) => k.id !== mediaId)!.key;
    const otherBefore = await snapshot(other.user);
    const otherWorkflows = await waitFor(async () => {
      const ids = await workflowsNaming(other.user.id);
      return ids.length > 0 ? ids : null;
    }, { what: 'the other user’s workflows are listed' });

    const res = await inject(user, 'DELETE', '/api/account', { confirm: email.toUpperCase() });
    expect(res.statusCode, res.body).toBe(204);

    expect(jobwork.grants(accountId).map((g) => g.revoked)).toEqual([true]);
    expect(await rowsNaming(user.id, email)).toEqual([]);
    expect(await storage().exists(ownKey)).toBe(false);
    expect(await storage().exists(sharedKey)).toBe(true); // the other user's medium has the same bytes
    await waitFor(async () => (await workflowsNaming(user.id, [optionTimer])).length === 0, { what: 'no workflow of the user is listed', timeoutMs: 15_000 }).catch(async (e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(await workflowsNaming(user.id, [optionTimer]))}`); });
    for (const platformId of ['etalenta', 'jobwork']) {
      expect(await scheduleExists(pullScheduleId(user.id, platformId))).toBe(false);
      expect(await scheduleExists(reconcileScheduleId(user.id, platformId))).toBe(false);
    }
    const schedules: string[] = [];
    for await (const schedule of stack.temporal.schedule.list()) schedules.push(schedule.scheduleId);
    expect(schedules.filter((id) => id.includes(user.id))).toEqual([]);
    expect((await inject(user, 'GET', '/api/account')).statusCode).toBe(401);

    // The other user: account, connections, entries, media and audit as they were; workflows and shared file intact.
    expect(await snapshot(other.user)).toBe(otherBefore);
    const otherAfter = new Set(await workflowsNaming(other.user.id));
    expect(otherWorkflows.filter((id) => !otherAfter.has(id))).toEqual([]);
    expect((await exportOf(other.user)).raw.includes(shared)).toBe(true);
  });
});

// Production mode: every entry point refuses to start while a setting that only has a development default is
// missing, naming all of them at once; platforms are enabled by configuration and reached only at configured,
// non-loopback addresses; development keeps working without any of it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncTargetActivities } from '../activities/sync-targets.js';
import { oauthClientFor, platformBaseUrl } from '../adapters/adapter-context.js';
import { reconcileScheduleId } from '../workflows/plumbing.js';
import { getPlatform, platformIds } from '../adapters/catalog.js';
import { ConfigError, loadConfig, platformDispatch } from '../lib/config.js';
import { projectRoot } from '../lib/paths.js';
import { addToOutbox } from '../lib/outbox.js';
import { syncReconcileSchedule } from '../lib/reconcile-schedules.js';
import { SIMULATOR_CLIENT_SECRET_SHA256 } from '../lib/production-settings.js';
import { newMasterKey } from '../lib/secrets.js';
import { SIMULATOR_OAUTH_CLIENT } from '../simulators/oauth/server.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

/** A complete production environment: real-looking, non-loopback addresses for three kinds of platform. */
const complete = (): NodeJS.ProcessEnv => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://castsync@db.internal:5432/castsync',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  CASTSYNC_MASTER_KEYS: `k1:${newMasterKey()}`,
  CASTSYNC_OPERATOR_TOKEN: 'a-long-random-operator-token-0123456789',
  CASTSYNC_PUBLIC_URL: 'https://castsync.example.com',
  CASTSYNC_PLATFORMS: 'etalenta,jobwork,agentur-iris-mueller',
  CASTSYNC_PLATFORM_URL_ETALENTA: 'https://api.e-talenta.example',
  CASTSYNC_PLATFORM_URL_JOBWORK: 'https://jobwork.example',
  CASTSYNC_OAUTH_CLIENT_JOBWORK: 'castsync-prod:s3cret-registered-at-jobwork',
  CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: 'smtps://mailer:pw@smtp.example.com:465',
});

const problemsOf = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
};

/** Runs an entry point as `npm run ...` does, with only the given environment (and PATH/HOME). */
function runEntryPoint(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), [file], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

describe('production start', () => {
  const incomplete = {
    NODE_ENV: 'production',
    CASTSYNC_PLATFORMS: 'etalenta,jobwork,agentur-iris-mueller',
    CASTSYNC_PLATFORM_URL_ETALENTA: 'http://127.0.0.1:4101',
    CASTSYNC_OAUTH_CLIENT_JOBWORK: 'castsync:castsync-dev-secret',
    CASTSYNC_PUBLIC_URL: 'http://castsync.example.com',
  };
  const named = [
    'DATABASE_URL',
    'TEMPORAL_ADDRESS',
    'CASTSYNC_MASTER_KEYS',
    'CASTSYNC_OPERATOR_TOKEN',
    'CASTSYNC_PUBLIC_URL must be an https:// URL',
    'CASTSYNC_PLATFORM_URL_ETALENTA points to a loopback address',
    'CASTSYNC_PLATFORM_URL_JOBWORK is missing',
    'CASTSYNC_OAUTH_CLIENT_JOBWORK is the development client',
    'CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER is missing',
  ];

  it.each(['api/main.ts', 'worker.ts', 'relay.ts', 'scripts/connection-schedules.ts'])(
    '%s exits non-zero and names every missing setting at once',
    async (file) => {
      const { code, stderr } = await runEntryPoint(file, incomplete);
      expect(code).toBe(1);
      expect(stderr).toContain('castsync: configuration error: production mode');
      for (const problem of named) expect(stderr).toContain(problem);
      expect(stderr).not.toMatch(/\n\s+at /); // a message for the operator, not a stack trace
    },
    90_000,
  );

  it('passes with a complete environment of non-loopback addresses, and CASTSYNC_ENV works like NODE_ENV', () => {
    const config = loadConfig(complete());
    expect(config.production).toBe(true);
    expect(config.enabledPlatforms).toEqual(['etalenta', 'jobwork', 'agentur-iris-mueller']);
    expect(platformBaseUrl(config, 'jobwork')).toBe('https://jobwork.example');
    const rest = { ...complete(), NODE_ENV: undefined };
    expect(loadConfig({ ...rest, CASTSYNC_ENV: 'production' }).production).toBe(true);
    expect(problemsOf({ ...rest, CASTSYNC_ENV: 'production', DATABASE_URL: '' })).toContain('DATABASE_URL is missing');
  });

  it('requires the list of platforms: production enables none by default', () => {
    expect(problemsOf({ ...complete(), CASTSYNC_PLATFORMS: undefined })).toContain('CASTSYNC_PLATFORMS is missing');
  });

  it.each(['http://127.0.0.1:4101', 'https://localhost:4101', 'https://[::1]:4101', 'https://127.8.0.1', 'https://sim.localhost'])('refuses the loopback platform URL %s', (url) => {
    expect(problemsOf({ ...complete(), CASTSYNC_PLATFORM_URL_ETALENTA: url })).toContain('CASTSYNC_PLATFORM_URL_ETALENTA points to a loopback address');
  });

  it('refuses a loopback SMTP relay, plain http for a platform and a loopback public URL', () => {
    expect(problemsOf({ ...complete(), CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: 'smtp://127.0.0.1:4125' })).toContain('CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER points to a loopback');
    expect(problemsOf({ ...complete(), CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: 'https://smtp.example.com' })).toContain('must be the SMTP relay');
    expect(problemsOf({ ...complete(), CASTSYNC_PLATFORM_URL_ETALENTA: 'http://api.e-talenta.example' })).toContain('CASTSYNC_PLATFORM_URL_ETALENTA must be its https:// base URL');
    expect(problemsOf({ ...complete(), CASTSYNC_PUBLIC_URL: 'https://localhost:3000' })).toContain('CASTSYNC_PUBLIC_URL must not be a loopback address');
  });

  it('refuses plain-http calendar hosts: they would open castsync\'s network to every user\'s calendar address', () => {
    expect(problemsOf({ ...complete(), CASTSYNC_CALENDAR_HTTP_HOSTS: 'nextcloud.lan' })).toContain('CASTSYNC_CALENDAR_HTTP_HOSTS must be empty in production');
    expect(problemsOf({ ...complete(), CASTSYNC_CALENDAR_HTTP_HOSTS: '' })).toEqual(problemsOf(complete()));
  });

  it('refuses unknown platform ids, in development too', () => {
    expect(problemsOf({ ...complete(), CASTSYNC_PLATFORMS: 'etalenta,myspace' })).toMatch(/CASTSYNC_PLATFORMS names unknown platforms: myspace/);
    expect(problemsOf({ CASTSYNC_PLATFORMS: 'nope' })).toMatch(/unknown platforms: nope/);
  });
});

describe('development mode', () => {
  it('enables the whole catalog and needs none of the production settings', () => {
    const config = loadConfig({});
    expect(config.production).toBe(false);
    expect(config.enabledPlatforms).toEqual(platformIds);
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it("knows the simulators' OAuth client only by its hash, and gives no OAuth client that is not configured", () => {
    expect(createHash('sha256').update(SIMULATOR_OAUTH_CLIENT.clientSecret).digest('hex')).toBe(SIMULATOR_CLIENT_SECRET_SHA256);
    const config = loadConfig({ CASTSYNC_OAUTH_CLIENT_JOBWORK: 'ours:registered-secret' });
    expect(oauthClientFor(config, 'jobwork')).toEqual({ clientId: 'ours', clientSecret: 'registered-secret' });
    expect(() => oauthClientFor(config, 'wanted')).toThrow('Wanted has no OAuth client on this server: set CASTSYNC_OAUTH_CLIENT_WANTED');
  });

  it('takes a platform\'s dispatch limit from CASTSYNC_DISPATCH_PER_SECOND_<ID>, and refuses a bad one', () => {
    const config = loadConfig({ CASTSYNC_DISPATCH_PER_SECOND_AGENTUR_IRIS_MUELLER: '3' });
    expect(platformDispatch(config, getPlatform('agentur-iris-mueller'))).toEqual({ activitiesPerSecond: 3, maxConcurrent: 5 });
    expect(platformDispatch(config, getPlatform('etalenta'))).toEqual(getPlatform('etalenta').dispatch);
    for (const [variable, value, message] of [
      ['CASTSYNC_DISPATCH_PER_SECOND_ETALENTA', '0', 'CASTSYNC_DISPATCH_PER_SECOND_ETALENTA must be a whole number of activity starts per second from 1 to 1000, got "0"'],
      ['CASTSYNC_DISPATCH_PER_SECOND_ETALENTA', '2.5', 'got "2.5"'],
      ['CASTSYNC_DISPATCH_PER_SECOND_MYSPACE', '5', 'CASTSYNC_DISPATCH_PER_SECOND_MYSPACE names no platform of the catalog'],
    ] as const) {
      expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [variable]: value })).toThrow(message);
    }
  });

  it('has no platform address but a configured one: the catalog holds no simulator default', () => {
    const config = loadConfig({ CASTSYNC_PLATFORM_URL_ETALENTA: 'http://127.0.0.1:4101' });
    expect(platformBaseUrl(config, 'etalenta')).toBe('http://127.0.0.1:4101');
    expect(() => platformBaseUrl(config, 'filmmakers')).toThrow('Filmmakers has no base URL on this server: set CASTSYNC_PLATFORM_URL_FILMMAKERS');
  });
});

describe('platforms enabled by configuration', () => {
  let stack: Stack;
  let user: TestUser;
  beforeAll(async () => {
    // jobwork and filmmakers are enabled but filmmakers has no address; wanted is in the catalog but not enabled.
    stack = await startStack({ workerPlatforms: ['etalenta', 'wanted'], env: { CASTSYNC_PLATFORMS: 'etalenta,jobwork,filmmakers', CASTSYNC_DISPATCH_PER_SECOND_ETALENTA: '7' } });
    user = await stack.createUser();
  });
  afterAll(() => stack?.stop());

  it('lists only the enabled platforms', async () => {
    const answer = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: user.auth });
    expect(answer.statusCode).toBe(200);
    expect(answer.json<{ id: string }[]>().map((p) => p.id)).toEqual(['etalenta', 'jobwork', 'filmmakers']);
  });

  it('answers 404 for connecting a disabled platform and stores nothing', async () => {
    const answer = await stack.app.inject({ method: 'POST', url: '/api/platforms/wanted/connect', headers: user.auth, payload: {} });
    expect(answer.statusCode).toBe(404);
    expect(answer.json<{ message: string }>().message).toBe('Wanted is not offered on this server');
    expect(await stack.db.oAuthAuthorizationRequest.count({ where: { userId: user.id } })).toBe(0);
  });

  it('answers 503 naming the variable for an enabled platform without an address', async () => {
    const answer = await stack.app.inject({ method: 'POST', url: '/api/platforms/filmmakers/connect', headers: user.auth, payload: { email: 'a@example.test', password: 'pw' } });
    expect(answer.statusCode).toBe(503);
    expect(answer.json<{ message: string }>().message).toContain('CASTSYNC_PLATFORM_URL_FILMMAKERS');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id, platformId: 'filmmakers' } })).toBe(0);
  });

  it('pushes to no connection of a platform disabled after it was connected', async () => {
    await stack.connect(user.id, 'wanted', { accessToken: 'kept-from-before' });
    const { listSyncTargets } = createSyncTargetActivities(stack.db, stack.config.enabledPlatforms);
    const targets = await listSyncTargets({ userId: user.id, manualPlatformIds: ['wanted'], includeAutoSync: true, data: 'availability' });
    expect(targets.map((t) => t.platformId)).toEqual(['etalenta']);
    // A manual sync to it is refused as such, rather than accepted and then pushed nowhere.
    const manual = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/wanted', headers: user.auth });
    expect(manual.statusCode).toBe(404);
    expect(manual.json<{ message: string }>().message).toBe('Wanted is not offered on this server any more');
    expect(await stack.db.outboxMessage.count({ where: { userId: user.id, topic: 'sync' } })).toBe(0);
  });

  it('removes the schedules of a connection to a platform no longer offered (npm run schedules:sync queues this)', async () => {
    const other = await stack.createUser({ platforms: [] });
    await stack.connect(other.id, 'wanted', { accessToken: 'kept-from-before' });
    const connected = { userId: other.id, platformId: 'wanted', connected: true, autoSync: true };
    expect(await syncReconcileSchedule(stack.temporal, connected)).toBe('scheduled'); // made while wanted was offered
    const schedule = stack.temporal.schedule.getHandle(reconcileScheduleId(other.id, 'wanted'));
    expect((await schedule.describe()).scheduleId).toBe(reconcileScheduleId(other.id, 'wanted'));
    await stack.db.$transaction((tx) => addToOutbox(tx, other.id, [{ topic: 'pull_schedule', platformId: 'wanted' }]));
    await stack.outboxDelivered(other.id);
    await expect(schedule.describe()).rejects.toThrow(/not found/i);
  });

  it('runs no activity worker for a disabled platform, and paces one by the deployment\'s dispatch setting', () => {
    const queues = stack.workers!.workers.map((w) => w.options.taskQueue);
    expect(queues).toContain('platform-etalenta');
    expect(queues).not.toContain('platform-wanted');
    const etalenta = stack.workers!.workers.find((w) => w.options.taskQueue === 'platform-etalenta')!;
    expect(etalenta.options.maxTaskQueueActivitiesPerSecond).toBe(7);
  });
});

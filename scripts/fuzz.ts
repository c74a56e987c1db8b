// npm run fuzz: schemathesis against a running gateway, with every check, bounded in time. It fails on any 5xx and
// on any answer (status, content type, body, headers) the OpenAPI document does not allow, so the document at
// /docs/json stays the truth about the API.
//   Starts, and stops again: a Temporal dev server on free ports, a fresh database (created, migrated, dropped),
//   a data folder, a simulated e-TALENTA, the worker (unless CASTSYNC_FUZZ_WORKER=off) and the gateway on a free port, with one
//   user connected to the simulated platform. schemathesis (pinned) is installed once into .fuzz/venv.
// Settings: CASTSYNC_FUZZ_MAX_TIME (seconds, default 180), CASTSYNC_FUZZ_MAX_EXAMPLES (per operation, default 100),
// CASTSYNC_FUZZ_WORKERS (default 2), CASTSYNC_FUZZ_SEED; arguments after `--` go to `st run` as they are.
// scripts/fuzz.schemathesis.toml says what the API answers by design (each with its reason); every check is on.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../api/app.js';
import { getPlatform } from '../adapters/catalog.js';
import { loadConfig, type Config } from '../lib/config.js';
import { saveConnection } from '../lib/connections.js';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { createDb, type Db } from '../lib/db.js';
import { lazyTemporalClient } from '../lib/temporal-client.js';
import { installSdkLogging } from '../lib/temporal-logging.js';
import { newApiToken, newMasterKey } from '../lib/secrets.js';
import { createUser } from '../lib/accounts.js';
import { startDevServer } from '../lib/temporal-server.js';
import { apiMediaRulesOf } from '../simulators/api-media.js';
import { RestPlatformSimulator } from '../simulators/etalenta/server.js';
import { createWorkers } from '../worker.js';
import { applyMigrations } from './db-migrate.js';

const SCHEMATHESIS_VERSION = '4.32.5';
const ROOT = path.resolve(import.meta.dirname, '..');
const VENV = path.join(ROOT, '.fuzz', 'venv');
const ST = path.join(VENV, 'bin', 'st');
const REPORT_DIR = path.join(ROOT, '.fuzz', 'report');
/** What the API answers by design, each with its reason; every check stays on. */
const CONFIG_FILE = path.join(ROOT, 'scripts', 'fuzz.schemathesis.toml');

/**
 * The fuzzer sends thousands of requests from one address with one token: rate limits this generous keep it from
 * spending its budget on 429s (which the document allows, so they would not fail the run, only hide the rest).
 */
const GENEROUS_RATE_LIMITS = {
  CASTSYNC_RATE_LIMIT_PER_TOKEN: '1000000',
  CASTSYNC_RATE_LIMIT_PER_ADDRESS: '1000000',
  CASTSYNC_RATE_LIMIT_AUTH_FAILURES: '1000000',
  CASTSYNC_RATE_LIMIT_UPLOADS: '1000000',
  CASTSYNC_RATE_LIMIT_SIGN_IN: '1000000',
};

const stops: { name: string; stop: () => Promise<unknown> }[] = [];
const step = (message: string) => console.log(`· ${message}`);
const setting = (name: string, fallback: string) => process.env[`CASTSYNC_FUZZ_${name}`] ?? fallback;

/** schemathesis in its own virtual environment (git-ignored), installed at the pinned version when missing. */
function ensureSchemathesis() {
  const installed = existsSync(ST) ? spawnSync(ST, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (installed.includes(SCHEMATHESIS_VERSION)) return;
  step(`installing schemathesis ${SCHEMATHESIS_VERSION} into .fuzz/venv ...`);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  };
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) run('python3', ['-m', 'venv', VENV]);
  run(path.join(VENV, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]);
}

/** A fresh database for this run, migrated; dropped when the run ends. */
async function freshDatabase(): Promise<string> {
  const server = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const databaseUrl = siblingDatabaseUrl(server, 'castsync_fuzz');
  await createDatabase(databaseUrl);
  stops.push({ name: 'database', stop: () => dropDatabase(databaseUrl) });
  await applyMigrations(databaseUrl);
  step(`database ${new URL(databaseUrl).pathname.slice(1)} created and migrated`);
  return databaseUrl;
}

/** The fuzzing user and their API token, made as `castsync user create` makes them. */
async function createUserWithToken(db: Db): Promise<{ id: string; token: string }> {
  const { userId, token } = await createUser(db, { email: `fuzz-${randomBytes(6).toString('hex')}@example.test`, name: 'Fuzz Actor' });
  return { id: userId, token: token.token };
}

/** The user connected to the simulated e-TALENTA, stored as connect stores it (no check: the simulator takes the key). */
async function connectToSimulator(db: Db, config: Config, simulator: RestPlatformSimulator, userId: string) {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  simulator.addAccount(apiKey, 'Fuzz Actor');
  await saveConnection(db, config, { userId, platformId: 'etalenta', credentials: { apiKey }, accountRef: null });
}

async function startStack() {
  const temporal = await startDevServer({ uiPort: null });
  stops.push({ name: 'Temporal dev server', stop: () => temporal.stop() });
  step(`Temporal dev server at ${temporal.address}`);
  const databaseUrl = await freshDatabase();
  const simulator = new RestPlatformSimulator({ name: 'etalenta', media: apiMediaRulesOf(getPlatform('etalenta')) });
  await simulator.start();
  stops.push({ name: 'e-TALENTA simulator', stop: () => simulator.stop() });

  // Uploaded media and artifacts of the run go to a folder of its own, removed with everything else.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-fuzz-'));
  stops.push({ name: 'data folder', stop: () => rm(dataDir, { recursive: true, force: true }) });
  const config = loadConfig({
    ...process.env,
    ...GENEROUS_RATE_LIMITS,
    ...pick(process.env, /^CASTSYNC_RATE_LIMIT_/), // limits set in the caller's environment win
    DATABASE_URL: databaseUrl,
    CASTSYNC_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporal.address,
    CASTSYNC_MASTER_KEYS: `fuzz:${newMasterKey()}`,
    CASTSYNC_OPERATOR_TOKEN: newApiToken(), // so the codec routes exist and are fuzzed too (they answer 401 to the user)
    CASTSYNC_PLATFORM_URL_ETALENTA: simulator.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  });
  const db = createDb(config.databaseUrl);
  stops.push({ name: 'database client', stop: () => db.$disconnect() });

  if (setting('WORKER', 'on') !== 'off') {
    step('starting the worker (bundling workflows) ...');
    const workers = await createWorkers({ config, db, platformIds: ['etalenta'] });
    const running = workers.run();
    stops.push({ name: 'worker', stop: () => workers.shutdown().then(() => running) });
  }

  const { connection, client } = lazyTemporalClient(config);
  stops.push({ name: 'Temporal client', stop: () => connection.close() });
  const app = await buildApp({ config, db, temporal: client, logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  stops.push({ name: 'gateway', stop: () => app.close() });
  step(`gateway at ${url}`);

  const user = await createUserWithToken(db);
  await connectToSimulator(db, config, simulator, user.id);
  return { url, token: user.token };
}

/** Runs `st run` against the gateway and answers its exit code (non-zero on any failure it found). */
function runSchemathesis(url: string, token: string, extraArgs: string[]): Promise<number> {
  const args = [
    '--config-file',
    CONFIG_FILE,
    'run',
    `${url}/docs/json`,
    '--url',
    url,
    '--header',
    `Authorization: Bearer ${token}`,
    '--max-time',
    setting('MAX_TIME', '180'),
    '--max-examples',
    setting('MAX_EXAMPLES', '100'),
    '--workers',
    setting('WORKERS', '2'),
    '--report',
    'junit',
    '--report-dir',
    REPORT_DIR,
    ...(process.env.CASTSYNC_FUZZ_SEED ? ['--seed', process.env.CASTSYNC_FUZZ_SEED] : []),
    ...extraArgs,
  ];
  step(`st ${args.join(' ').replace(token, '***')}`);
  return new Promise((resolve, reject) => {
    // In .fuzz, so its cache folder lands in the git-ignored folder too.
    const child = spawn(ST, args, { cwd: path.join(ROOT, '.fuzz'), stdio: 'inherit', env: { ...process.env, NO_COLOR: process.env.NO_COLOR ?? '1' } });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function stopAll() {
  for (const { name, stop } of stops.splice(0).reverse()) {
    try {
      await stop();
    } catch (error) {
      console.error(`could not stop ${name}:`, error instanceof Error ? error.message : error);
    }
  }
}

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => pattern.test(entry[0]) && entry[1] !== undefined));
}

async function main() {
  const separator = process.argv.indexOf('--');
  const extraArgs = separator === -1 ? process.argv.slice(2) : process.argv.slice(separator + 1);
  ensureSchemathesis();
  installSdkLogging('ERROR', { shutdownSignals: [] });
  const { url, token } = await startStack();
  return runSchemathesis(url, token, extraArgs);
}

process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
main()
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    return 1;
  })
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });

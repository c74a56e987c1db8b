// npm start: the whole service on embedded defaults, as plain processes.
//   Temporal dev server (Web UI :8233, history in .data/temporal.sqlite), PostgreSQL (local server or
//   DATABASE_URL; database created and migrated), the platform simulators, the worker and the API; a demo user.
// Ctrl-C stops everything it started, in reverse order.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startApi } from '../api/main.js';
import { publishedCodecEndpoint } from '../api/routes/codec.js';
import { browserPlatforms, chromiumStatus, chromiumWarning } from '../lib/chromium.js';
import { loadConfig } from '../lib/config.js';
import { createDatabase, databaseExists } from '../lib/databases.js';
import { createDb } from '../lib/db.js';
import { installSdkLogging } from '../lib/temporal-logging.js';
import { newApiToken, newMasterKey } from '../lib/secrets.js';
import { startDevServer, type DevServer } from '../lib/temporal-server.js';
import { seedDemoUser } from '../prisma/seed.js';
import { DEMO_ETALENTA_API_KEY, platformUrlEnv, simulatorOAuthClientEnv, smtpSimulatorUrl, startSimulators } from '../simulators/main.js';
import { createWorkers } from '../worker.js';
import { applyMigrations } from './db-migrate.js';
import { printSignupLinks } from './dev-mail.js';

const stops: { name: string; stop: () => Promise<unknown> }[] = [];
const step = (message: string) => console.log(`· ${message}`);

/** Without CASTSYNC_MASTER_KEYS, a development key is made once and kept in the data folder. */
async function ensureMasterKey(dataDir: string) {
  if (process.env.CASTSYNC_MASTER_KEYS) return;
  const file = path.join(dataDir, 'master-keys');
  if (!existsSync(file)) await writeFile(file, `dev:${newMasterKey()}\n`, { mode: 0o600 });
  process.env.CASTSYNC_MASTER_KEYS = (await readFile(file, 'utf8')).trim();
  step(`using the development master key in ${path.relative(process.cwd(), file)} (set CASTSYNC_MASTER_KEYS in production)`);
}

/**
 * Without CASTSYNC_OPERATOR_TOKEN, one is made once and kept in the data folder: the Web UI decodes the encrypted
 * payloads through the API's codec route, which answers only to that token.
 */
async function ensureOperatorToken(dataDir: string): Promise<string> {
  if (process.env.CASTSYNC_OPERATOR_TOKEN) return process.env.CASTSYNC_OPERATOR_TOKEN;
  const file = path.join(dataDir, 'operator-token');
  if (!existsSync(file)) await writeFile(file, `${newApiToken()}\n`, { mode: 0o600 });
  return (process.env.CASTSYNC_OPERATOR_TOKEN = (await readFile(file, 'utf8')).trim());
}

async function main() {
  // castsync's own mail (sign-up links, CASTSYNC_SIGNUP=on) goes to the SMTP simulator too.
  process.env.CASTSYNC_SMTP_URL ??= smtpSimulatorUrl();
  const { dataDir, apiPort } = loadConfig();
  await mkdir(dataDir, { recursive: true });
  await ensureMasterKey(dataDir);
  const operatorToken = await ensureOperatorToken(dataDir);
  const uiCodecEndpoint = publishedCodecEndpoint(apiPort);
  installSdkLogging('WARN', { shutdownSignals: [], metricsAddress: loadConfig().temporalMetricsAddress }); // this script stops the workers itself, in order

  let temporal: DevServer | null = null;
  if (!process.env.TEMPORAL_ADDRESS) {
    step('starting the Temporal dev server ...');
    temporal = await startDevServer({ port: 7233, uiPort: 8233, dbFile: path.join(dataDir, 'temporal.sqlite'), logLevel: 'warn', stdio: 'ignore', uiCodecEndpoint });
    process.env.TEMPORAL_ADDRESS = temporal.address;
    // localhost, like the API's address: the codec session cookie reaches the API only from the same site.
    process.env.TEMPORAL_UI_URL ??= temporal.uiUrl!.replace('127.0.0.1', 'localhost');
    stops.push({ name: 'Temporal dev server', stop: () => temporal!.stop() });
  }

  const sims = await startSimulators();
  stops.push({ name: 'simulators', stop: () => sims.stop() });
  // The catalog has no addresses: the simulators' come from here (a variable already set wins).
  for (const [name, value] of Object.entries({ ...platformUrlEnv(sims.urls), ...simulatorOAuthClientEnv() })) process.env[name] ??= value;
  step(`platform simulators:\n    ${sims.summary.join('\n    ')}`);

  const config = loadConfig();
  if (config.signupEnabled && config.smtpUrl === sims.smtpUrl) {
    const stopPrinting = printSignupLinks(sims.smtp);
    stops.push({ name: 'sign-up mail printer', stop: async () => stopPrinting() });
  }
  if (!(await databaseExists(config.databaseUrl))) {
    await createDatabase(config.databaseUrl);
    step(`created database ${new URL(config.databaseUrl).pathname.slice(1)}`);
  }
  const applied = await applyMigrations(config.databaseUrl);
  step(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

  const db = createDb(config.databaseUrl);
  stops.push({ name: 'database client', stop: () => db.$disconnect() });
  const demo = await seedDemoUser(db, config, DEMO_ETALENTA_API_KEY);

  step('starting the worker (bundling workflows) ...');
  const workers = await createWorkers({ config, db });
  const workersDone = workers.run();
  stops.push({ name: 'worker', stop: () => workers.shutdown() });

  const api = await startApi(config);
  stops.push({ name: 'API', stop: () => api.stop() });

  const apiUrl = api.url.replace('127.0.0.1', 'localhost');
  const chromium = chromiumStatus(config);
  console.log(`
castsync is running. Ctrl-C stops everything.

  API            ${apiUrl}
  Dashboard      ${apiUrl}/app/   (sign in with the demo token)
  OpenAPI docs   ${apiUrl}/docs
  Temporal UI    ${config.temporalUiUrl}   (to decode payloads: sign in at ${apiUrl}/codec with the operator token)
  operator token ${operatorToken}
  demo token     ${demo.token}
  Chromium       ${chromium.available ? chromium.path : `MISSING: ${chromiumWarning(chromium, browserPlatforms(config))}`}

  curl -s -X POST ${apiUrl}/api/availability -H "Authorization: Bearer ${demo.token}" \\
       -H 'content-type: application/json' \\
       -d '{"startDate":"2027-03-01","endDate":"2027-03-05","status":"unavailable","type":"block"}'
  curl -s ${sims.etalenta.url}/_sim/accounts/${DEMO_ETALENTA_API_KEY}/availability     # what e-TALENTA now shows
  curl -s ${apiUrl}/api/sync/history -H "Authorization: Bearer ${demo.token}"

  Connect more platforms with POST ${apiUrl}/api/platforms/<id>/connect (see /docs and the accounts above).
`);
  await workersDone.catch((error: unknown) => {
    console.error('worker failed:', error);
    void shutdown(1);
  });
}

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping ...');
  for (const { name, stop } of stops.reverse()) {
    try {
      await stop();
      step(`stopped ${name}`);
    } catch (error) {
      console.error(`could not stop ${name}:`, error instanceof Error ? error.message : error);
    }
  }
  process.exit(code);
}

process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void shutdown(1);
});

// Runs the gateway on its own (npm run api); `npm start` runs it together with everything else.
import { browserPlatforms, chromiumStatus, chromiumWarning } from '../lib/chromium.js';
import { loadConfig, loadConfigOrExit } from '../lib/config.js';
import { createDb } from '../lib/db.js';
import { lazyTemporalClient } from '../lib/temporal-client.js';
import { startTracing } from '../lib/tracing.js';
import { buildApp } from './app.js';

export async function startApi(config = loadConfig()) {
  const db = createDb(config.databaseUrl);
  const tracing = startTracing(config, 'castsync-api');
  // Lazy: the gateway starts and takes changes while Temporal is down (they wait in the outbox).
  const { connection, client: temporal } = lazyTemporalClient(config, tracing);
  const app = await buildApp({ config, db, temporal });
  const url = await app.listen({ host: config.apiHost, port: config.apiPort });
  return {
    app,
    url,
    async stop() {
      await app.close();
      await tracing.shutdown();
      await connection.close();
      await db.$disconnect();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfigOrExit();
  // Connecting a browser platform logs in through Chromium in the gateway: say at start if it cannot.
  const warning = chromiumWarning(chromiumStatus(config), browserPlatforms(config));
  if (warning) console.warn(`api: ${warning}`);
  const api = await startApi(config);
  const stop = () => void api.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

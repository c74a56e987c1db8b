// Runs an outbox relay on its own (npm run relay): for deployments that turn the gateway's own relay off
// (CASTSYNC_RELAY=off) or want more than one. Any number may run at once; each row is delivered once to effect.
import { loadConfig, loadConfigOrExit } from './lib/config.js';
import { createDb } from './lib/db.js';
import { OutboxRelay } from './lib/outbox-relay.js';
import { lazyTemporalClient, temporalCallsSettled } from './lib/temporal-client.js';

export function startRelay(config = loadConfig()) {
  const db = createDb(config.databaseUrl);
  const { connection, client } = lazyTemporalClient(config);
  const log = {
    info: (details: object, message: string) => console.log(JSON.stringify({ level: 'info', msg: message, ...details })),
    warn: (details: object, message: string) => console.log(JSON.stringify({ level: 'warn', msg: message, ...details, err: String((details as { err?: unknown }).err ?? '') || undefined })),
  };
  const relay = new OutboxRelay(db, client, config, { log }).start();
  return {
    relay,
    async stop() {
      await relay.stop();
      await temporalCallsSettled();
      await connection.close();
      await db.$disconnect();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = startRelay(loadConfigOrExit());
  console.log('relay: delivering the outbox');
  const stop = () => void running.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

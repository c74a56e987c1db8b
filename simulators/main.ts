// Runs the platform simulators on their catalog ports (npm run simulators; `npm start` runs them too).
import { platformCatalog } from '../adapters/catalog.js';
import { RestPlatformSimulator } from './etalenta/server.js';

export const DEMO_ETALENTA_API_KEY = process.env.CASTSYNC_DEMO_ETALENTA_KEY ?? 'demo-etalenta-key';

export interface RunningSimulators {
  etalenta: RestPlatformSimulator;
  stop(): Promise<void>;
}

export async function startSimulators({ host = '127.0.0.1' } = {}): Promise<RunningSimulators> {
  const etalenta = new RestPlatformSimulator({
    name: 'etalenta',
    host,
    port: Number(new URL(platformCatalog.etalenta.baseUrl).port),
    accounts: [{ apiKey: DEMO_ETALENTA_API_KEY, name: 'Demo Actor' }],
    quota: platformCatalog.etalenta.accountRateLimit,
  });
  await etalenta.start();
  return { etalenta, stop: () => etalenta.stop() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sims = await startSimulators({ host: process.env.SIMULATOR_HOST ?? '127.0.0.1' });
  console.log(`e-TALENTA simulator: ${sims.etalenta.url} (demo API key "${DEMO_ETALENTA_API_KEY}")`);
  const stop = () => void sims.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// api/main.ts as its own process on a port of its own: for tests that run more than one gateway, as a deployment
// behind a load balancer does. Each gateway runs its own outbox relay unless the environment turns it off.
import { freePort } from '../../lib/temporal-server.js';
import { waitFor } from './stack-core.js';
import { spawnEntryPoint, type WorkerProcess } from './worker-process.js';

export interface GatewayProcess extends WorkerProcess {
  url: string;
}

export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gateway = spawnEntryPoint('api/main.ts', { ...env, API_PORT: String(port), CASTSYNC_PUBLIC_URL: url });
  // Listening and able to reach the database and Temporal: /health answers 200.
  await waitFor(async () => gateway.child.exitCode !== null || (await fetch(`${url}/health`).then((r) => r.ok, () => false)), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: `the gateway on port ${port} to start`,
  });
  if (gateway.child.exitCode !== null) throw new Error(`gateway exited: ${gateway.output()}`);
  return { ...gateway, url };
}

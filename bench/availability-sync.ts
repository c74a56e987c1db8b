// npm run bench:sync — availability push on the real stack (Temporal dev server, PostgreSQL, workers,
// e-TALENTA simulator): latency from the API call until the platform shows the change, platform requests per
// user change, and sustained changes per second for bursts by many users. Prints a table; asserts nothing.
import { performance } from 'node:perf_hooks';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { startDevServer } from '../lib/temporal-server.js';
import { applyMigrations } from '../scripts/db-migrate.js';
import { buildStack, waitFor, type Stack, type TestUser } from '../test/support/stack-core.js';

const SEQUENTIAL_CHANGES = Number(process.env.BENCH_SEQUENTIAL ?? 30);
const BURST_USERS = Number(process.env.BENCH_USERS ?? 20);
const BURST_CHANGES_PER_USER = Number(process.env.BENCH_CHANGES ?? 10);

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

function day(offset: number): string {
  return new Date(Date.UTC(2028, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

const calendarKey = (stack: Stack, user: TestUser) =>
  stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).map((e) => `${e.from}/${e.to}`).join(',');

async function post(stack: Stack, user: TestUser, offset: number) {
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day(offset), endDate: day(offset), status: 'unavailable', type: 'block' } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json() as { id: string };
}

async function sequentialLatency(stack: Stack) {
  const user = await stack.createUser();
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL_CHANGES; i += 1) {
    const started = performance.now();
    await post(stack, user, i);
    await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).length === i + 1, { intervalMs: 2, what: `change ${i}` });
    latencies.push(performance.now() - started);
  }
  return latencies;
}

async function burst(stack: Stack) {
  const users = await Promise.all(Array.from({ length: BURST_USERS }, () => stack.createUser()));
  const sim = stack.simulators.etalenta!;
  const requestsBefore = sim.requests.length;
  const started = performance.now();
  const latencies: number[] = [];
  await Promise.all(
    users.map(async (user, u) => {
      for (let i = 0; i < BURST_CHANGES_PER_USER; i += 1) await post(stack, user, u * 100 + i);
      const lastCall = performance.now();
      const expected = Array.from({ length: BURST_CHANGES_PER_USER }, (_, i) => `${day(u * 100 + i)}/${day(u * 100 + i)}`).join(',');
      await waitFor(() => calendarKey(stack, user) === expected, { intervalMs: 5, timeoutMs: 120_000, what: `user ${u} to converge` });
      latencies.push(performance.now() - lastCall);
    }),
  );
  const elapsed = performance.now() - started;
  const changes = BURST_USERS * BURST_CHANGES_PER_USER;
  return { latencies, elapsed, changes, requests: sim.requests.length - requestsBefore };
}

async function main() {
  const server = await startDevServer({ uiPort: null });
  const databaseUrl = siblingDatabaseUrl(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 'castsync_bench');
  await createDatabase(databaseUrl);
  let stack: Stack | undefined;
  try {
    await applyMigrations(databaseUrl);
    stack = await buildStack({}, { databaseUrl, temporalAddress: server.address });
    await sequentialLatency(stack); // warm-up: bundles, connections, JIT
    const single = await sequentialLatency(stack);
    const b = await burst(stack);
    const rows = [
      ['single change, API call -> platform shows it', `p50 ${quantile(single, 0.5).toFixed(0)} ms`, `p95 ${quantile(single, 0.95).toFixed(0)} ms`, `n=${single.length}`],
      [`burst: ${BURST_USERS} users x ${BURST_CHANGES_PER_USER} changes, last call -> converged`, `p50 ${quantile(b.latencies, 0.5).toFixed(0)} ms`, `p95 ${quantile(b.latencies, 0.95).toFixed(0)} ms`, `n=${b.latencies.length}`],
      ['burst: platform requests per user change', (b.requests / b.changes).toFixed(2), '', `${b.requests} requests`],
      ['burst: changes per second, first call -> all converged', (b.changes / (b.elapsed / 1000)).toFixed(1), '', `${b.changes} changes in ${(b.elapsed / 1000).toFixed(1)} s`],
    ];
    console.log('\n| measure | value | | |\n|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await stack?.stop();
    await server.stop();
    await dropDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

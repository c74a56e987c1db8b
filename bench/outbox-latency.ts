// npm run bench:outbox — what the transactional outbox costs in the normal case (Temporal up), on the real stack
// (Temporal dev server, PostgreSQL, one REST simulator, in-process workers). Two variants, interleaved change by
// change so machine noise hits both alike:
//   outbox: POST /api/availability — the entry and its outbox row in one transaction, the answer, then the
//           relay's hand-off (signalWithStart) after the commit;
//   direct: the same entry written with Prisma, then signalWithStart before answering — the path castsync had
//           before the outbox (a change whose signal failed was lost).
// Measures the caller's answer time and the time until the platform shows the change. Prints a table; asserts
// nothing.
import { performance } from 'node:perf_hooks';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { requestSync } from '../lib/sync-requests.js';
import { startDevServer } from '../lib/temporal-server.js';
import { applyMigrations } from '../scripts/db-migrate.js';
import { quantile, runBenchmark } from './support.js';
import { buildStack, waitFor, type Stack, type TestUser } from '../test/support/stack-core.js';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 40);
const day = (offset: number) => new Date(Date.UTC(2029, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);

interface Sample {
  answerMs: number;
  platformMs: number;
}

async function viaOutbox(stack: Stack, user: TestUser, offset: number): Promise<Sample> {
  const started = performance.now();
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day(offset), endDate: day(offset), status: 'unavailable', type: 'block' } });
  if (res.statusCode !== 201) throw new Error(res.body);
  const answerMs = performance.now() - started;
  await shows(stack, user, res.json().id);
  return { answerMs, platformMs: performance.now() - started };
}

async function direct(stack: Stack, user: TestUser, offset: number): Promise<Sample> {
  const started = performance.now();
  const entry = await stack.db.availability.create({ data: { userId: user.id, startDate: new Date(day(offset)), endDate: new Date(day(offset)), status: 'unavailable', type: 'block' } });
  await requestSync(stack.temporal, stack.config, 'availability', user.id, {});
  const answerMs = performance.now() - started;
  await shows(stack, user, entry.id);
  return { answerMs, platformMs: performance.now() - started };
}

const shows = (stack: Stack, user: TestUser, id: string) =>
  waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).some((e) => e.clientRef === id), { intervalMs: 1, what: `${id} on the platform` });

async function main() {
  const server = await startDevServer({ uiPort: null });
  const databaseUrl = siblingDatabaseUrl(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 'castsync_bench');
  await createDatabase(databaseUrl);
  let stack: Stack | undefined;
  try {
    await applyMigrations(databaseUrl);
    stack = await buildStack({ restPlatforms: ['etalenta'] }, { databaseUrl, temporalAddress: server.address });
    const [outboxUser, directUser] = [await stack.createUser(), await stack.createUser()];
    const samples: Record<'outbox' | 'direct', Sample[]> = { outbox: [], direct: [] };
    for (let i = 0; i < 5; i += 1) {
      await viaOutbox(stack, outboxUser, 1000 + i); // warm-up: workflow bundle, connections, JIT
      await direct(stack, directUser, 1000 + i);
    }
    for (let i = 0; i < CHANGES; i += 1) {
      const order = i % 2 === 0 ? (['outbox', 'direct'] as const) : (['direct', 'outbox'] as const);
      for (const variant of order) samples[variant].push(await (variant === 'outbox' ? viaOutbox(stack, outboxUser, i) : direct(stack, directUser, i)));
    }
    const p50 = (variant: 'outbox' | 'direct', key: keyof Sample) => quantile(samples[variant].map((s) => s[key]), 0.5);
    const p95 = (variant: 'outbox' | 'direct', key: keyof Sample) => quantile(samples[variant].map((s) => s[key]), 0.95);
    console.log(`\n${CHANGES} changes per variant, interleaved\n`);
    console.log('| variant | answer p50 | answer p95 | on the platform p50 | on the platform p95 |\n|---|---|---|---|---|');
    for (const variant of ['direct', 'outbox'] as const) {
      console.log(`| ${variant} | ${p50(variant, 'answerMs').toFixed(1)} ms | ${p95(variant, 'answerMs').toFixed(1)} ms | ${p50(variant, 'platformMs').toFixed(1)} ms | ${p95(variant, 'platformMs').toFixed(1)} ms |`);
    }
    console.log(`| outbox / direct | ${(p50('outbox', 'answerMs') / p50('direct', 'answerMs')).toFixed(2)} | | ${(p50('outbox', 'platformMs') / p50('direct', 'platformMs')).toFixed(2)} | |`);
  } finally {
    await stack?.stop();
    await server.stop();
    await dropDatabase(databaseUrl);
  }
}

runBenchmark(main);

// npm run bench:worker-start — how long a worker takes from its start to polling, in the two ways it can start:
//   tsx:   `tsx worker.ts`, the development path: webpack bundles workflows/ at every start;
//   build: `node dist/worker.js`, the production path: the workflow bundle npm run build wrote, no TypeScript.
// "Polling" is the worker's `worker: polling ...` line, printed once Worker.create returned for every task queue and
// run() began. Builds first (never a stale dist/), then starts each variant BENCH_STARTS times (default 7),
// interleaved and alternating which goes first, one at a time, after one warm-up start each that is not counted.
// Real parts: a Temporal dev server and a migrated PostgreSQL database of its own. Prints a table; asserts nothing.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from '../scripts/build.js';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { projectRoot } from '../lib/paths.js';
import { newMasterKey } from '../lib/secrets.js';
import { startDevServer, stopChild } from '../lib/temporal-server.js';
import { applyMigrations } from '../scripts/db-migrate.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 7);
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

interface Variant {
  name: string;
  command: string;
  args: string[];
  /** The worker's line that says where its workflow code came from: proof the variant is what it claims. */
  expect: string;
}

const variants: Variant[] = [
  { name: 'tsx worker.ts (bundles at start)', command: process.execPath, args: [tsxCli, 'worker.ts'], expect: 'bundling the workflow code' },
  { name: 'node dist/worker.js (prebuilt bundle)', command: process.execPath, args: ['dist/worker.js'], expect: 'from the prebuilt bundle' },
];

/** Milliseconds from spawning the worker to its polling line; then stops it and waits for its exit. */
async function startToPolling(variant: Variant, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(variant.command, variant.args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const polling = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('worker: polling')) resolve(performance.now() - started);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${variant.name} exited (${code}) before polling:\n${output}`)));
  });
  try {
    const ms = await polling;
    if (!output.includes(variant.expect)) throw new Error(`${variant.name} did not say "${variant.expect}":\n${output}`);
    return ms;
  } finally {
    await stopChild(child);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function printTable(samples: Map<Variant, number[]>) {
  const rows = [...samples].map(([variant, values]) => [variant.name, seconds(median(values)), seconds(Math.min(...values)), seconds(Math.max(...values))]);
  const header = ['variant', 'median', 'min', 'max'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\nworker start to polling, ${STARTS} starts each (${os.cpus().length} cores, Node ${process.versions.node})\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  const [tsx, built] = [...samples.values()].map(median);
  console.log(`\nmedian ratio tsx / build: ${(tsx! / built!).toFixed(1)}x`);
}

async function main() {
  await build(path.join(projectRoot, 'dist'));
  const server = await startDevServer({ uiPort: null });
  const databaseUrl = siblingDatabaseUrl(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 'castsync_bench');
  await createDatabase(databaseUrl);
  try {
    await applyMigrations(databaseUrl);
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: server.address,
      CASTSYNC_MASTER_KEYS: `bench:${newMasterKey()}`,
      LOG_LEVEL: 'warn',
    };
    for (const variant of variants) await startToPolling(variant, env); // warm-up: disk cache, JIT of the loaders
    const samples = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < STARTS; round += 1) {
      const order = round % 2 ? [...variants].reverse() : variants;
      for (const variant of order) {
        const ms = await startToPolling(variant, env);
        samples.get(variant)!.push(ms);
        console.log(`round ${round + 1}: ${variant.name} ${seconds(ms)}`);
      }
    }
    printTable(samples);
  } finally {
    await dropDatabase(databaseUrl);
    await server.stop();
  }
}

await main();

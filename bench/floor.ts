// npm run bench:floor — what castsync costs above the floor of one change reaching one REST platform, measured side
// by side in one run on one e-TALENTA simulator, one Temporal dev server and one PostgreSQL database:
//   requests alone:    the two requests castsync's REST adapter makes for a new entry (list + batch), nothing else;
//   minimal workflow:  a workflow of its own (bench/floor/workflow.ts) whose one activity makes the same two
//                      requests, on its own worker and task queue;
//   minimal workflow after an outbox commit: the same, started after the entry and its outbox row were committed
//                      in one transaction (castsync's way into Temporal, without its HTTP, token, lock or sync
//                      workflow);
//   castsync, 1 / 4:   POST /api/availability through the gateway (outbox, relay, sync workflow, activity) for a user
//                      connected to e-TALENTA only, or to e-TALENTA, Agentur Connection (REST), JobWork (OAuth) and
//                      an agency by e-mail (SMTP).
// Variants take turns round by round in a new random order each round, so machine noise hits all alike. Each turn:
// changes one at a time (latency, from the submission until every platform of the variant holds the change), then a
// burst (users x changes at once: changes per second until all are held). Platform requests are counted on the
// simulators' side, CPU from the processes involved (see the table's footnote). Prints tables; asserts nothing.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { getPlatform } from '../adapters/catalog.js';
import { platformDispatch } from '../lib/config.js';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { platformVariable } from '../lib/production-settings.js';
import { startDevServer } from '../lib/temporal-server.js';
import { applyMigrations } from '../scripts/db-migrate.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { stopChild } from '../lib/temporal-server.js';
import { buildStack, type Stack } from '../test/support/stack-core.js';
import { startWorkerProcess, type WorkerProcess } from '../test/support/worker-process.js';
import { quantile, runBenchmark } from './support.js';
import { CpuMeter, PlatformTally, addCpu, cpuParts, noCpu, nodeCpu, scaleCpu, totalCpu, type CpuUse } from './floor/meter.js';
import { printBurstAttempts, printPlatformTimes } from './floor/platform-times.js';
import { castsyncStages, minimalWorkflowStages, printStages, type TimedChange } from './floor/stages.js';
import { createFloorActivities } from './floor/requests.js';
import { AGENCY, FLOOR_TASK_QUEUE, REST, variants, type Change, type Subject, type Variant } from './floor/variants.js';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    samples: { type: 'string', default: process.env.BENCH_SAMPLES ?? '15' },
    users: { type: 'string', default: process.env.BENCH_USERS ?? '50' },
    changes: { type: 'string', default: process.env.BENCH_CHANGES ?? '4' },
    // castsync's dispatch limit for every platform it pushes to here (CASTSYNC_DISPATCH_PER_SECOND_<ID>); default
    // the catalog's. The limit paces castsync's bursts on purpose (e-TALENTA: 20 push starts a second for the whole
    // deployment); a higher one shows what the path itself carries.
    dispatch: { type: 'string', default: process.env.BENCH_DISPATCH },
  },
});
const ROUNDS = Number(flags.rounds);
const SAMPLES = Number(flags.samples);
const USERS = Number(flags.users);
const CHANGES = Number(flags.changes);
const DISPATCH = flags.dispatch;
const BURST_FALLBACK_MS = 50;
// One at a time means after the previous change's work is over: castsync's push still writes its states and its
// workflow takes the activity's result after the platform held the change, and a change signalled meanwhile waits
// for that workflow task (the minimal workflow starts a new workflow each time and never meets this). Every
// variant pauses alike; the bursts measure changes that meet a push running.
const SETTLE_MS = 200;

interface Tally {
  latencies: number[];
  timed: TimedChange[];
  sequential: { changes: number; requests: number; cpu: CpuUse };
  burst: { changes: number; ms: number; requests: number; etalentaRequests: number; cpu: CpuUse };
}

interface Turn {
  variant: Variant;
  single: Subject;
  crowd: Subject[];
  tally: Tally;
}

const newTally = (): Tally => ({
  latencies: [],
  timed: [],
  sequential: { changes: 0, requests: 0, cpu: noCpu() },
  burst: { changes: 0, ms: 0, requests: 0, etalentaRequests: 0, cpu: noCpu() },
});

class FloorBench {
  constructor(
    readonly platforms: PlatformTally,
    readonly meter: CpuMeter,
  ) {}

  /** Until the variant holds every one of `changes`; `fallbackMs` for what no platform request announces. */
  held(variant: Variant, changes: Change[], what: string, fallbackMs = variant.fallbackMs): Promise<number> {
    let pending = changes;
    return this.platforms.until(
      async () => {
        const got = new Set(await variant.held(pending));
        pending = pending.filter((c) => !got.has(c));
        return pending.length === 0;
      },
      { fallbackMs, what: `${variant.name}: ${what}` },
    );
  }

  async sequential(turn: Turn, count: number, record: boolean) {
    const requestsBefore = this.platforms.requests(turn.variant.name);
    let cpu = noCpu();
    for (let i = 0; i < count; i += 1) {
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const cpuBefore = await this.meter.sample();
      const [started, submittedAt] = [performance.now(), Date.now()];
      const change = await turn.variant.submit(turn.single);
      const at = await this.held(turn.variant, [change], `change ${i}`);
      cpu = addCpu(cpu, CpuMeter.between(cpuBefore, await this.meter.sample()));
      if (!record) continue;
      turn.tally.latencies.push(at - started);
      turn.tally.timed.push({ change, submittedAt, heldAt: submittedAt + (at - started) });
    }
    if (!record) return;
    const s = turn.tally.sequential;
    s.changes += count;
    s.requests += this.platforms.requests(turn.variant.name) - requestsBefore;
    s.cpu = addCpu(s.cpu, cpu);
  }

  async burst(turn: Turn, users: Subject[], changesPerUser: number, record: boolean) {
    const name = turn.variant.name;
    const [requestsBefore, etalentaBefore] = [this.platforms.requests(name), this.platforms.requests(name, 'etalenta')];
    const cpuBefore = await this.meter.sample();
    const started = performance.now();
    const changes = (
      await Promise.all(
        users.map(async (user) => {
          const mine: Change[] = [];
          for (let i = 0; i < changesPerUser; i += 1) mine.push(await turn.variant.submit(user));
          return mine;
        }),
      )
    ).flat();
    // A burst lasts seconds, so checking 50 ms apart costs it little time; checking every 5 ms (castsync's e-mail
    // confirmation is a database row) cost the 4-platform burst a query in the bench process and PostgreSQL each time.
    const at = await this.held(turn.variant, changes, `burst of ${changes.length}`, Math.max(turn.variant.fallbackMs, BURST_FALLBACK_MS));
    const cpu = CpuMeter.between(cpuBefore, await this.meter.sample());
    if (!record) return;
    const b = turn.tally.burst;
    b.changes += changes.length;
    b.ms += at - started;
    b.requests += this.platforms.requests(name) - requestsBefore;
    b.etalentaRequests += this.platforms.requests(name, 'etalenta') - etalentaBefore;
    b.cpu = addCpu(b.cpu, cpu);
  }
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const times = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)}×`;
const perChange = (value: number, changes: number) => (value / changes).toFixed(1);

function printTables(turns: Turn[], idleCpuPerSecond: CpuUse, dispatch: string) {
  const stats = turns.map(({ variant, tally }) => ({
    name: variant.name,
    tally,
    p50: quantile(tally.latencies, 0.5),
    p95: quantile(tally.latencies, 0.95),
    rate: tally.burst.changes / (tally.burst.ms / 1000),
  }));
  const [floor, minimal] = [stats[0]!, stats[1]!];
  console.log(`\n${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.versions.node}; ${ROUNDS} rounds: ${ROUNDS * SAMPLES} changes one at a time and ${ROUNDS} bursts of ${USERS} users × ${CHANGES} changes per variant; castsync's dispatch limits, push starts per second: ${dispatch}\n`);
  console.log('| variant | p50 | p95 | changes/s | requests/change | CPU ms/change | of it Node processes | p50 ratio to minimal workflow (to requests alone) | throughput ratio to minimal workflow (to requests alone) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const s of stats) {
    const b = s.tally.burst;
    const requests = perChange(b.requests, b.changes) + (b.etalentaRequests !== b.requests ? ` (e-TALENTA ${perChange(b.etalentaRequests, b.changes)})` : '');
    const ratios = [`${times(s.p50 / minimal.p50)} (${times(s.p50 / floor.p50)})`, `${times(s.rate / minimal.rate)} (${times(s.rate / floor.rate)})`];
    console.log(`| ${s.name} | ${ms(s.p50)} | ${ms(s.p95)} | ${s.rate.toFixed(1)} | ${requests} | ${perChange(totalCpu(b.cpu), b.changes)} | ${perChange(nodeCpu(b.cpu), b.changes)} | ${ratios.join(' | ')} |`);
  }
  console.log('\nCPU ms per change, bench process / castsync worker process / Temporal server / PostgreSQL, and platform requests per change:\n');
  console.log('| variant | one at a time: CPU | one at a time: requests | burst: CPU | burst: requests |\n|---|---|---|---|---|');
  for (const { name, tally } of stats) {
    const { sequential: q, burst: b } = tally;
    console.log(`| ${name} | ${cpuParts(q.cpu, q.changes)} | ${perChange(q.requests, q.changes)} | ${cpuParts(b.cpu, b.changes)} | ${perChange(b.requests, b.changes)} |`);
  }
  console.log(
    `\np50/p95: one change at a time (${SETTLE_MS} ms after the previous one was held, for every variant), from its submission (the requests' start, the workflow's start, the API call) until every platform of the variant holds it` +
      ` (castsync, 4 platforms: both REST simulators and JobWork list it and castsync recorded the SMTP server's acceptance). changes/s: the bursts, from the first` +
      ` submission until all were held. requests/change: on the simulators' side, e-mail messages counted as requests (bursts; castsync merges a user's changes` +
      ` that arrive while a push runs). CPU (bursts): the sum over the bench's Node process (every variant's client side, castsync's gateway via inject and its` +
      ` outbox relay, the minimal workflow's worker, all simulators and the waiting), castsync's worker process (worker.ts), the Temporal dev server` +
      ` (/proc/<pid>/stat) and the PostgreSQL backends connected to the bench's database, counted for every variant alike; of it Node processes: the bench's and` +
      ` castsync's worker, without the Temporal server and PostgreSQL (what the variant's own code costs; the floor's worker runs in the bench's process); background work lands on` +
      ` whichever variant runs. One at a time, CPU is counted from each submission until it was held (castsync's state write after that is in the bursts' figures). Idle, with nothing submitted, they used ${cpuParts(idleCpuPerSecond, 1)} CPU ms per second. Load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
  );
  for (const { variant } of turns.filter((t) => t.variant.retried > 0)) {
    console.log(`\n${variant.name}: ${variant.retried} API calls answered 5xx and were sent again after 100 ms (counted in the times above).`);
  }
}

async function main() {
  const server = await startDevServer({ uiPort: null });
  const databaseUrl = siblingDatabaseUrl(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 'castsync_bench');
  await createDatabase(databaseUrl);
  const jobwork = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  const smtp = new SmtpSimulator();
  let stack: Stack | undefined;
  let castsyncWorker: WorkerProcess | undefined;
  let floorWorker: { worker: Worker; running: Promise<void>; connection: NativeConnection } | undefined;
  try {
    await applyMigrations(databaseUrl);
    const env = { CASTSYNC_PLATFORM_URL_JOBWORK: await jobwork.start(), CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: await smtp.start() };
    // castsync's worker runs as its own process, as deployed: in this process it would share the gateway's database
    // pool, and a burst of writes then waits for connections the activities hold.
    const platformIds = [...REST, 'jobwork', AGENCY];
    const dispatchSettings = DISPATCH === undefined ? {} : Object.fromEntries(platformIds.map((id) => [platformVariable('DISPATCH_PER_SECOND', id), DISPATCH]));
    stack = await buildStack(
      { restPlatforms: REST, workers: false, env: { ...env, ...dispatchSettings, CASTSYNC_PLATFORMS: platformIds.join(',') } },
      { databaseUrl, temporalAddress: server.address },
    );
    const dispatch = platformIds.map((id) => `${id} ${platformDispatch(stack!.config, getPlatform(id)).activitiesPerSecond}`).join(', ');
    castsyncWorker = await startWorkerProcess(stack.env);
    const db = stack.db;
    const platforms = new PlatformTally();
    for (const id of REST) platforms.watch(stack.simulators[id]!.requests, id, (r) => r.apiKey);
    platforms.watch(jobwork.requests, 'jobwork', (r) => r.accountId);
    platforms.watch(smtp.messages, AGENCY, (m) => m.envelope.rcptTo[0] ?? null);

    const floorKeys = new Map<string, string>();
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection,
      taskQueue: FLOOR_TASK_QUEUE,
      workflowsPath: fileURLToPath(new URL('./floor/workflow.ts', import.meta.url)),
      activities: createFloorActivities((account) => ({ baseUrl: stack!.simulators.etalenta!.url, apiKey: floorKeys.get(account)! })),
    });
    floorWorker = { worker, connection, running: worker.run() };
    const floorClient = new Client({ connection: stack.temporal.connection, namespace: stack.config.temporalNamespace });

    const meter = new CpuMeter(castsyncWorker.child.pid!, server.process.pid!, async () =>
      (await db.$queryRaw<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`).map((r) => r.pid),
    );
    const bench = new FloorBench(platforms, meter);
    const turns: Turn[] = [];
    for (const variant of variants({ stack, jobwork, tally: platforms, floorClient, floorKeys })) {
      const crowd: Subject[] = [];
      // One at a time: the OAuth simulator approves the next authorization for one account (autoApprove).
      for (let u = 0; u < USERS; u += 1) crowd.push(await variant.user());
      turns.push({ variant, single: await variant.user(), crowd, tally: newTally() });
    }
    console.log(`${turns.length} variants, ${USERS + 1} users each; warming up`);
    for (const turn of turns) {
      await bench.sequential(turn, 5, false); // workflow bundles, connections, JIT
      await bench.burst(turn, turn.crowd.slice(0, 10), 2, false);
    }
    const idleBefore = await meter.sample();
    await new Promise((r) => setTimeout(r, 3000));
    const idle = CpuMeter.between(idleBefore, await meter.sample());
    const idlePerSecond = scaleCpu(idle, 1 / 3);

    for (let round = 1; round <= ROUNDS; round += 1) {
      const started = performance.now();
      const order = shuffled(turns);
      for (const turn of order) {
        await bench.sequential(turn, SAMPLES, true);
        await bench.burst(turn, turn.crowd, CHANGES, true);
      }
      console.log(`round ${round}/${ROUNDS} (${order.map((t) => t.variant.name).join(', ')}): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    printTables(turns, idlePerSecond, dispatch);
    const turnOf = (name: string) => turns.find((t) => t.variant.name === name);
    const [minimal, afterOutbox, one] = [turnOf('minimal workflow + 1 activity'), turnOf('minimal workflow after an outbox commit'), turnOf('castsync, 1 platform')];
    if (minimal && afterOutbox && one) {
      printStages([
        { name: minimal.variant.name, stages: await minimalWorkflowStages(floorClient, minimal.tally.timed) },
        // Its "start reached Temporal" holds the transaction before the start.
        { name: afterOutbox.variant.name, stages: await minimalWorkflowStages(floorClient, afterOutbox.tally.timed) },
        { name: one.variant.name, stages: await castsyncStages(stack.temporal, db, one.single.id, one.tally.timed) },
      ]);
    }
    const four = turns.find((t) => t.variant.name === 'castsync, 4 platforms');
    if (four) await printPlatformTimes(db, four.single.id, four.variant.name);
    for (const turn of [one, four]) if (turn) await printBurstAttempts(db, turn.crowd.map((u) => u.id), turn.variant.name);
  } finally {
    if (floorWorker) {
      floorWorker.worker.shutdown();
      await floorWorker.running;
      await floorWorker.connection.close();
    }
    if (castsyncWorker) await stopChild(castsyncWorker.child);
    await stack?.stop();
    await Promise.all([jobwork.stop(), smtp.stop()]);
    await server.stop();
    await dropDatabase(databaseUrl);
  }
}

runBenchmark(main);

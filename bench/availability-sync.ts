// npm run bench:sync — availability push on the real stack (Temporal dev server, PostgreSQL, workers) to four
// platforms of three connection kinds at once: e-TALENTA and Agentur Connection (REST), JobWork (OAuth 2.0) and an
// agency by e-mail (SMTP). Measures the time from the API call until every platform shows the change, platform
// requests per user change, and sustained changes per second for bursts by many users. Prints a table; asserts
// nothing. (Browser platforms are left out: a Chromium page per push would dominate every figure.)
import { performance } from 'node:perf_hooks';
import { platformCatalog } from '../adapters/catalog.js';
import { createAuthorizationRequest, exchangeAuthorizationCode } from '../adapters/oauth/oauth-flow.js';
import { SIMULATOR_OAUTH_CLIENT } from '../simulators/oauth/server.js';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from '../lib/databases.js';
import { startDevServer } from '../lib/temporal-server.js';
import { applyMigrations } from '../scripts/db-migrate.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { quantile, runBenchmark } from './support.js';
import { buildStack, waitFor, type Stack, type TestUser } from '../test/support/stack-core.js';

const SEQUENTIAL_CHANGES = Number(process.env.BENCH_SEQUENTIAL ?? 30);
const BURST_USERS = Number(process.env.BENCH_USERS ?? 20);
const BURST_CHANGES_PER_USER = Number(process.env.BENCH_CHANGES ?? 10);
const REST = ['etalenta', 'agentur-connection'];
const AGENCY = 'agentur-iris-mueller';

interface BenchUser extends TestUser {
  jobworkAccount: string;
  agencyAddress: string;
}

const day = (offset: number) => new Date(Date.UTC(2028, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);

class Bench {
  constructor(
    readonly stack: Stack,
    readonly jobwork: OAuthPlatformSimulator,
    readonly smtp: SmtpSimulator,
  ) {}

  async user(): Promise<BenchUser> {
    const user = await this.stack.createUser({ platforms: REST });
    const account = this.jobwork.addAccount();
    this.jobwork.autoApprove = account.accountId;
    const redirectUri = 'http://localhost:3000/api/platforms/jobwork/callback';
    const started = await createAuthorizationRequest({ platform: platformCatalog.jobwork, baseUrl: this.jobwork.url, client: SIMULATOR_OAUTH_CLIENT, redirectUri });
    const code = new URL((await fetch(started.url, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const tokens = await exchangeAuthorizationCode({ platform: platformCatalog.jobwork, baseUrl: this.jobwork.url, client: SIMULATOR_OAUTH_CLIENT, code, codeVerifier: started.codeVerifier, redirectUri });
    await this.stack.connect(user.id, 'jobwork', tokens);
    const agencyAddress = `booking+${user.id}@agency.example`;
    await this.stack.connect(user.id, AGENCY, {}, { accountRef: agencyAddress });
    return { ...user, jobworkAccount: account.accountId, agencyAddress };
  }

  /** Every platform shows exactly these days (the agency: the SMTP server accepted a message about each). */
  async showsEverywhere(user: BenchUser, days: string[]): Promise<boolean> {
    const key = (entries: { from: string; to: string }[]) => entries.map((e) => `${e.from}/${e.to}`).sort().join(',');
    const wanted = days.map((d) => `${d}/${d}`).sort().join(',');
    const rest = REST.every((id) => key(this.stack.simulators[id]!.calendar(user.apiKeys[id]!)) === wanted);
    const oauth = key(this.jobwork.calendar(user.jobworkAccount).map((e) => ({ from: e.start, to: e.end }))) === wanted;
    if (!rest || !oauth) return false;
    const told = await this.stack.db.platformAvailabilityState.count({ where: { userId: user.id, platformId: AGENCY, confirmedVersion: { not: null } } });
    return told === days.length && this.smtp.messagesTo(user.agencyAddress).length > 0;
  }

  platformRequests(): number {
    const rest = REST.reduce((n, id) => n + this.stack.simulators[id]!.requests.length, 0);
    return rest + this.jobwork.requests.length + this.smtp.messages.length;
  }

  async post(user: BenchUser, offset: number) {
    const res = await this.stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day(offset), endDate: day(offset), status: 'unavailable', type: 'block' } });
    if (res.statusCode !== 201) throw new Error(res.body);
  }

  async sequential(): Promise<number[]> {
    const user = await this.user();
    const latencies: number[] = [];
    const days: string[] = [];
    for (let i = 0; i < SEQUENTIAL_CHANGES; i += 1) {
      const started = performance.now();
      await this.post(user, i);
      days.push(day(i));
      await waitFor(() => this.showsEverywhere(user, days), { intervalMs: 2, what: `change ${i} everywhere` });
      latencies.push(performance.now() - started);
    }
    return latencies;
  }

  async burst() {
    const users: BenchUser[] = [];
    // One at a time: the simulator approves the next authorization for one account (autoApprove).
    for (let u = 0; u < BURST_USERS; u += 1) users.push(await this.user());
    const requestsBefore = this.platformRequests();
    const started = performance.now();
    const latencies: number[] = [];
    await Promise.all(
      users.map(async (user, u) => {
        const days: string[] = [];
        for (let i = 0; i < BURST_CHANGES_PER_USER; i += 1) {
          await this.post(user, u * 100 + i);
          days.push(day(u * 100 + i));
        }
        const lastCall = performance.now();
        await waitFor(() => this.showsEverywhere(user, days), { intervalMs: 5, timeoutMs: 180_000, what: `user ${u} everywhere` });
        latencies.push(performance.now() - lastCall);
      }),
    );
    const elapsed = performance.now() - started;
    return { latencies, elapsed, changes: BURST_USERS * BURST_CHANGES_PER_USER, requests: this.platformRequests() - requestsBefore };
  }
}

async function main() {
  const server = await startDevServer({ uiPort: null });
  const databaseUrl = siblingDatabaseUrl(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres', 'castsync_bench');
  await createDatabase(databaseUrl);
  const jobwork = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  const smtp = new SmtpSimulator();
  let stack: Stack | undefined;
  try {
    await applyMigrations(databaseUrl);
    const env = { CASTSYNC_PLATFORM_URL_JOBWORK: await jobwork.start(), CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: await smtp.start() };
    stack = await buildStack({ restPlatforms: REST, workerPlatforms: [...REST, 'jobwork', AGENCY], env }, { databaseUrl, temporalAddress: server.address });
    const bench = new Bench(stack, jobwork, smtp);
    await bench.sequential(); // warm-up: workflow bundle, connections, JIT
    const single = await bench.sequential();
    const b = await bench.burst();
    const rows = [
      ['one change, API call -> all 4 platforms show it', `p50 ${quantile(single, 0.5).toFixed(0)} ms`, `p95 ${quantile(single, 0.95).toFixed(0)} ms`, `n=${single.length}`],
      [`burst of ${BURST_USERS} users x ${BURST_CHANGES_PER_USER} changes: last call -> all 4 show all`, `p50 ${quantile(b.latencies, 0.5).toFixed(0)} ms`, `p95 ${quantile(b.latencies, 0.95).toFixed(0)} ms`, `n=${b.latencies.length}`],
      ['burst: platform requests per user change (4 platforms)', (b.requests / b.changes).toFixed(2), '', `${b.requests} requests and messages`],
      ['burst: changes per second, first call -> all converged', (b.changes / (b.elapsed / 1000)).toFixed(1), '', `${b.changes} changes in ${(b.elapsed / 1000).toFixed(1)} s`],
    ];
    console.log('\n| measure | value | | |\n|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  } finally {
    await stack?.stop();
    await Promise.all([jobwork.stop(), smtp.stop()]);
    await server.stop();
    await dropDatabase(databaseUrl);
  }
}

runBenchmark(main);

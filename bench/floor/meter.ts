// What npm run bench:floor counts: platform requests per variant (on the simulators' side), CPU time of the
// processes involved, and the moment the platforms hold a change (woken by each platform request, not by polling,
// so waiting costs no CPU that would be charged to the variant under test).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Linux reports utime/stime in USER_HZ ticks, 100 per second on every architecture Node runs on. */
const MS_PER_TICK = 10;

/** utime + stime of a process in ms (fields 14 and 15 of /proc/<pid>/stat), or null once it has exited. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from the closing parenthesis, where field 3 begins.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}

export interface CpuUse {
  /** The bench's own process: every variant's client side, castsync's gateway and relay, the minimal workflow's
   * worker and all simulators run in it. */
  node: number;
  /** castsync's worker process. */
  worker: number;
  temporal: number;
  /** The PostgreSQL backends connected to the bench's database. */
  postgres: number;
}

interface CpuSample {
  node: number;
  worker: number;
  temporal: number;
  postgres: Map<number, number>;
}

export class CpuMeter {
  constructor(
    private readonly workerPid: number,
    private readonly temporalPid: number,
    private readonly postgresPids: () => Promise<number[]>,
  ) {}

  async sample(): Promise<CpuSample> {
    const pids = await this.postgresPids();
    const { user, system } = process.cpuUsage();
    const postgres = new Map<number, number>();
    for (const pid of pids) {
      const ms = processCpuMs(pid);
      if (ms !== null) postgres.set(pid, ms);
    }
    return { node: (user + system) / 1000, worker: processCpuMs(this.workerPid) ?? 0, temporal: processCpuMs(this.temporalPid) ?? 0, postgres };
  }

  /** CPU used between two samples. A backend that appeared in between counts from zero; one that exited is lost. */
  static between(before: CpuSample, after: CpuSample): CpuUse {
    let postgres = 0;
    for (const [pid, ms] of after.postgres) postgres += ms - (before.postgres.get(pid) ?? 0);
    return { node: after.node - before.node, worker: after.worker - before.worker, temporal: after.temporal - before.temporal, postgres };
  }
}

const PARTS = ['node', 'worker', 'temporal', 'postgres'] as const;
export const addCpu = (a: CpuUse, b: CpuUse) => Object.fromEntries(PARTS.map((k) => [k, a[k] + b[k]])) as unknown as CpuUse;
export const scaleCpu = (cpu: CpuUse, factor: number) => Object.fromEntries(PARTS.map((k) => [k, cpu[k] * factor])) as unknown as CpuUse;
export const noCpu = (): CpuUse => ({ node: 0, worker: 0, temporal: 0, postgres: 0 });
export const totalCpu = (cpu: CpuUse) => PARTS.reduce((sum, k) => sum + cpu[k], 0);
/** The Node processes' part: the bench's own (the floor's client and worker, castsync's gateway) and castsync's worker. */
export const nodeCpu = (cpu: CpuUse) => cpu.node + cpu.worker;
/** "node / worker / Temporal / PostgreSQL" per change. */
export const cpuParts = (cpu: CpuUse, changes: number) => PARTS.map((k) => (cpu[k] / changes).toFixed(1)).join(' / ');

/**
 * Counts platform requests by the variant that owns the account they were made for, and wakes waiters. The
 * simulators record every request (or received message) in a public array after answering it; wrapping that
 * array's push is the one place all of them pass through, without touching the simulators.
 */
export class PlatformTally {
  private readonly owners = new Map<string, string>();
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly listeners = new Set<() => void>();

  watch<T>(records: T[], platform: string, accountOf: (record: T) => string | null) {
    const push = records.push.bind(records);
    records.push = (...added: T[]) => {
      const length = push(...added);
      for (const record of added) {
        const owner = this.owners.get(accountOf(record) ?? '') ?? 'nobody';
        const byPlatform = this.counts.get(owner) ?? new Map<string, number>();
        byPlatform.set(platform, (byPlatform.get(platform) ?? 0) + 1);
        this.counts.set(owner, byPlatform);
      }
      for (const listener of this.listeners) listener();
      return length;
    };
  }

  own(account: string, variant: string) {
    this.owners.set(account, variant);
  }

  /** Requests made so far for a variant's accounts: on every platform, and on one platform. */
  requests(variant: string, platform?: string): number {
    const byPlatform = this.counts.get(variant);
    if (!byPlatform) return 0;
    return platform ? (byPlatform.get(platform) ?? 0) : [...byPlatform.values()].reduce((a, b) => a + b, 0);
  }

  /**
   * Resolves with performance.now() at the first moment `probe` holds: checked after every platform request and
   * every `fallbackMs` (for what no request announces, e.g. a database row written after the SMTP server accepted).
   */
  until(probe: () => boolean | Promise<boolean>, { fallbackMs = 50, timeoutMs = 180_000, what = 'condition' } = {}): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let running = false;
      let again = false;
      let done = false;
      const finish = (error: unknown, at?: number) => {
        done = true;
        this.listeners.delete(wake);
        clearInterval(timer);
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve(at!);
      };
      const check = async () => {
        if (done) return;
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            if (await probe()) return finish(null, performance.now());
          } while (again && !done);
        } catch (error) {
          finish(error);
        } finally {
          running = false;
        }
      };
      const wake = () => setImmediate(check);
      this.listeners.add(wake);
      const timer = setInterval(check, fallbackMs);
      const deadline = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      void check();
    });
  }
}

// Delivers outbox rows (lib/outbox.ts) to Temporal. Two ways in: the gateway hands a committed row to its own relay
// at once (no sweep delay in the normal case; the row was claimed for this relay when it was written), and a
// sweep picks up whatever no hand-off delivered: rows of a relay that died, rows written while Temporal was down,
// rows written by activities or by a gateway without a relay. Several relays may sweep at once: a claim takes
// rows with FOR UPDATE SKIP LOCKED and holds them for a lease, and the sync workflows ignore a row they were
// already signalled with, so a row whose relay died after signalling is not acted on twice.
import { isGrpcServiceError, type Client, type Connection } from '@temporalio/client';
import type { SyncedData } from '../workflows/plumbing.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { cancelOptionExpiry, scheduleOptionExpiry } from './option-expiry-timers.js';
import { isLiveOption } from './options.js';
import { ensureCalendarSchedule, removeCalendarSchedule, triggerCalendarRefresh } from './calendar-schedules.js';
import { addToOutbox, outboxInsert, type OutboxMessageInput, type OutboxRow, type OutboxWriter } from './outbox.js';
import { syncPullSchedule, triggerPull } from './pull-schedules.js';
import { syncReconcileSchedule } from './reconcile-schedules.js';
import { announceSyncTargetsChanged, requestSync } from './sync-requests.js';
import { withinMs } from './temporal-client.js';

export interface RelayLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface RelayOptions {
  /** How long a claim holds rows before another relay may take them. */
  leaseMs?: number;
  /** Longest wait for one Temporal call. */
  callTimeoutMs?: number;
  /** Rows one sweep claims. */
  batchSize?: number;
  /** Delivered rows are kept this long (to inspect), then deleted. */
  keepDeliveredMs?: number;
  log?: RelayLog;
}

type Row = OutboxRow;

const MAX_BACKOFF_MS = 10_000;
const PRUNE_EVERY_MS = 60_000;
const quietLog: RelayLog = { info: () => {}, warn: () => {} };

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
type Send = (messages: OutboxMessageInput[]) => Promise<void>;

/** The gateway's side of the outbox: write rows in the change's transaction, then hand them off after the commit. */
export interface SyncOutbox {
  add(tx: OutboxWriter, userId: string, messages: OutboxMessageInput[]): Promise<Row[]>;
  /** After the commit: delivers the rows now, in the background. Never throws, never makes the caller wait. */
  handOff(rows: Row[]): void;
  /** One transaction for the change and the messages it sends (`send`), handed off after the commit. */
  transaction<T>(db: Db, userId: string, change: (tx: Tx, send: Send) => Promise<T>, options?: { timeout?: number }): Promise<T>;
  /**
   * A change that reads nothing before it writes: its one write and the messages in a batch transaction, which
   * sends the statements without an interactive transaction's round trips between them; handed off as above.
   */
  write<T>(db: Db, userId: string, write: Prisma.PrismaPromise<T>, messages: OutboxMessageInput[]): Promise<T>;
}

export class OutboxRelay implements SyncOutbox {
  private readonly leaseMs: number;
  private readonly callTimeoutMs: number;
  private readonly batchSize: number;
  private readonly keepDeliveredMs: number;
  private readonly log: RelayLog;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private sweeping: Promise<void> | null = null;
  private readonly deliveries = new Set<Promise<void>>();
  /** Temporal did not answer: sweeps only ask whether it is back, rather than trying (and timing out on) each row. */
  private temporalDown = false;
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
    private readonly config: Config,
    options: RelayOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.callTimeoutMs = options.callTimeoutMs ?? 5_000;
    this.batchSize = options.batchSize ?? 100;
    this.keepDeliveredMs = options.keepDeliveredMs ?? 60 * 60_000;
    this.log = options.log ?? quietLog;
  }

  start(): this {
    this.running = true;
    const loop = () => {
      this.timer = setTimeout(() => {
        this.sweeping = this.sweep()
          .then(() => undefined, (error: unknown) => this.log.warn({ err: error }, 'outbox sweep failed'))
          .finally(() => {
            this.sweeping = null;
            if (this.running) loop();
          });
      }, this.config.relaySweepMs);
    };
    loop();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.sweeping;
    await Promise.allSettled([...this.deliveries]);
  }

  async add(tx: OutboxWriter, userId: string, messages: OutboxMessageInput[]): Promise<Row[]> {
    return addToOutbox(tx, userId, messages, this.claimAtInsert());
  }

  async write<T>(db: Db, userId: string, write: Prisma.PrismaPromise<T>, messages: OutboxMessageInput[]): Promise<T> {
    const [result, rows] = await db.$transaction([write, outboxInsert(db, userId, messages, this.claimAtInsert())]);
    this.handOff(rows);
    return result;
  }

  /** Rows are claimed for this relay at once when it runs here: the hand-off delivers them, the sweeps leave them alone. */
  private claimAtInsert() {
    return this.running ? { claimedUntil: new Date(Date.now() + this.leaseMs) } : undefined;
  }

  async transaction<T>(db: Db, userId: string, change: (tx: Tx, send: Send) => Promise<T>, options?: { timeout?: number }): Promise<T> {
    const rows: Row[] = [];
    const result = await db.$transaction(async (tx) => change(tx, async (messages) => void rows.push(...(await this.add(tx, userId, messages)))), options);
    this.handOff(rows);
    return result;
  }

  handOff(rows: Row[]): void {
    if (!this.running || rows.length === 0) return;
    if (this.temporalDown) return void this.release(rows, 'the sync service is not reachable');
    const delivery = this.deliver(rows).catch((error: unknown) => this.log.warn({ err: error }, 'outbox hand-off failed'));
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  /** One pass: claims due rows and delivers them. Exposed for tests and for `npm run relay --once`. */
  async sweep(): Promise<number> {
    await this.pruneDelivered();
    if (this.temporalDown) {
      if (!(await this.temporalAnswers())) return 0;
      this.temporalDown = false;
      this.log.info({}, 'the sync service answers again: delivering the outbox');
      // Rows waiting out a backoff from the outage go now, not seconds after the server is back.
      await this.db.outboxMessage.updateMany({ where: { deliveredAt: null }, data: { availableAt: new Date() } });
    }
    const rows = await this.claimDue();
    await this.deliver(rows);
    return rows.length;
  }

  private async claimDue(): Promise<Row[]> {
    return this.db.$queryRaw<Row[]>`
      UPDATE "OutboxMessage" SET "claimedUntil" = (now() AT TIME ZONE 'UTC') + ${this.leaseMs} * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM "OutboxMessage"
        WHERE "deliveredAt" IS NULL AND "availableAt" <= (now() AT TIME ZONE 'UTC')
          AND ("claimedUntil" IS NULL OR "claimedUntil" < (now() AT TIME ZONE 'UTC'))
        ORDER BY id LIMIT ${this.batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, "userId", topic, data, "subjectId", "platformIds", manual, "requestId", attempts`;
  }

  /** Delivers claimed rows one after another; the first sign that Temporal is away releases the rest untried. */
  private async deliver(rows: Row[]): Promise<void> {
    const delivered: bigint[] = [];
    for (const [index, row] of rows.entries()) {
      try {
        await this.deliverOne(row);
        delivered.push(row.id);
      } catch (error) {
        const unreachable = isUnreachable(error);
        const reason = unreachable ? 'the sync service is not reachable' : error instanceof Error ? error.message : String(error);
        if (!unreachable) this.log.warn({ err: error, outboxId: String(row.id), topic: row.topic }, 'outbox row not delivered');
        if (unreachable) {
          if (!this.temporalDown) this.log.warn({ outboxId: String(row.id) }, 'the sync service is not reachable: changes wait in the outbox');
          this.temporalDown = true;
          await this.release(rows.slice(index), reason);
          break;
        }
        await this.release([row], reason);
      }
    }
    if (delivered.length) await this.db.outboxMessage.updateMany({ where: { id: { in: delivered } }, data: { deliveredAt: new Date(), claimedUntil: null } });
  }

  private async deliverOne(row: Row): Promise<void> {
    await withinMs(this.temporal, this.callTimeoutMs, async () => {
      switch (row.topic) {
        case 'sync':
          await requestSync(this.temporal, this.config, row.data as SyncedData, row.userId, {
            ...(row.manual ? { manual: true, platformIds: row.platformIds } : {}),
            requestId: row.requestId ?? undefined,
            outboxId: String(row.id),
          });
          return;
        case 'sync_targets':
          return announceSyncTargetsChanged(this.temporal, row.userId);
        case 'option_timer':
          return this.keepOptionTimer(row.userId, row.subjectId!);
        case 'pull_schedule':
          return this.keepConnectionSchedules(row.userId, row.subjectId!);
        case 'drift_check':
          return this.pullNow(row.userId, row.subjectId!);
        case 'calendar_schedule':
          return void (await this.keepCalendarSchedule(row.userId, row.subjectId!));
        case 'calendar_refresh':
          return this.refreshCalendarNow(row.userId, row.subjectId!);
        default:
          throw new Error(`unknown outbox topic "${row.topic}"`);
      }
    });
  }

  /** The timer as the entry is now: set for a live option with an expiry, stopped otherwise. */
  private async keepOptionTimer(userId: string, availabilityId: string) {
    const entry = await this.db.availability.findFirst({ where: { id: availabilityId, userId } });
    const expiresAt = entry && isLiveOption(entry) ? entry.optionExpiresAt : null;
    if (expiresAt) await scheduleOptionExpiry(this.temporal, { userId, availabilityId, expiresAt: expiresAt.toISOString() });
    else await cancelOptionExpiry(this.temporal, availabilityId);
  }

  /** The connection's schedules (pull, reconcile) as the connection is now (removed when it is gone). */
  private async keepConnectionSchedules(userId: string, platformId: string) {
    const connection = await this.db.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId } } });
    const gone = { userId, platformId, connected: false, autoSync: false, syncAvailability: false, pullIntervalMinutes: null };
    // A platform this server no longer offers keeps no schedules: no worker polls its task queue.
    const settings = connection && this.config.enabledPlatforms.includes(platformId) ? connection : gone;
    await syncPullSchedule(this.temporal, settings);
    await syncReconcileSchedule(this.temporal, settings);
  }

  /**
   * The connection's scheduled pull, run now (lib/pull-schedules.ts triggerPull). A schedule missing because its
   * pull_schedule row has not gone yet is made first; a connection that is not pulled (disconnected, auto-sync or
   * availability sync off) has nothing to check, and the row is done.
   */
  private async pullNow(userId: string, platformId: string) {
    if (await triggerPull(this.temporal, userId, platformId)) return;
    await this.keepConnectionSchedules(userId, platformId);
    if (!(await triggerPull(this.temporal, userId, platformId))) this.log.info({ userId, platformId }, 'drift check asked for a connection that is not pulled: nothing to check');
  }

  /** The calendar source's refresh schedule as the source is now (removed when it is gone). True: it has one. */
  private async keepCalendarSchedule(userId: string, sourceId: string): Promise<boolean> {
    const source = await this.db.calendarSource.findFirst({ where: { id: sourceId, userId }, select: { id: true } });
    if (!source) {
      await removeCalendarSchedule(this.temporal, sourceId);
      return false;
    }
    await ensureCalendarSchedule(this.temporal, { userId, sourceId }, this.config.calendarRefreshMinutes);
    return true;
  }

  /** The source's scheduled refresh, run now; its schedule is made first when its calendar_schedule row has not gone yet. */
  private async refreshCalendarNow(userId: string, sourceId: string) {
    if (await triggerCalendarRefresh(this.temporal, sourceId)) return;
    if (await this.keepCalendarSchedule(userId, sourceId)) await triggerCalendarRefresh(this.temporal, sourceId);
  }

  /** Gives rows back for a later try, after a backoff that grows with each failed attempt. */
  private async release(rows: Row[], reason: string): Promise<void> {
    const byAttempts = new Map<number, Row[]>();
    for (const row of rows) byAttempts.set(row.attempts, [...(byAttempts.get(row.attempts) ?? []), row]);
    for (const [attempts, group] of byAttempts) {
      const backoffMs = Math.min(250 * 2 ** attempts, MAX_BACKOFF_MS);
      await this.db.outboxMessage.updateMany({
        where: { id: { in: group.map((row) => row.id) }, deliveredAt: null },
        data: { claimedUntil: null, attempts: { increment: 1 }, availableAt: new Date(Date.now() + backoffMs), lastError: reason },
      });
    }
  }

  private async temporalAnswers(): Promise<boolean> {
    const connection = this.temporal.connection as Connection;
    return withinMs(this.temporal, this.config.temporalRequestTimeoutMs, () => connection.healthService.check({})).then(
      () => true,
      () => false,
    );
  }

  private async pruneDelivered() {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.db.outboxMessage.deleteMany({ where: { deliveredAt: { lt: new Date(Date.now() - this.keepDeliveredMs) } } });
  }
}

/** gRPC status codes that mean "not reachable now": CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE. */
const UNREACHABLE_CODES = new Set([1, 4, 14]);

/** Temporal is away (down, restarting, unreachable), as opposed to refusing this one request. */
function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error; e; e = e instanceof Error ? e.cause : undefined) {
    if (isGrpcServiceError(e)) return UNREACHABLE_CODES.has(e.code);
  }
  return error instanceof Error && /deadline|unavailable|ECONNREFUSED|No connection established/i.test(error.message);
}

// Prometheus metrics (prom-client). Sync metrics are recorded where every attempt is opened and closed
// (activities/sync-log.ts) and exposed by the worker's /metrics; the gateway's /metrics adds gauges read from the
// database on scrape. Labels are bounded: platform, operation, status; never a user id.
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from './db.js';
import { outboxBacklog } from './sync-status.js';
import { calendarSourceIdOf } from '../workflows/plumbing.js';

/** The process's sync metrics (the worker's activities write them). */
export const syncRegistry = new Registry();

const syncsStarted = new Counter({
  name: 'castsync_syncs_started_total',
  help: 'Sync attempts started, per platform and operation',
  labelNames: ['platform', 'operation'] as const,
  registers: [syncRegistry],
});
const syncsFinished = new Counter({
  name: 'castsync_syncs_finished_total',
  help: 'Sync attempts finished, per platform, operation and outcome (success, failed, partial, skipped)',
  labelNames: ['platform', 'operation', 'status'] as const,
  registers: [syncRegistry],
});
const syncDuration = new Histogram({
  name: 'castsync_sync_duration_seconds',
  help: 'Duration of one sync attempt',
  labelNames: ['platform', 'operation', 'status'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [syncRegistry],
});
const lastSuccess = new Gauge({
  name: 'castsync_last_successful_sync_timestamp_seconds',
  help: 'When an attempt last succeeded, per platform and operation (Unix time)',
  labelNames: ['platform', 'operation'] as const,
  registers: [syncRegistry],
});
const retries = new Counter({
  name: 'castsync_sync_retries_total',
  help: 'Attempts that were retries (attempt > 1)',
  labelNames: ['platform', 'operation'] as const,
  registers: [syncRegistry],
});
const rateLimitWaits = new Counter({
  name: 'castsync_rate_limit_waits_total',
  help: 'Attempts a platform answered with 429 (retried after the wait it asked for, capped: adapters/retry-delay.ts)',
  labelNames: ['platform', 'operation'] as const,
  registers: [syncRegistry],
});

/** The platform label: a user's own calendar ("calendar:<sourceId>") counts as "calendar", keeping labels bounded. */
export function platformLabel(platformId: string): string {
  return calendarSourceIdOf(platformId) ? 'calendar' : platformId;
}

export interface AttemptLabels {
  platform: string;
  operation: string;
}

export function recordAttemptStarted(labels: AttemptLabels, attempt: number) {
  syncsStarted.inc(labels);
  if (attempt > 1) retries.inc(labels);
}

export function recordAttemptFinished(labels: AttemptLabels, outcome: { status: string; durationMs: number; rateLimited: boolean }) {
  const withStatus = { ...labels, status: outcome.status };
  syncsFinished.inc(withStatus);
  syncDuration.observe(withStatus, outcome.durationMs / 1000);
  if (outcome.status === 'success') lastSuccess.set(labels, Date.now() / 1000);
  if (outcome.rateLimited) rateLimitWaits.inc(labels);
}

/** The gateway's own metrics: gauges read from the database when Prometheus scrapes. */
export function gatewayRegistry(db: Db): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'castsync_open_conflicts',
    help: 'Conflicts waiting for a person, per platform',
    labelNames: ['platform'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const groups = await db.conflict.groupBy({ by: ['platformId'], where: { status: 'open' }, _count: { _all: true } });
      for (const group of groups) this.inc({ platform: platformLabel(group.platformId) }, group._count._all);
    },
  });
  // The depth says how much waits; the age says whether the relay is stuck (normally rows go within milliseconds).
  new Gauge({
    name: 'castsync_outbox_waiting',
    help: 'Outbox rows (changes saved) not yet delivered to Temporal',
    registers: [registry],
    async collect() {
      this.set((await outboxBacklog(db)).waiting);
    },
  });
  new Gauge({
    name: 'castsync_outbox_oldest_age_seconds',
    help: 'Age of the oldest outbox row not yet delivered (0 when none waits); alert when it grows',
    registers: [registry],
    async collect() {
      const { oldestWaitingSince } = await outboxBacklog(db);
      this.set(oldestWaitingSince ? Math.max(0, (Date.now() - oldestWaitingSince.getTime()) / 1000) : 0);
    },
  });
  return registry;
}

/** Prometheus text of several registries (one scrape). */
export async function metricsText(registries: Registry[]): Promise<string> {
  return (await Promise.all(registries.map((r) => r.metrics()))).join('\n');
}

export const METRICS_CONTENT_TYPE = syncRegistry.contentType;

/**
 * The worker's /metrics and /health: a bare HTTP server, since the worker has no web framework. /health answers 200
 * while `healthy()` holds (every Temporal worker polls) and 503 otherwise, for a container's healthcheck.
 */
export async function startMetricsServer(
  port: number,
  host: string,
  healthy: () => boolean = () => true,
): Promise<{ url: string; healthUrl: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') return void answerHealth(response, healthy());
    if (request.method !== 'GET' || request.url !== '/metrics') return void response.writeHead(404).end();
    metricsText([syncRegistry]).then(
      (text) => response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as { port: number };
  const base = `http://${host}:${bound}`;
  return { url: `${base}/metrics`, healthUrl: `${base}/health`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function answerHealth(response: http.ServerResponse, healthy: boolean) {
  const status = healthy ? 'ok' : 'unavailable';
  response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
}

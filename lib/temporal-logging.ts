// The Temporal SDK's runtime. Its log, as the worker and `npm start` print it (JSON lines): warnings and errors, without the
// notice every activity-only worker gives that it polls no workflow tasks (by design: workflows have their own
// worker). Its own Prometheus metrics, when an address is configured.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const EXPECTED_NOTICES = ['No workflows registered, not polling for workflow tasks'];

/** LOG_LEVEL (pino's names) as the SDK's level: the worker's activity lines (sync attempts) are at info. */
export function sdkLogLevel(level: string): LogLevel {
  const levels: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR' };
  return levels[level] ?? 'INFO';
}

export interface SdkRuntimeOptions {
  shutdownSignals?: NodeJS.Signals[];
  /** host:port for the SDK's own Prometheus metrics (task slots, poll latencies, schedule-to-start); off when null. */
  metricsAddress?: string | null;
}

export function installSdkLogging(level: LogLevel = 'WARN', options: SdkRuntimeOptions = {}) {
  const logger = new DefaultLogger(level, (entry) => {
    if (EXPECTED_NOTICES.some((notice) => entry.message.startsWith(notice))) return;
    // One JSON object per line, like the gateway's pino lines, so both can go to the same log pipeline.
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    console.error(JSON.stringify({ time, level: entry.level.toLowerCase(), msg: entry.message, ...entry.meta }));
  });
  Runtime.install({
    logger,
    ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
    ...(options.metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: options.metricsAddress } } } } : {}),
  });
}

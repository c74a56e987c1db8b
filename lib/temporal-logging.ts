// The Temporal SDK's log, as the worker and `npm start` print it: warnings and errors, without the notice every
// activity-only worker gives that it polls no workflow tasks (by design: workflows have their own worker).
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const EXPECTED_NOTICES = ['No workflows registered, not polling for workflow tasks'];

export function installSdkLogging(level: LogLevel = 'WARN', options: { shutdownSignals?: NodeJS.Signals[] } = {}) {
  const logger = new DefaultLogger(level, (entry) => {
    if (EXPECTED_NOTICES.some((notice) => entry.message.startsWith(notice))) return;
    const meta = entry.meta && Object.keys(entry.meta).length ? ` ${JSON.stringify(entry.meta)}` : '';
    console.error(`${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} [${entry.level}] ${entry.message}${meta}`);
  });
  Runtime.install({ logger, ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}) });
}

// The gateway's and the relay's connection to Temporal. Lazy, so the gateway starts and answers while Temporal is
// down (writes go to the outbox); and quick to reconnect, so signals flow again as soon as the server is back
// (gRPC's default reconnect backoff grows to two minutes, which left the gateway deaf for seconds after a restart).
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from './config.js';
import { temporalDataConverter } from './payload-codec.js';
import type { Tracing } from './tracing.js';

export function temporalConnectionOptions(config: Config): ConnectionOptions {
  return {
    address: config.temporalAddress,
    channelArgs: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.min_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
  };
}

export function lazyTemporalClient(config: Config, tracing?: Pick<Tracing, 'plugins'>) {
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.temporalNamespace, dataConverter: temporalDataConverter(config), plugins: tracing?.plugins });
  return { connection, client };
}

/**
 * Runs a Temporal call that gives up after `timeoutMs` instead of waiting out the client's own retries. The gRPC
 * deadline alone overshoots (a lazy connection's first dial, reconnect backoff): measured 1.0–1.9 s for a 1 s
 * deadline against a stopped server, so the answer is also raced against a timer. A call abandoned this way may
 * still reach the server later; every caller's call is idempotent (signals carry their outbox id).
 */
export function withinMs<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TemporalDeadlineError(timeoutMs)), timeoutMs);
  });
  const answer = client.withDeadline(Date.now() + timeoutMs, call);
  keepTrackOf(answer);
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** Calls that may still run after their caller stopped waiting: the client retries them on a timer. */
const callsInFlight = new Set<Promise<void>>();

function keepTrackOf(call: Promise<unknown>) {
  const settled = call.then(
    () => undefined,
    () => undefined,
  );
  callsInFlight.add(settled);
  void settled.finally(() => callsInFlight.delete(settled));
}

/**
 * Waits for every call withinMs gave up on. Await it before closing the connection: a retry the client scheduled
 * would otherwise run on a closed channel and throw outside any promise ("Channel has been shut down").
 */
export async function temporalCallsSettled(): Promise<void> {
  await Promise.all([...callsInFlight]);
}

export class TemporalDeadlineError extends Error {
  constructor(timeoutMs: number) {
    super(`Temporal did not answer within ${timeoutMs} ms (deadline exceeded)`);
    this.name = 'TemporalDeadlineError';
  }
}

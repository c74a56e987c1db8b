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

/** Runs a Temporal call that gives up after `timeoutMs` instead of waiting out the client's own retries. */
export const withinMs = <T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> =>
  client.withDeadline(Date.now() + timeoutMs, call);

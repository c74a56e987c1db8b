// OpenTelemetry traces across gateway, workflows and activities (Temporal's OpenTelemetry plugin), exported with
// OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set and off otherwise. One provider per process.
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { Config } from './config.js';

export interface Tracing {
  /** For every Temporal Client and Worker the process makes (empty when tracing is off). */
  plugins: OpenTelemetryPlugin[];
  /** Sends what is still buffered. */
  shutdown(): Promise<void>;
}

const off: Tracing = { plugins: [], shutdown: async () => {} };
let current: Tracing | undefined;

export function startTracing(config: Pick<Config, 'otlpEndpoint'>, serviceName = 'castsync'): Tracing {
  if (!config.otlpEndpoint) return off;
  if (current) return current;
  const resource = new Resource({ 'service.name': serviceName });
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint}/v1/traces` }), { scheduledDelayMillis: 500 });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The active span must follow async calls, so the signal a caller sends carries the caller's trace.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  current = {
    plugins: [new OpenTelemetryPlugin({ resource, spanProcessor })],
    shutdown: async () => {
      await provider.shutdown();
      current = undefined;
    },
  };
  return current;
}

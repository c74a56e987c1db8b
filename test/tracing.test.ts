// Traces: with OTEL_EXPORTER_OTLP_ENDPOINT set, the caller's signal, the workflow's handling of it and the push
// activity (in a worker process of its own) are spans of one trace, exported with OTLP/HTTP to a collector.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stopChild } from '../lib/temporal-server.js';
import { parseDay } from '../lib/days.js';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { requestSync } from '../lib/sync-requests.js';
import { startTracing } from '../lib/tracing.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { startWorkerProcess, type WorkerProcess } from './support/worker-process.js';

interface ExportedSpan {
  name: string;
  traceId: string;
}

let stack: Stack;
let collector: http.Server;
let collectorUrl: string;
let worker: WorkerProcess;
const spans: ExportedSpan[] = [];

/** A minimal OTLP/HTTP (JSON) trace receiver. */
function startCollector(): Promise<string> {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as { resourceSpans?: { scopeSpans?: { spans?: ExportedSpan[] }[] }[] };
      for (const resource of parsed.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => collector.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(collector.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  collectorUrl = await startCollector();
  stack = await startStack({ workers: false });
  worker = await startWorkerProcess({ ...stack.env, OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl });
});
afterAll(async () => {
  if (worker) await stopChild(worker.child);
  await stack?.stop();
  collector?.close();
});

it('follows one change from the caller through the workflow to the platform push in one trace', async () => {
  const user = await stack.createUser();
  await stack.db.availability.create({ data: { userId: user.id, startDate: parseDay('2028-09-01')!, endDate: parseDay('2028-09-02')!, status: 'unavailable', type: 'block' } });
  const tracing = startTracing({ otlpEndpoint: collectorUrl }, 'castsync-test-caller');
  const connection = await Connection.connect({ address: stack.config.temporalAddress });
  const client = new Client({ connection, dataConverter: temporalDataConverter(stack.config), plugins: tracing.plugins });
  await requestSync(client, stack.config, 'availability', user.id, {});
  await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the push', timeoutMs: 30_000 });
  await tracing.shutdown();
  await connection.close();

  // The workflow's own RunWorkflow span ends (and is exported) only when the long-lived workflow completes.
  const expected = ['SignalWithStartWorkflow:availabilitySyncWorkflow', 'HandleSignal:availabilitySyncRequested', 'StartActivity:pushAvailability', 'RunActivity:pushAvailability'];
  const trace = await waitFor(() => {
    const caller = spans.find((s) => s.name.startsWith('SignalWithStartWorkflow'));
    if (!caller) return null;
    const same = spans.filter((s) => s.traceId === caller.traceId).map((s) => s.name);
    // Workflow spans arrive through the worker's sink in batches of their own: wait for all of them.
    return expected.every((name) => same.includes(name)) ? same : null;
  }, { what: 'the spans of one trace at the collector', timeoutMs: 15_000 }).catch((e: Error) => { throw new Error(`${e.message}; spans: ${JSON.stringify(spans.map((s) => [s.name, s.traceId.slice(0, 6)]))}`); });
  expect(trace).toEqual(expect.arrayContaining(expected));
});

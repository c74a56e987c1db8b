// /metrics on the worker and on the gateway, in Prometheus text format: a push moves the started, finished and
// duration series of its platform and operation, a 429 counts as a rate-limit wait and its retry as a retry, the
// last-success gauge is set, and open conflicts are read from the database on scrape. No user id in any label.
// The worker process also serves the Temporal SDK's own metrics when CASTSYNC_TEMPORAL_METRICS_ADDRESS is set.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopChild } from '../lib/temporal-server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { CASTSYNC_WORKER_METRICS_PORT: String(await freePort()) } });
});
afterAll(() => stack?.stop());

/** The value of one series, 0 when it is not there yet. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const scrapeWorker = async () => {
  const response = await fetch(stack.workers!.metricsUrl!);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
};

describe('metrics', () => {
  it('counts attempts, retries, rate-limit waits and durations per platform and operation', async () => {
    const user = await stack.createUser();
    const push = { platform: 'etalenta', operation: 'push_availability' };
    const before = await scrapeWorker();

    stack.simulators.etalenta!.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 1 } };
    const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-08-01', endDate: '2027-08-02', status: 'unavailable', type: 'block' } });
    expect(res.statusCode).toBe(201);
    await waitFor(() => stack.db.syncLog.findFirst({ where: { userId: user.id, status: 'success' } }), { what: 'the retried push' });

    const after = await scrapeWorker();
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    // At least: a push that a test file before left running may land on this file's workers too (same server).
    expect(moved('castsync_syncs_started_total', push)).toBeGreaterThanOrEqual(2);
    expect(moved('castsync_syncs_finished_total', { ...push, status: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(moved('castsync_syncs_finished_total', { ...push, status: 'success' })).toBeGreaterThanOrEqual(1);
    expect(moved('castsync_sync_retries_total', push)).toBeGreaterThanOrEqual(1);
    expect(moved('castsync_rate_limit_waits_total', push)).toBeGreaterThanOrEqual(1);
    expect(moved('castsync_sync_duration_seconds_count', { ...push, status: 'success' })).toBeGreaterThanOrEqual(1);
    expect(moved('castsync_syncs_finished_total', { ...push, status: 'success' })).toBe(moved('castsync_sync_duration_seconds_count', { ...push, status: 'success' }));
    expect(sample(after, 'castsync_last_successful_sync_timestamp_seconds', push)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(after).not.toContain(user.id);
  });

  it('reports open conflicts on the gateway, read from the database when scraped', async () => {
    const user = await stack.createUser();
    const scrapeGateway = async () => {
      const response = await stack.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      return response.body;
    };
    const before = sample(await scrapeGateway(), 'castsync_open_conflicts', { platform: 'etalenta' });
    await stack.db.conflict.create({ data: { userId: user.id, platformId: 'etalenta', kind: 'already_blocked', message: 'blocked there' } });
    const text = await scrapeGateway();
    expect(sample(text, 'castsync_open_conflicts', { platform: 'etalenta' })).toBe(before + 1);
    expect(text).toContain('castsync_syncs_started_total');
    expect(text).not.toContain(user.id);
  });
});

describe('the worker process', () => {
  it('serves its sync metrics and, when configured, the Temporal SDK runtime metrics', async () => {
    const [workerPort, sdkPort] = [await freePort(), await freePort()];
    const root = path.resolve(import.meta.dirname, '..');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker.ts')], {
      cwd: root,
      env: { ...process.env, ...stack.env, CASTSYNC_WORKER_METRICS_PORT: String(workerPort), CASTSYNC_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${sdkPort}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      // The worker says it polls, then where its metrics are: wait for the second line, not only the first.
      await waitFor(() => output.includes('worker: metrics at') || child.exitCode !== null, { timeoutMs: 60_000, what: 'the worker to start' });
      expect(output).toContain('worker: polling');
      expect(output).toContain(`worker: metrics at http://127.0.0.1:${workerPort}/metrics`);
      expect(await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text()).toContain('# TYPE castsync_syncs_started_total counter');
      const sdk = await waitFor(async () => {
        const text = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
        return /^temporal_/m.test(text) ? text : null;
      }, { what: 'the SDK metrics' });
      expect(sdk).toMatch(/^temporal_\w+/m);
    } finally {
      await stopChild(child);
    }
  });
});

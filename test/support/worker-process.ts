// worker.ts as its own process, the way it runs in production: for tests that kill it, read its output, or give
// it settings the test process must not have.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './stack-core.js';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

/** One of the project's entry points (worker.ts, api/main.ts, relay.ts) run through tsx, its output collected. */
export function spawnEntryPoint(file: string, env: Record<string, string>): WorkerProcess {
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, file)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const worker = spawnEntryPoint('worker.ts', env);
  const { child, output } = worker;
  await waitFor(() => output().includes('worker: polling') || child.exitCode !== null, { timeoutMs: 60_000, what: 'the worker to start' });
  if (child.exitCode !== null) throw new Error(`worker exited: ${output()}`);
  return worker;
}

// worker.ts as its own process, the way it runs in production: for tests that kill it, read its output, or give
// it settings the test process must not have.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './stack-core.js';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'worker.ts')], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await waitFor(() => output.includes('worker: polling') || child.exitCode !== null, { timeoutMs: 60_000, what: 'the worker to start' });
  if (child.exitCode !== null) throw new Error(`worker exited: ${output}`);
  return { child, output: () => output };
}

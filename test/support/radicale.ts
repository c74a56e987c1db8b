// Radicale (PyPI: radicale), the real CalDAV server, for the calendar-source tests: installed into a git-ignored
// virtualenv .radicale/ (npm run radicale:install, which .ci/run calls, like the Temporal CLI), then started per
// test on a free loopback port with its own temporary storage folder and a plain htpasswd user.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../lib/paths.js';
import { freePort } from '../../lib/temporal-server.js';

export const RADICALE_REQUIREMENT = 'radicale==3.*';
const venv = path.join(projectRoot, '.radicale');
const python = path.join(venv, 'bin', 'python');

function installedVersion(): string | undefined {
  if (!existsSync(python)) return undefined;
  const probe = spawnSync(python, ['-c', 'import radicale; print(radicale.VERSION)'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

/** The venv's python with Radicale 3 importable; creates the venv and installs on first use, else returns at once. */
export function ensureRadicale(): { python: string; version: string } {
  const present = installedVersion();
  if (present?.startsWith('3.')) return { python, version: present };
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
  };
  console.log(`installing ${RADICALE_REQUIREMENT} from PyPI into .radicale/ ...`);
  // --clear: a venv whose python moved away (a new interpreter on the machine) is made again.
  run('python3', ['-m', 'venv', '--clear', venv]);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', RADICALE_REQUIREMENT]);
  const version = installedVersion();
  if (!version) throw new Error('Radicale was installed but cannot be imported');
  return { python, version };
}

export interface RadicaleServer {
  url: string;
  username: string;
  password: string;
  /**
   * Gives the user a new app password (the old one is refused from the next request on: Radicale reads its
   * htpasswd file on every login), as revoking an app password in a calendar service does.
   */
  setPassword(password: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts Radicale with a fresh storage folder and one user (an app password, as a calendar app would be given). */
export async function startRadicale(username = 'actor', password = 'app-password-1'): Promise<RadicaleServer> {
  const { python: bin } = ensureRadicale();
  const dir = await mkdtemp(path.join(tmpdir(), 'castsync-radicale-'));
  const users = path.join(dir, 'users');
  await writeFile(users, `${username}:${password}\n`);
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '-m', 'radicale',
      '--config', '',
      '--server-hosts', `127.0.0.1:${port}`,
      '--storage-filesystem-folder', path.join(dir, 'collections'),
      '--auth-type', 'htpasswd',
      '--auth-htpasswd-filename', users,
      '--auth-htpasswd-encryption', 'plain',
      '--rights-type', 'owner_only',
      '--logging-level', 'warning',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(url, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  const server: RadicaleServer = {
    url,
    username,
    password,
    async setPassword(next) {
      await writeFile(users, `${username}:${next}\n`);
      server.password = next;
    },
    stop,
  };
  return server;
}

async function waitUntilAnswering(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Radicale exited with code ${child.exitCode}: ${stderr()}`);
    try {
      // Any HTTP answer (401 without credentials) means the server is up.
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`Radicale did not answer on ${url} within 30 s: ${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

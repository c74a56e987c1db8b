// The Compose files as Docker Compose itself reads them: Debian's docker-compose (1.29) validates each file against
// the Compose file JSON schema it ships, merges the files and interpolates ${VAR}, all without a Docker engine.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../../lib/paths.js';

export interface ComposeService {
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | null>;
  healthcheck?: { test?: string[] | string };
  ports?: unknown[];
  container_name?: string;
}

export interface ComposeModel {
  services: Record<string, ComposeService>;
}

export type ComposeResult = { ok: true; model: ComposeModel } | { ok: false; error: string };

const MISSING_TOOL =
  'docker-compose is not installed: `apt-get install --no-install-recommends docker-compose` (Debian\'s 1.29 ' +
  'validates Compose files without a Docker engine; .ci/run installs it)';

function run(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = execFile(file, args, { env: options.env, cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(file === 'docker-compose' ? MISSING_TOOL : `${file} is not installed`));
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** YAML to JSON with the YAML library docker-compose itself uses (python3-yaml, one of its Debian dependencies). */
async function yamlToJson(text: string): Promise<unknown> {
  const script = 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';
  const { code, stdout, stderr } = await run('python3', ['-c', script], { input: text });
  if (code !== 0) throw new Error(`could not read docker-compose's output: ${stderr}`);
  return JSON.parse(stdout);
}

/**
 * `docker-compose -f <files...> config` in the project's folder, with exactly `variables` in its environment
 * (nothing from the test's own, NODE_ENV=test among it) and an empty --env-file, so a developer's .env cannot
 * change the outcome. No files: the ones `docker compose up` reads by itself there.
 */
export async function composeConfig(files: string[], variables: Record<string, string>): Promise<ComposeResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'castsync-compose-'));
  try {
    const envFile = path.join(dir, 'empty.env');
    await writeFile(envFile, '');
    const args = ['--env-file', envFile, ...files.flatMap((file) => ['-f', path.resolve(projectRoot, file)]), 'config'];
    const { code, stdout, stderr } = await run('docker-compose', args, { env: { PATH: process.env.PATH, ...variables }, cwd: projectRoot });
    if (code !== 0) return { ok: false, error: stderr.trim() };
    return { ok: true, model: (await yamlToJson(stdout)) as ComposeModel };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The service's environment as its process sees it: variables passed through unset are absent. */
export function processEnv(service: ComposeService): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(service.environment ?? {}).filter((entry): entry is [string, string] => entry[1] !== null));
}

/** "node <script> ..." in a service's command or healthcheck: the script, else null. */
export function nodeScript(argv: string[] | string | undefined): string | null {
  const words = typeof argv === 'string' ? argv.split(/\s+/) : (argv ?? []);
  const at = words.indexOf('node');
  return at >= 0 && words[at + 1] && !words[at + 1]!.startsWith('-') ? words[at + 1]! : null;
}

/**
 * What `npm run build` writes, read from tsconfig.build.json by TypeScript itself: output path (relative to the
 * project) -> the source it compiles. No build is run.
 */
export function buildOutputs(): Map<string, string> {
  const configPath = path.join(projectRoot, 'tsconfig.build.json');
  const { config, error } = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (error) throw new Error(`tsconfig.build.json: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, projectRoot, undefined, configPath);
  const outputs = new Map<string, string>();
  for (const source of parsed.fileNames) {
    for (const output of ts.getOutputFileNames(parsed, source, false)) {
      if (output.endsWith('.js')) outputs.set(path.relative(projectRoot, output), path.relative(projectRoot, source));
    }
  }
  return outputs;
}

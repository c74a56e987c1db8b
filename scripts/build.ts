// npm run build: the run-time code as JavaScript in dist/, so production runs `node dist/...` with no TypeScript
// tooling. Four steps: a clean dist/, tsc (tsconfig.build.json), the non-TypeScript files the compiled code loads
// relative to itself, and the workflow code bundled once (the worker loads dist/workflow-bundle.js instead of
// running webpack at every start). --out-dir <folder> builds elsewhere (the compiled-build test does).
import { execFileSync } from 'node:child_process';
import { cp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../lib/paths.js';
import { FAILURE_CONVERTER_PATH } from '../lib/payload-codec.js';

/** Files next to the sources that the compiled code reads at run time (source path, relative to the root). */
export const RUNTIME_ASSETS = [
  'lib/failure-converter.cjs', // the data converter's failureConverterPath (lib/payload-codec.ts)
  'api/dashboard', // the dashboard's static files (@fastify/static in api/routes/dashboard.ts)
];

function compile(dist: string) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(projectRoot, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });
}

async function copyAssets(dist: string) {
  for (const asset of RUNTIME_ASSETS) {
    await cp(path.join(projectRoot, asset), path.join(dist, asset), { recursive: true });
  }
}

/**
 * From the TypeScript sources, as the worker bundles them under tsx: webpack resolves @temporalio/workflow from the
 * checkout's node_modules wherever the output goes (bundling dist/workflows/index.js would need node_modules above
 * the output folder), and takes about as long. The workflow code throws failures the workers' converter encodes,
 * so the bundle carries that converter. The test suite's global setup bundles through this too.
 */
export async function writeWorkflowBundle(file: string) {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(projectRoot, 'workflows', 'index.ts'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: quietLogger,
  });
  await writeFile(file, code);
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

async function timed(what: string, step: () => unknown) {
  const started = Date.now();
  await step();
  console.log(`build: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

export async function build(dist: string) {
  await timed(`removed ${dist}`, () => rm(dist, { recursive: true, force: true }));
  await timed('compiled with tsc (tsconfig.build.json)', () => compile(dist));
  await timed(`copied ${RUNTIME_ASSETS.join(', ')}`, () => copyAssets(dist));
  await timed('bundled the workflow code into workflow-bundle.js', () => writeWorkflowBundle(path.join(dist, 'workflow-bundle.js')));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  await build(path.resolve(values['out-dir'] ?? path.join(projectRoot, 'dist')));
}

// The Compose files stay true without a Docker engine: Docker Compose itself (Debian's docker-compose) validates,
// merges and interpolates them; every castsync service runs a script the build compiles; the gateway and the
// worker get every setting production requires, and production lets no simulator default through.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPlatform, platformIds } from '../adapters/catalog.js';
import { ConfigError, loadConfig } from '../lib/config.js';
import { projectRoot } from '../lib/paths.js';
import { platformVariable, REQUIRED_SETTINGS } from '../lib/production-settings.js';
import { newMasterKey } from '../lib/secrets.js';
import { SIMULATOR_OAUTH_CLIENT } from '../simulators/oauth/server.js';
import { buildOutputs, composeConfig, nodeScript, processEnv, type ComposeModel } from './support/compose.js';

/** What `docker compose up` reads by itself: docker-compose.yml, then docker-compose.override.yml (the simulators). */
const DEV: string[] = [];
const PROD = ['docker-compose.yml', 'docker-compose.prod.yml'];
const INFRASTRUCTURE = ['postgres', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui'];
/** The services that run castsync's image; the others run Postgres' and Temporal's. */
const CASTSYNC_SERVICES = ['migrate', 'api', 'worker', 'simulators'];
/** The services that load castsync's configuration against the real platforms. */
const CONFIGURED_SERVICES = ['migrate', 'api', 'worker'];

const developer = () => ({ CASTSYNC_MASTER_KEYS: `k1:${newMasterKey()}` });

/** An operator's shell for the production file: the required variables and four platforms of four kinds. */
const operator = (): Record<string, string> => ({
  ...developer(),
  POSTGRES_PASSWORD: 'a-strong-database-password',
  CASTSYNC_OPERATOR_TOKEN: 'a-long-random-operator-token-0123456789',
  CASTSYNC_PUBLIC_URL: 'https://castsync.example.com',
  CASTSYNC_PLATFORMS: 'etalenta,jobwork,filmmakers,agentur-iris-mueller',
  CASTSYNC_PLATFORM_URL_ETALENTA: 'https://api.e-talenta.example',
  CASTSYNC_PLATFORM_URL_JOBWORK: 'https://jobwork.example',
  CASTSYNC_OAUTH_CLIENT_JOBWORK: 'castsync-prod:registered-at-jobwork',
  CASTSYNC_PLATFORM_URL_FILMMAKERS: 'https://www.filmmakers.example',
  CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: 'smtps://mailer:pw@smtp.example.com:465',
});

const without = (variables: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(variables).filter(([name]) => !names.includes(name)));

async function valid(files: string[], variables: Record<string, string>): Promise<ComposeModel> {
  const result = await composeConfig(files, variables);
  if (!result.ok) throw new Error(`docker-compose refused ${files.join(' + ')}:\n${result.error}`);
  return result.model;
}

async function refusal(files: string[], variables: Record<string, string>): Promise<string> {
  const result = await composeConfig(files, variables);
  if (result.ok) throw new Error(`docker-compose accepted ${files.join(' + ')}`);
  return result.error;
}

/** The names production requires of a deployment offering every platform of the catalog. */
function productionVariables(): string[] {
  const perPlatform = platformIds.flatMap((id) => [
    platformVariable('PLATFORM_URL', id),
    ...(getPlatform(id).kind === 'oauth' ? [platformVariable('OAUTH_CLIENT', id)] : []),
  ]);
  return [...REQUIRED_SETTINGS.map(([name]) => name), 'CASTSYNC_PUBLIC_URL', ...perPlatform];
}

function configProblems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

let dev: ComposeModel;
let prod: ComposeModel;

beforeAll(async () => {
  dev = await valid(DEV, developer());
  prod = await valid(PROD, operator());
});

describe('the Compose files as Docker Compose reads them', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'castsync-compose-broken-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('are valid: development with the simulators, production without them', () => {
    expect(Object.keys(dev.services).sort()).toEqual([...INFRASTRUCTURE, ...CASTSYNC_SERVICES].sort());
    expect(Object.keys(prod.services).sort()).toEqual([...INFRASTRUCTURE, ...CONFIGURED_SERVICES].sort());
  });

  // Proves the validation can fail: the same file with one key misspelled, or one value of the wrong type.
  it.each([
    ['a misspelled key', '    stop_grace_period: 60s', '    stop_grace_periods: 60s', /stop_grace_periods/],
    ['a value of the wrong type', '      retries: 30', '      retries: thirty', /retries/],
  ])('refuses a copy with %s', async (_what, line, broken, reported) => {
    const source = await readFile(path.join(projectRoot, 'docker-compose.yml'), 'utf8');
    expect(source).toContain(line);
    const copy = path.join(scratch, 'docker-compose.yml'); // alone: the override in the project folder stays out
    await writeFile(copy, source.replace(line, broken));
    expect(await refusal([copy], developer())).toMatch(reported);
  });

  it('refuses to start without CASTSYNC_MASTER_KEYS, saying so', async () => {
    expect(await refusal(DEV, {})).toContain('set CASTSYNC_MASTER_KEYS');
  });

  it('lets a worker scale: no host port and no fixed container name', () => {
    expect(dev.services.worker!.ports).toBeUndefined();
    expect(dev.services.worker!.container_name).toBeUndefined();
  });
});

describe("the castsync services' commands", () => {
  const scriptsOf = (model: ComposeModel) =>
    CASTSYNC_SERVICES.flatMap((name) => {
      const service = model.services[name];
      if (!service) return [];
      return [nodeScript(service.command), nodeScript(service.healthcheck?.test)].filter((s): s is string => s !== null);
    });

  it('run node on compiled JavaScript, not TypeScript tooling', () => {
    for (const name of CASTSYNC_SERVICES) {
      const command = dev.services[name]!.command;
      expect(Array.isArray(command) ? command[0] : command, name).toBe('node');
      expect(nodeScript(command), name).toMatch(/^dist\/.+\.js$/);
    }
    expect(scriptsOf(dev)).toEqual(expect.arrayContaining(['dist/api/main.js', 'dist/worker.js', 'dist/scripts/db-migrate.js', 'dist/simulators/main.js', 'dist/scripts/healthcheck.js']));
  });

  it('name scripts that npm run build compiles from sources in the repository', () => {
    const outputs = buildOutputs();
    for (const script of new Set([...scriptsOf(dev), ...scriptsOf(prod)])) {
      const source = outputs.get(script);
      expect(source, `${script}: no source in tsconfig.build.json compiles to it`).toBeDefined();
      expect(existsSync(path.join(projectRoot, source!)), source).toBe(true);
    }
  });

  it('name scripts present in the build output', () => {
    if (!existsSync(path.join(projectRoot, 'dist'))) throw new Error('dist/ is missing: run `npm run build` first');
    const missing = [...new Set(scriptsOf(dev))].filter((script) => !existsSync(path.join(projectRoot, script)));
    expect(missing, 'run `npm run build` again: the build output lacks them').toEqual([]);
  });

  it('are in the image: its last stage carries the build output', async () => {
    const dockerfile = await readFile(path.join(projectRoot, 'Dockerfile'), 'utf8');
    const lastStage = dockerfile.split(/^FROM\s/m).at(-1)!;
    expect(lastStage).toMatch(/^(COPY\s.*\bdist\b|RUN\s.*npm run build)/m);
  });

  it("check the worker's health on the port its metrics server listens on", () => {
    for (const model of [dev, prod]) {
      const worker = model.services.worker!;
      const port = processEnv(worker).CASTSYNC_WORKER_METRICS_PORT;
      expect(port).toMatch(/^\d+$/);
      expect(worker.healthcheck?.test).toEqual(['CMD', 'node', 'dist/scripts/healthcheck.js', `http://127.0.0.1:${port}/health`]);
    }
  });
});

describe('the settings the gateway and the worker get', () => {
  it('include every variable production requires, in both files', () => {
    for (const model of [dev, prod]) {
      for (const name of CONFIGURED_SERVICES) {
        expect(Object.keys(model.services[name]!.environment ?? {}), name).toEqual(expect.arrayContaining(productionVariables()));
      }
    }
  });

  it('start development with the simulators standing in for every platform', () => {
    for (const name of CONFIGURED_SERVICES) {
      const config = loadConfig(processEnv(dev.services[name]!));
      expect(config.production).toBe(false);
      expect(config.enabledPlatforms.sort()).toEqual([...platformIds].sort());
      for (const id of platformIds) expect(new URL(config.platformUrls[id]!).hostname, id).toBe('simulators');
    }
  });

  it("pass castsync's own production check with an operator's variables", () => {
    for (const name of CONFIGURED_SERVICES) {
      const env = processEnv(prod.services[name]!);
      expect(env.NODE_ENV, name).toBe('production');
      expect(configProblems(env), name).toBe('');
    }
  });
});

describe('docker-compose.prod.yml on top of docker-compose.yml', () => {
  it('lets no simulator address, development client or default password through', () => {
    for (const name of CONFIGURED_SERVICES) {
      for (const [variable, value] of Object.entries(processEnv(prod.services[name]!))) {
        expect(value, variable).not.toMatch(/\/\/simulators[:/]/);
        expect(value, variable).not.toContain(SIMULATOR_OAUTH_CLIENT.clientSecret);
        expect(value, variable).not.toContain(':castsync@');
      }
    }
  });

  it.each(['CASTSYNC_MASTER_KEYS', 'POSTGRES_PASSWORD', 'CASTSYNC_OPERATOR_TOKEN', 'CASTSYNC_PUBLIC_URL', 'CASTSYNC_PLATFORMS'])(
    'refuses to start without %s, naming it',
    async (variable) => {
      expect(await refusal(PROD, without(operator(), variable))).toContain(`set ${variable}`);
    },
  );

  it('leaves an enabled platform without its address or client to castsync, which names both', async () => {
    const model = await valid(PROD, without(operator(), 'CASTSYNC_PLATFORM_URL_FILMMAKERS', 'CASTSYNC_OAUTH_CLIENT_JOBWORK'));
    for (const name of CONFIGURED_SERVICES) {
      const problems = configProblems(processEnv(model.services[name]!));
      expect(problems, name).toContain('CASTSYNC_PLATFORM_URL_FILMMAKERS is missing');
      expect(problems, name).toContain('CASTSYNC_OAUTH_CLIENT_JOBWORK is missing');
    }
  });
});

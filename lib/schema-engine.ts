// Prisma's schema engine as WebAssembly, so migrations can be created and applied where the native
// engine binary cannot be downloaded. Loaded by hand so no --experimental-wasm-modules flag is needed.
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { withTemporaryDatabase } from './databases.js';

import { projectRoot } from './paths.js';

export { projectRoot };
export const schemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');

const require = createRequire(import.meta.url);

async function loadEngineClass(): Promise<typeof SchemaEngine> {
  const wasmPath = require.resolve('@prisma/schema-engine-wasm').replace(/schema_engine\.js$/, 'schema_engine_bg.wasm');
  const bindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  // @types/node 20 does not declare the WebAssembly global.
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const { instance } = await wasm.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': bindings });
  const exports = instance.exports as { __wbindgen_start: () => void };
  (bindings as unknown as { __wbg_set_wasm: (w: unknown) => void }).__wbg_set_wasm(exports);
  exports.__wbindgen_start();
  return bindings.SchemaEngine;
}

interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: unknown } }>;
}

let engineClass: Promise<typeof SchemaEngine> | undefined;

/** `shadowUrl` names an empty database the engine may replay migrations into (for diffs from migrations). */
export async function openSchemaEngine(connectionString: string, shadowUrl?: string): Promise<SchemaEngine> {
  engineClass ??= loadEngineClass();
  const Engine = await engineClass;
  const schema = await readFile(schemaPath, 'utf8');
  const log = (message: string) => {
    if (process.env.CASTSYNC_DEBUG_SCHEMA_ENGINE) console.error(message);
  };
  const pools: pg.Pool[] = [];
  const engine = await Engine.new(
    { datamodels: [[schemaPath, schema]] },
    log,
    bindMigrationAwareSqlAdapterFactory(adapterFactory(connectionString, shadowUrl, pools)),
  );
  enginePools.set(engine, pools);
  return engine;
}

/** The database pools each engine opened: freeing the engine leaves them open, and they keep a process alive. */
const enginePools = new WeakMap<SchemaEngine, pg.Pool[]>();

/** Frees the engine and closes its connections, so a one-shot migration run exits as soon as it is done. */
export async function closeSchemaEngine(engine: SchemaEngine): Promise<void> {
  engine.free();
  await Promise.all((enginePools.get(engine) ?? []).map((pool) => pool.end().catch(() => undefined)));
}

function adapterFactory(connectionString: string, shadowUrl: string | undefined, pools: pg.Pool[]) {
  const newPool = (url: string) => {
    const pool = new CharAsTextPool({ connectionString: url });
    pools.push(pool);
    return pool;
  };
  const mainPool = newPool(connectionString);
  const main = new PrismaPg(mainPool);
  return {
    provider: main.provider as 'postgres',
    adapterName: main.adapterName,
    connect: async () => wholeScripts(await main.connect(), mainPool),
    connectToShadowDb: async () => {
      if (!shadowUrl) throw new Error('this schema-engine call needs a shadow database');
      const shadowPool = newPool(shadowUrl);
      return wholeScripts(await new PrismaPg(shadowPool, { disposeExternalPool: true }).connect(), shadowPool);
    },
  };
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it at every ";" (its executeScript), which cuts a
 * PL/pgSQL function body apart (castsync_take_quota) and any string holding a semicolon. PostgreSQL's simple query
 * protocol takes the whole script in one message, as psql and Prisma's native engine send it: every statement runs,
 * in one implicit transaction. Errors go through the adapter's own conversion, as before.
 */
function wholeScripts<A extends { executeScript(script: string): Promise<void> }>(adapter: A, pool: pg.Pool): A {
  const convert = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter);
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      convert(error);
    }
  };
  return adapter;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * The engine's introspection reads catalog columns of PostgreSQL's one-byte "char" type, which the pg driver
 * adapter refuses ("Column type 'char' could not be deserialized"); reporting them as text fixes the diff.
 */
class CharAsTextPool extends pg.Pool {
  override query(...args: unknown[]): never {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return (result instanceof Promise ? result.then(charFieldsAsText) : result) as never;
  }

  override connect(...args: unknown[]): never {
    const patch = (client: pg.PoolClient) => {
      const query = client.query.bind(client) as (...a: unknown[]) => unknown;
      (client as { query: unknown }).query = (...a: unknown[]) => {
        const result = query(...a);
        return result instanceof Promise ? result.then(charFieldsAsText) : result;
      };
      return client;
    };
    if (args.length) return (super.connect as (...a: unknown[]) => never)(...args);
    return (super.connect() as Promise<pg.PoolClient>).then(patch) as never;
  }
}

function charFieldsAsText<T>(result: T): T {
  for (const field of (result as { fields?: { dataTypeID: number }[] }).fields ?? []) {
    if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
  return result;
}

export async function readMigrationList(): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const directories = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: await readFile(lockPath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      directories.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(path.join(migrationsDir, dir, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };

/** The SQL that takes the database described by `from` to the schema in schema.prisma ('' when none). */
export async function diffAgainstSchema(engine: SchemaEngine, from: Parameters<SchemaEngine['diff']>[0]['from']) {
  const schema = await readFile(schemaPath, 'utf8');
  const result = await engine.diff({
    from,
    to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
    script: true,
    exitCode: null,
    filters: noFilters,
  });
  return (result.stdout ?? '').trim();
}

/**
 * The SQL still needed after replaying every migration on an empty shadow database to reach schema.prisma;
 * '' when the migrations give exactly the declared schema.
 */
export async function pendingSchemaChanges(databaseUrl: string): Promise<string> {
  return withTemporaryDatabase(databaseUrl, 'castsync_shadow', async (shadowUrl) => {
    const engine = await openSchemaEngine(shadowUrl, shadowUrl);
    try {
      const list = await readMigrationList();
      const from = list.migrationDirectories.length ? ({ tag: 'migrations', ...list } as const) : ({ tag: 'empty' } as const);
      const sql = await diffAgainstSchema(engine, from);
      return sql === '-- This is an empty migration.' ? '' : sql;
    } finally {
      await closeSchemaEngine(engine);
    }
  });
}

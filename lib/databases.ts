// Creating and dropping whole PostgreSQL databases: for the shadow database of migrations and the tests' own.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

function adminUrl(databaseUrl: string): { admin: string; name: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  return { admin: url.toString(), name };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function onAdmin(databaseUrl: string, sql: (name: string) => string) {
  const { admin, name } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(sql(quoteIdent(name)));
  } finally {
    await client.end();
  }
}

export async function databaseExists(databaseUrl: string): Promise<boolean> {
  const { admin, name } = adminUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

export const createDatabase = (databaseUrl: string) => onAdmin(databaseUrl, (n) => `CREATE DATABASE ${n}`);
export const dropDatabase = (databaseUrl: string) => onAdmin(databaseUrl, (n) => `DROP DATABASE IF EXISTS ${n} WITH (FORCE)`);

/** A URL on the same server as `databaseUrl` for a new database named `<prefix>_<random>`. */
export function siblingDatabaseUrl(databaseUrl: string, prefix: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

export async function withTemporaryDatabase<T>(databaseUrl: string, prefix: string, fn: (url: string) => Promise<T>) {
  const url = siblingDatabaseUrl(databaseUrl, prefix);
  await createDatabase(url);
  try {
    return await fn(url);
  } finally {
    await dropDatabase(url);
  }
}

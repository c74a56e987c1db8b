// The castsync command line for operators: accounts and their API tokens (npx castsync --help). It parses the
// command and prints; the work is lib/accounts.ts. Exit codes: 0 done, 1 refused (unknown user, limit, address
// taken), 2 bad input (unknown command or option, missing or malformed value).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isValidAddress } from '../adapters/email/email-adapter.js';
import { AccountError, checkName, createToken, createUser, findUser, listTokens, listUsers, revokeToken, setUserDisabled, type IssuedToken } from '../lib/accounts.js';
import { recordAudit } from '../lib/audit.js';
import { ConfigError, loadConfig } from '../lib/config.js';
import { createDb, type Db } from '../lib/db.js';

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
interface Command {
  usage: string;
  options: Options;
  positionals: number;
  run(db: Db, values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<void>;
}

const help = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const commands: Record<string, Command> = {
  'user create': {
    usage: 'castsync user create --email <address> --name <name>\n  Makes a user (verified) and prints their first API token once.',
    options: { email: { type: 'string' }, name: { type: 'string' } },
    positionals: 0,
    async run(db, values) {
      const email = required(values, 'email');
      if (!isValidAddress(email.trim())) throw new UsageError(`--email "${email}" is not an e-mail address`);
      const { userId, token } = await createUser(db, { email, name: checkName('--name', required(values, 'name')) });
      console.log(`user ${userId} (${email.trim().toLowerCase()}) created`);
      printToken(token);
    },
  },
  'user list': {
    usage: 'castsync user list\n  Every user: e-mail, name, created, verified, disabled, number of tokens.',
    options: {},
    positionals: 0,
    async run(db) {
      const users = await listUsers(db);
      const rows = users.map((u) => [u.id, u.email, u.name, day(u.createdAt), day(u.emailVerifiedAt) || 'no', day(u.disabledAt) || 'no', String(u._count.apiTokens)]);
      console.log(table(['id', 'email', 'name', 'created', 'verified', 'disabled', 'tokens'], rows));
    },
  },
  'user disable': {
    usage: 'castsync user disable <email|id>\n  The user\'s tokens and sessions authenticate nothing until enabled again; their sessions end.',
    options: {},
    positionals: 1,
    async run(db, _values, [who]) {
      const user = await findUser(db, who!);
      await setUserDisabled(db, user.id, true);
      console.log(`user ${user.email} disabled`);
    },
  },
  'user enable': {
    usage: 'castsync user enable <email|id>\n  Lets a disabled user\'s tokens authenticate again.',
    options: {},
    positionals: 1,
    async run(db, _values, [who]) {
      const user = await findUser(db, who!);
      await setUserDisabled(db, user.id, false);
      console.log(`user ${user.email} enabled`);
    },
  },
  'token create': {
    usage: 'castsync token create --user <email|id> --name <name> [--expires-in-days <days>]\n  Makes an API token for the user and prints it once.',
    options: { user: { type: 'string' }, name: { type: 'string' }, 'expires-in-days': { type: 'string' } },
    positionals: 0,
    async run(db, values) {
      const user = await findUser(db, required(values, 'user'));
      const days = values['expires-in-days'];
      if (days !== undefined && !/^\d+$/.test(String(days))) throw new UsageError(`--expires-in-days must be a whole number of days, got "${days}"`);
      const issued = await createToken(db, user.id, { name: required(values, 'name'), expiresInDays: days === undefined ? null : Number(days) });
      await recordAudit(db, { userId: user.id, actor: 'system', action: 'token.created', target: issued.id, details: { name: issued.name, via: 'cli' } });
      printToken(issued);
    },
  },
  'token list': {
    usage: 'castsync token list --user <email|id>\n  The user\'s tokens: id, name, created, last used, expires (never the tokens themselves).',
    options: { user: { type: 'string' } },
    positionals: 0,
    async run(db, values) {
      const user = await findUser(db, required(values, 'user'));
      const rows = (await listTokens(db, user.id)).map((t) => [t.id, t.name, dateTime(t.createdAt), dateTime(t.lastUsedAt) || 'never', dateTime(t.expiresAt) || 'never']);
      console.log(table(['id', 'name', 'created', 'last used', 'expires'], rows));
    },
  },
  'token revoke': {
    usage: 'castsync token revoke --user <email|id> <token id>\n  Deletes the token; dashboard sessions opened with it end.',
    options: { user: { type: 'string' } },
    positionals: 1,
    async run(db, values, [tokenId]) {
      if (!UUID.test(tokenId!)) throw new UsageError(`"${tokenId}" is not a token id (see castsync token list)`);
      const user = await findUser(db, required(values, 'user'));
      if (!(await revokeToken(db, user.id, tokenId!))) throw new AccountError(404, `${user.email} has no token ${tokenId}`);
      await recordAudit(db, { userId: user.id, actor: 'system', action: 'token.revoked', target: tokenId, details: { via: 'cli' } });
      console.log(`token ${tokenId} revoked`);
    },
  },
};

const overview = `castsync: accounts and API tokens

  ${Object.keys(commands).join('\n  ')}

castsync <command> --help explains one. Reads DATABASE_URL.`;

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || !value.trim()) throw new UsageError(`--${name} is required`);
  return value;
}

function printToken(token: IssuedToken) {
  console.log(`token "${token.name}" (id ${token.id}${token.expiresAt ? `, expires ${dateTime(token.expiresAt)}` : ''}):\n\n  ${token.token}\n`);
  console.log('Keep it now: it is shown only this once and cannot be shown again.');
}

const day = (date: Date | null) => (date ? date.toISOString().slice(0, 10) : '');
const dateTime = (date: Date | null) => (date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '');

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Runs one command line; answers the exit code. */
export async function main(argv: string[]): Promise<number> {
  const key = argv.slice(0, 2).join(' ');
  const command = commands[key];
  if (!command) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') return (console.log(overview), 0);
    console.error(`castsync: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${overview}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv.slice(2), options: { ...command.options, ...help }, allowPositionals: true, strict: true });
    if (values.help) return (console.log(`usage: ${command.usage}`), 0);
    if (positionals.length !== command.positionals) throw new UsageError(`expected ${command.positionals || 'no'} argument${command.positionals === 1 ? '' : 's'}, got ${positionals.length}`);
    // Only the database is needed: the service's production checks (keys, platforms, public URL) are for the
    // processes that use those settings, not for an operator's shell.
    const db = createDb(loadConfig({ DATABASE_URL: process.env.DATABASE_URL }).databaseUrl);
    try {
      await command.run(db, values, positionals);
    } finally {
      await db.$disconnect();
    }
    return 0;
  } catch (error) {
    return failed(error, command.usage);
  }
}

function failed(error: unknown, usage: string): number {
  const message = error instanceof Error ? error.message : String(error);
  // parseArgs throws TypeErrors with a code (unknown option, missing value): bad input like our own UsageError.
  const badInput = error instanceof UsageError || (error instanceof AccountError && error.statusCode === 400) || (error instanceof TypeError && 'code' in error);
  if (badInput) {
    console.error(`castsync: ${message}\nusage: ${usage}`);
    return 2;
  }
  if (error instanceof AccountError || error instanceof ConfigError) {
    console.error(`castsync: ${message}`);
    return error instanceof ConfigError ? 2 : 1;
  }
  // A database error's last line says what happened; the lines before it quote our source.
  console.error(`castsync: ${message.trim().split('\n').at(-1)}`);
  return 1;
}

// Run directly (tsx scripts/castsync.ts); bin/castsync.js imports main instead.
if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}

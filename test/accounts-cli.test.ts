// The castsync command line, run as an operator runs it (node bin/castsync.js, what npx castsync starts) against
// the test database, with the tokens it prints used on the real gateway: a user made, tokens made, listed and
// revoked, the user disabled and enabled. Bad input exits 2 with a message, an unknown user 1.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStack, type Stack } from './support/stack.js';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'castsync.js');
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: [], workers: false });
});
afterAll(async () => {
  await stack?.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function castsync(...args: string[]): Promise<Run> {
  return castsyncWith({}, ...args);
}

function castsyncWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: inject('databaseUrl'), ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const tokenIn = (stdout: string) => /^\s+(cs_[A-Za-z0-9_-]{43})$/m.exec(stdout)![1]!;
const me = (token: string) => stack.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
const address = `cli-${Date.now()}@example.test`;

describe('castsync CLI', () => {
  let userId = '';
  let firstToken = '';

  it('creates a user and prints the first token once, which works on the gateway', async () => {
    const run = await castsync('user', 'create', '--email', address.toUpperCase(), '--name', 'Cli Actor');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`(${address}) created`);
    expect(run.stdout).toContain('shown only this once');
    firstToken = tokenIn(run.stdout);
    const res = await me(firstToken);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ email: address, name: 'Cli Actor' });
    userId = res.json().id;
    expect((await stack.db.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).not.toBeNull();

    const again = await castsync('user', 'create', '--email', address, '--name', 'Cli Actor');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists');
  });

  it('lists users as a table, in production mode too with only DATABASE_URL', async () => {
    const run = await castsyncWith({ NODE_ENV: 'production' }, 'user', 'list');
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^id\s+email\s+name\s+created\s+verified\s+disabled\s+tokens$/);
    const row = rows.find((line) => line.includes(address))!;
    expect(row).toMatch(new RegExp(`^${userId}\\s+${address}\\s+Cli Actor\\s+\\d{4}-\\d{2}-\\d{2}\\s+\\d{4}-\\d{2}-\\d{2}\\s+no\\s+1$`));
  });

  it('creates, lists and revokes tokens; a revoked token is refused', async () => {
    const created = await castsync('token', 'create', '--user', address, '--name', 'deploy script', '--expires-in-days', '30');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('shown only this once');
    const token = tokenIn(created.stdout);
    expect((await me(token)).statusCode).toBe(200);
    const row = await stack.db.apiToken.findFirstOrThrow({ where: { userId, name: 'deploy script' } });
    expect(row.expiresAt!.getTime() - Date.now()).toBeGreaterThan(29.9 * 24 * 3600_000);

    const list = await castsync('token', 'list', '--user', userId);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^id\s+name\s+created\s+last used\s+expires$/);
    expect(list.stdout).toMatch(new RegExp(`^${row.id}\\s+deploy script\\s+.+UTC\\s+.+UTC\\s+.+UTC$`, 'm'));
    expect(list.stdout).toContain('first token');
    expect(list.stdout).not.toContain(token);
    expect(list.stdout).not.toContain(row.tokenHash);

    const revoked = await castsync('token', 'revoke', '--user', address, row.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await me(token)).statusCode).toBe(401);
    expect((await me(firstToken)).statusCode).toBe(200);
    // The operator's changes are in the user's audit trail, made by "system".
    const audit = await stack.db.auditEvent.findMany({ where: { userId, target: row.id }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((e) => [e.action, e.actor])).toEqual([['token.created', 'system'], ['token.revoked', 'system']]);
    const twice = await castsync('token', 'revoke', '--user', address, row.id);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('has no token');
  });

  it('disables a user (every token refused) and enables them again', async () => {
    const disabled = await castsync('user', 'disable', address);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect((await me(firstToken)).statusCode).toBe(401);
    expect((await castsync('user', 'list')).stdout).toMatch(new RegExp(`${address}.*\\d{4}-\\d{2}-\\d{2}\\s+1$`, 'm'));
    const enabled = await castsync('user', 'enable', userId);
    expect(enabled.code, enabled.stderr).toBe(0);
    expect((await me(firstToken)).statusCode).toBe(200);
    const audit = await stack.db.auditEvent.findMany({ where: { userId, action: { in: ['account.disabled', 'account.enabled'] } }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((event) => [event.action, event.actor])).toEqual([['account.disabled', 'system'], ['account.enabled', 'system']]);
  });

  it('exits 1 with a message for an unknown user', async () => {
    for (const args of [['user', 'disable', 'nobody@example.test'], ['token', 'list', '--user', '00000000-0000-4000-8000-000000000000']]) {
      const run = await castsync(...args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toContain('no user');
    }
  });

  it('exits 2 with a message and the usage for bad input, changing nothing', async () => {
    const tokensBefore = await stack.db.apiToken.count({ where: { userId } });
    const cases: Array<[string[], string]> = [
      [['user', 'create', '--email', 'not-an-address', '--name', 'X'], 'not an e-mail address'],
      [['user', 'create', '--name', 'X'], '--email is required'],
      [['token', 'create', '--user', address, '--name', 'x', '--expires-in-days', 'soon'], 'whole number of days'],
      [['token', 'create', '--user', address, '--name', 'x', '--expires-in-days', '0'], 'from 1 to 3650'],
      [['token', 'create', '--user', address, '--name', 'x'.repeat(101)], '1 to 100 characters'],
      [['token', 'create', '--user', address, '--nmae', 'x'], "Unknown option '--nmae'"],
      [['token', 'revoke', '--user', address, 'not-a-token-id'], 'not a token id'],
      [['user', 'disable'], 'expected 1 argument'],
      [['user', 'frobnicate'], 'unknown command'],
    ];
    // Each run is a separate process; they share nothing, so they run side by side.
    const runs = await Promise.all(cases.map(([args]) => castsync(...args)));
    cases.forEach(([args, message], i) => {
      expect(runs[i]!.code, args.join(' ')).toBe(2);
      expect(runs[i]!.stderr, args.join(' ')).toContain(message);
    });
    expect(await stack.db.apiToken.count({ where: { userId } })).toBe(tokensBefore);
    expect(await stack.db.user.count({ where: { email: 'not-an-address' } })).toBe(0);
  });

  it('explains itself with --help', async () => {
    const overview = await castsync('--help');
    expect(overview.code).toBe(0);
    for (const command of ['user create', 'user list', 'user disable', 'user enable', 'token create', 'token list', 'token revoke']) expect(overview.stdout).toContain(command);
    const one = await castsync('token', 'create', '--help');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('usage: castsync token create --user <email|id> --name <name> [--expires-in-days <days>]');
  });
});

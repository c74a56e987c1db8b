// Logs: the gateway's request id is answered to the caller, travels with the signal into the workflow and is
// in the worker's log lines for the push it caused; and secrets used with the gateway (API keys, passwords,
// tokens in headers, URLs and logged objects) never appear in any of its log lines.
import type { ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { gatewayLoggerOptions } from '../lib/logging.js';
import { stopChild } from '../lib/temporal-server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { startWorkerProcess } from './support/worker-process.js';

let stack: Stack;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(async () => {
  if (worker) await stopChild(worker);
  await stack?.stop();
});

/** The worker as its own process (its SDK log at LOG_LEVEL=info), with everything it prints. */
async function startWorker() {
  const started = await startWorkerProcess({ ...stack.env, LOG_LEVEL: 'info' });
  worker = started.child;
  return started;
}

describe('request ids', () => {
  it('follow a change from the HTTP request into the worker log line of its push', async () => {
    const { output } = await startWorker();
    const user = await stack.createUser();
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/availability',
      headers: { ...user.auth, 'x-request-id': 'req-follow-me-1' },
      payload: { startDate: '2027-10-01', endDate: '2027-10-02', status: 'unavailable', type: 'block' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-request-id']).toBe('req-follow-me-1');
    const line = await waitFor(() => output().split('\n').find((l) => l.includes('sync attempt finished') && l.includes('req-follow-me-1')), { what: 'the push log line' });
    expect(line).toContain('"status":"success"');
    expect(line).toContain(`availability-sync-${user.id}`); // the activity logger adds the workflow id
    expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: expect.stringContaining('sync attempt finished') }); // a JSON line

    const generated = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: user.auth });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: { ...user.auth, 'x-request-id': 'bad id with spaces\n' } });
    expect(refused.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('gateway logs', () => {
  it('never contain a secret used with the gateway', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(...String(chunk).split('\n').filter(Boolean)), done()) });
    const operatorToken = 'operator-secret-token-77';
    const app = await buildApp({ config: { ...stack.config, operatorToken }, db: stack.db, temporal: stack.temporal, logger: { ...gatewayLoggerOptions('trace'), stream } });
    const user = await stack.createUser({ platforms: [] });
    const secrets = {
      apiKey: 'etalenta-secret-api-key-31337',
      wrongKey: 'etalenta-wrong-key-424242',
      password: 'hunter2-secret-password',
      partnerToken: 'partner-api-secret-token-99',
      oauthCode: 'oauth-code-secret-5150',
      oauthState: 'oauth-state-secret-8086',
      icsToken: 'ics-feed-secret-token-1984',
      bearer: user.token,
      operatorToken,
    };
    stack.simulators.etalenta!.addAccount(secrets.apiKey);
    const send = (method: 'GET' | 'POST', url: string, payload?: object) => app.inject({ method, url, headers: user.auth, payload });

    expect((await send('POST', '/api/platforms/etalenta/connect', { apiKey: secrets.apiKey })).statusCode).toBe(201);
    expect((await send('POST', '/api/platforms/etalenta/connect', { apiKey: secrets.wrongKey })).statusCode).toBe(400);
    expect((await send('POST', '/api/platforms/etalenta/connect', { email: 'actor@example.test', password: secrets.password })).statusCode).toBe(400);
    expect((await send('POST', '/api/platforms/filmmakers/connect', { email: 'actor@example.test', password: secrets.password, partnerApiToken: secrets.partnerToken })).statusCode).toBeGreaterThanOrEqual(400);
    expect((await send('GET', `/api/platforms/jobwork/callback?code=${secrets.oauthCode}&state=${secrets.oauthState}`)).statusCode).toBe(400);
    expect((await send('GET', `/api/availability.ics?token=${secrets.icsToken}`)).statusCode).toBeGreaterThanOrEqual(400);
    // No such route any more, but a token in a codec path (an old UI setting) is still kept out of the log.
    expect((await send('POST', `/codec/${operatorToken}/decode`, { payloads: [] })).statusCode).toBe(404);
    // Objects logged with an error are redacted by configuration too, whatever the call site forgets.
    app.log.error({ err: new Error('boom'), credentials: { apiKey: secrets.apiKey, accessToken: secrets.bearer }, body: { password: secrets.password } }, 'a careless log call');
    await app.close();

    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed.level).toBeTypeOf('number');
      for (const [name, secret] of Object.entries(secrets)) expect(line, `${name} in ${line}`).not.toContain(secret);
    }
    expect(lines.some((l) => l.includes('/codec/[Redacted]/decode'))).toBe(true);
    expect(lines.some((l) => l.includes('code=[Redacted]&state=[Redacted]'))).toBe(true);
    expect(lines.some((l) => l.includes('a careless log call') && l.includes('[Redacted]'))).toBe(true);
  });
});

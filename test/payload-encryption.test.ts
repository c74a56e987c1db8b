// Nothing readable about a user leaves castsync through Temporal: a run's raw history, read with a client that
// has no codec, holds only encrypted payloads (inputs, results, signals, local-activity markers, failures), and
// neither the user's dates nor the platform credential appear anywhere in it. The codec (and the operator's codec
// route, which the Web UI uses) reads it back; without the operator token that route refuses.
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { AesGcmPayloadCodec, isEncrypted } from '../lib/payload-codec.js';
import { availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const OPERATOR_TOKEN = 'operator-token-for-tests';
let stack: Stack;
let user: TestUser;

beforeAll(async () => {
  stack = await startStack({ env: { CASTSYNC_OPERATOR_TOKEN: OPERATOR_TOKEN } });
  user = await stack.createUser();
});
afterAll(() => stack?.stop());

/** Every Payload in a history, with the path it was found at. */
function payloadsIn(value: unknown, path = ''): { path: string; payload: Payload }[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return [];
  if ('data' in value && 'metadata' in value && (value as Payload).data instanceof Uint8Array) return [{ path, payload: value as Payload }];
  return Object.entries(value).flatMap(([key, child]) => payloadsIn(child, `${path}.${key}`));
}

const asText = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));

async function rawHistory() {
  const plainClient = new Client({ connection: stack.temporal.connection, namespace: stack.config.temporalNamespace });
  return plainClient.workflow.getHandle(availabilitySyncWorkflowId(user.id)).fetchHistory();
}

describe('payload encryption', () => {
  it('keeps user data and credentials out of the raw history, failures included', async () => {
    const sim = stack.simulators.etalenta!;
    const add = (startDate: string, endDate: string) =>
      stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate, endDate, status: 'unavailable', type: 'block' } });
    expect((await add('2027-05-03', '2027-05-04')).statusCode).toBe(201);
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the first push' });
    // A rejected key fails the next push at once: its failure (message, stack) is in the history too.
    sim.faults = { failNext: { count: 1, status: 401 } };
    expect((await add('2027-06-07', '2027-06-08')).statusCode).toBe(201);
    await waitFor(() => stack.db.syncLog.findFirst({ where: { userId: user.id, status: 'failed' } }), { what: 'the failed push' });
    sim.faults = {};

    const history = await waitFor(async () => {
      const h = await rawHistory();
      return h.events?.some((e) => e.activityTaskFailedEventAttributes) ? h : null;
    }, { what: 'the failure in the history' });

    const found = payloadsIn(history.events).filter(({ path }) => !path.includes('searchAttributes'));
    expect(found.length).toBeGreaterThan(3);
    for (const { path, payload } of found) {
      // Markers carry entries the SDK's core writes itself (local activity id and attempt, patch ids); a local
      // activity's result is ours and encrypted.
      const sdkMarkerData = /markerRecordedEventAttributes\.details\.(?!result\.)/.test(path);
      if (!sdkMarkerData) expect(isEncrypted(payload), path).toBe(true);
      expect(Buffer.from(payload.data!).toString('latin1'), path).not.toContain(user.id);
    }
    const text = asText(history);
    for (const secret of ['2027-05-03', '2027-06-07', user.apiKeys.etalenta!]) expect(text).not.toContain(secret);
    const failure = history.events!.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');

    // The configured keys read it back.
    const codec = new AesGcmPayloadCodec(stack.config.payloadKeys, stack.config.payloadActiveKeyId);
    const decoded = asText(await codec.decode(found.map((f) => f.payload)));
    expect(decoded).toContain(user.id);
    expect(decoded).toContain('rejected our credentials'); // the failure's message, moved into its encoded attributes
  });

  it('serves the Web UI codec protocol only to the operator', async () => {
    const codec = new AesGcmPayloadCodec(stack.config.payloadKeys, stack.config.payloadActiveKeyId);
    const [encrypted] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ userId: user.id })) }]);
    const body = { payloads: [{ metadata: { encoding: Buffer.from(encrypted!.metadata!.encoding!).toString('base64'), 'encryption-key-id': Buffer.from(encrypted!.metadata!['encryption-key-id']!).toString('base64') }, data: Buffer.from(encrypted!.data!).toString('base64') }] };
    const decode = (url: string, headers: Record<string, string> = {}) => stack.app.inject({ method: 'POST', url, headers, payload: body });

    expect((await decode('/codec/decode')).statusCode).toBe(401);
    expect((await decode('/codec/decode', { authorization: `Bearer ${user.token}` })).statusCode).toBe(401);
    // The token is never a path segment (a URL the UI would publish): that route is gone.
    expect((await decode(`/codec/${OPERATOR_TOKEN}/decode`)).statusCode).toBe(404);

    for (const answer of [await decode('/codec/decode', { authorization: `Bearer ${OPERATOR_TOKEN}` })]) {
      expect(answer.statusCode).toBe(200);
      const [payload] = answer.json<{ payloads: { metadata: Record<string, string>; data: string }[] }>().payloads;
      expect(Buffer.from(payload!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
      expect(JSON.parse(Buffer.from(payload!.data, 'base64').toString())).toEqual({ userId: user.id });
    }

    // The browser's preflight from the Web UI's origin is allowed; other origins get no CORS headers.
    const preflight = (origin: string) => stack.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin, 'access-control-request-method': 'POST' } });
    const fromUi = await preflight('http://localhost:8233');
    expect(fromUi.statusCode).toBe(204);
    expect(fromUi.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    expect(fromUi.headers['access-control-allow-headers']).toContain('x-namespace');
    expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();

    // Without an operator token configured there is no codec server at all.
    const closed = await buildApp({ config: { ...stack.config, operatorToken: null }, db: stack.db, temporal: stack.temporal, logger: false });
    expect((await closed.inject({ method: 'POST', url: '/codec/decode', headers: { authorization: `Bearer ${OPERATOR_TOKEN}` }, payload: body })).statusCode).toBe(404);
    await closed.close();
  });
});

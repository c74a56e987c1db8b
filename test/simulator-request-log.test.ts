// The simulators log a request with the time it arrived, not the time its answer went out: a client may read the
// answer and record its own time (a push attempt closing its sync-log row) before the simulator's onResponse hook
// runs, and tests compare the two (test/scale-out.test.ts: every platform request inside an attempt).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RestPlatformSimulator } from '../simulators/etalenta/server.js';

const simulator = new RestPlatformSimulator();
let url: string;
beforeAll(async () => {
  url = await simulator.start();
});
afterAll(() => simulator.stop());

it('records when a slow request arrived, not when it was answered', async () => {
  simulator.addAccount('key_request_log');
  simulator.faults = { latencyMs: 400 };
  const sent = Date.now();
  const answer = await fetch(`${url}/v1/availability`, { headers: { authorization: 'Bearer key_request_log' } });
  const answered = Date.now();
  expect(answer.status).toBe(200);
  expect(answered - sent).toBeGreaterThanOrEqual(400);
  const [record] = simulator.apiRequests('GET');
  expect(record).toMatchObject({ method: 'GET', status: 200, apiKey: 'key_request_log' });
  expect(record!.at).toBeGreaterThanOrEqual(sent - 1);
  expect(record!.at).toBeLessThan(answered - 300);
});

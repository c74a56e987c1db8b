// The real Temporal Web UI (the dev server's, as `npm start` configures it) in Chromium against the gateway's codec
// route: with only the published, secret-free endpoint it gets 401 and shows nothing decoded; once the operator has
// signed in at /codec and the UI's codec settings include cross-origin credentials, it sends the session cookie and
// shows the decrypted payload.
import { Client, Connection } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedCodecEndpoint } from '../api/routes/codec.js';
import { temporalDataConverter } from '../lib/payload-codec.js';
import { freePort, startDevServer, type DevServer } from '../lib/temporal-server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const OPERATOR_TOKEN = 'web-ui-operator-token-for-tests-0815';
const SECRET_INPUT = 'an actor booked on 2027-05-03';
let uiPort: number;
let apiPort: number;
let stack: Stack;
let server: DevServer;
let connection: Connection;
let browser: Browser;
let historyUrl: string;
const codecCalls: { url: string; cookie: boolean; status: number }[] = [];

beforeAll(async () => {
  uiPort = await freePort();
  stack = await startStack({ workers: false, env: { CASTSYNC_OPERATOR_TOKEN: OPERATOR_TOKEN, TEMPORAL_UI_URL: `http://localhost:${uiPort}` } });
  stack.app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && request.url.startsWith('/codec/decode')) codecCalls.push({ url: request.url, cookie: Boolean(request.headers.cookie?.includes('castsync_codec=')), status: reply.statusCode });
  });
  await stack.app.listen({ host: '127.0.0.1', port: 0 });
  apiPort = (stack.app.server.address() as AddressInfo).port;
  server = await startDevServer({ uiPort, uiCodecEndpoint: publishedCodecEndpoint(apiPort) });
  // A run whose input is encrypted with the stack's payload keys; no worker needs to run it.
  connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter: temporalDataConverter(stack.config) });
  const handle = await client.workflow.start('nobodyRunsThis', { taskQueue: 'nobody', workflowId: 'codec-web-ui', args: [SECRET_INPUT] });
  historyUrl = `http://localhost:${uiPort}/namespaces/default/workflows/codec-web-ui/${handle.firstExecutionRunId}/history`;
  browser = await chromium.launch({ executablePath: stack.config.chromiumPath });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  await server?.stop();
  await stack?.stop();
});

describe('the Temporal Web UI and the codec server', () => {
  it('decodes only after the operator signed in and the UI includes credentials', async () => {
    const page = await browser.newPage();

    // What `npm start` publishes: the endpoint without a secret. The UI calls it without cookies and gets 401.
    await page.goto(historyUrl);
    await waitFor(() => codecCalls.find((c) => c.status === 401), { what: 'the UI calling the codec without credentials' });
    expect(await page.content()).not.toContain(SECRET_INPUT);
    expect(codecCalls.every((c) => !c.cookie && c.status === 401)).toBe(true);

    // The operator signs in once on the gateway's page, then sets the UI's codec settings in the browser.
    await page.goto(`http://localhost:${apiPort}/codec`);
    await page.fill('#token', OPERATOR_TOKEN);
    await page.click('#sign-in button[type=submit]');
    await page.locator('#status', { hasText: 'Signed in' }).waitFor();
    await page.goto(`http://localhost:${uiPort}/`);
    // The UI's "Codec Server" settings (kept in localStorage): use my browser setting, this endpoint, include
    // cross-origin credentials.
    const settings = { overrideRemoteCodecConfiguration: 'true', endpoint: JSON.stringify(publishedCodecEndpoint(apiPort)), includeCredentials: 'true' };
    await page.evaluate(`for (const [key, value] of Object.entries(${JSON.stringify(settings)})) localStorage.setItem(key, value)`);
    codecCalls.length = 0;
    await page.goto(historyUrl);
    await page.getByText(SECRET_INPUT).first().waitFor({ timeout: 30_000 });
    expect(codecCalls.length).toBeGreaterThan(0);
    expect(codecCalls.every((c) => c.cookie && c.status === 200)).toBe(true);
  }, 90_000);
});

// The dashboard's Filmmakers connect form with its partner API fields, in real Chromium (Debian's): a token that
// reads several actor profiles is refused with the ids it reads; named, the connection is made, and the card shows
// the webhook URL to paste into Filmmakers' settings, with a copy button. Screenshots under artifacts/dashboard/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { projectRoot } from '../lib/paths.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { openDashboard, signInWithToken } from './support/dashboard.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

const shots = path.join(projectRoot, 'artifacts', 'dashboard');
const TIMEOUT = 20_000;
const EMAIL = 'actor@filmmakers.test';
const PASSWORD = 'correct horse battery staple';
const TOKEN = 'partner-token-for-the-dashboard';

let portal: PortalSimulator;
let stack: Stack;
let browser: Browser;
let page: Page;
let base: string;
let user: TestUser;

beforeAll(async () => {
  // The key reads two other actors of the agency besides the user's own.
  portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens: [TOKEN], agencyProfiles: 2 } });
  await portal.start();
  portal.addAccount(EMAIL, PASSWORD, { partnerApiToken: TOKEN });
  stack = await startStack({ restPlatforms: [], workerPlatforms: ['filmmakers'], env: { CASTSYNC_PLATFORM_URL_FILMMAKERS: portal.url } });
  ({ base, browser, page } = await openDashboard(stack, { timeoutMs: TIMEOUT }));
  user = await stack.createUser({ platforms: [] });
  await mkdir(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await closeBrowser(); // the connect route logged in to the portal with the shared Chromium
  await portal?.stop();
});

const card = () => page.locator('[data-platform="filmmakers"]');
const notice = () => page.locator('#notice');

describe('connecting Filmmakers with a partner API token in the dashboard', () => {
  it('asks for the profile id when the token reads several, then shows the webhook URL to copy', async () => {
    await signInWithToken(page, base, user.token);

    const form = card();
    await form.getByLabel('E-mail').fill(EMAIL);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByLabel('Partner API token (optional)').fill(TOKEN);
    await form.getByRole('button', { name: 'Connect' }).click();
    const ownId = portal.profileIdOf(EMAIL)!;
    const ids = [ownId, '90001', '90002'].sort((a, b) => Number(a) - Number(b)).join(', ');
    await notice().getByText(`the key reads 3 actor profiles (ids ${ids})`, { exact: false }).waitFor();
    expect(await notice().getAttribute('class')).toBe('error');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(0);

    await form.getByLabel('Partner API profile id (optional)').fill(ownId);
    await form.getByRole('button', { name: 'Connect' }).click();
    await notice().getByText('Filmmakers is connected.').waitFor();
    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'filmmakers' } });
    const webhookUrl = card().getByLabel('Webhook URL');
    await webhookUrl.waitFor();
    expect(await webhookUrl.inputValue()).toBe(`${stack.config.publicUrl}/api/webhooks/filmmakers/${row.connectionRef}`);
    expect(await webhookUrl.getAttribute('readonly')).toBe('');
    await page.screenshot({ path: path.join(shots, 'filmmakers-webhook-url.png'), fullPage: true });

    // Copied where the page may use the clipboard; otherwise the URL is selected and the notice says how to copy.
    await card().getByRole('button', { name: 'Copy webhook URL' }).click();
    await notice().getByText(/Webhook URL copied\.|Press Ctrl\+C/).waitFor();
    const selected = "(() => { const e = document.activeElement; return e && e.name === 'webhookUrl' ? e.value.slice(e.selectionStart, e.selectionEnd) : ''; })()";
    expect(await page.evaluate(selected)).toBe(await webhookUrl.inputValue());
  });
});

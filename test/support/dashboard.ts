// castsync's dashboard in real Chromium (Debian's) for a test: the gateway listening on a free loopback port, one
// browser with one page, and signing in with a user's API token as a person would.
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright';
import { launchChromium } from '../../adapters/browser/browser-pool.js';
import type { Stack } from './stack.js';

export interface Dashboard {
  /** The gateway's address, e.g. http://127.0.0.1:43121. */
  base: string;
  browser: Browser;
  page: Page;
}

/** Starts the stack's gateway on a free port (unless it listens already) and opens a page in a new Chromium. */
export async function openDashboard(stack: Stack, { timeoutMs = 20_000 } = {}): Promise<Dashboard> {
  if (!stack.app.server.listening) await stack.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
  const browser = await launchChromium(stack.config.chromiumPath);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(timeoutMs);
  return { base, browser, page };
}

/** Signs in on the dashboard's start page with an API token and waits for the platforms view. */
export async function signInWithToken(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/app/`);
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Platforms', level: 2 }).waitFor();
}

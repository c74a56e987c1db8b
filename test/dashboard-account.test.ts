// The dashboard's Account section in real Chromium (Debian's): "Download my data" gives the zip the API makes,
// and "Delete my account" refuses a mistyped address, then deletes the account and signs out.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../adapters/browser/browser-pool.js';
import { freePort } from '../lib/temporal-server.js';
import { signInWithToken } from './support/dashboard.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

const TIMEOUT = 20_000;
let stack: Stack;
let browser: Browser;
let page: Page;
let base: string;
let dataDir: string;
let user: TestUser;
let email: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-dashboard-account-'));
  stack = await startStack({ restPlatforms: ['etalenta'], env: { CASTSYNC_PUBLIC_URL: base, CASTSYNC_DATA_DIR: dataDir } });
  await stack.app.listen({ port, host: '127.0.0.1' });
  user = await stack.createUser();
  email = (await stack.db.user.findUniqueOrThrow({ where: { id: user.id } })).email;
  browser = await launchChromium(stack.config.chromiumPath);
  page = await (await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(TIMEOUT);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the Account section', () => {
  it('downloads the export, refuses a wrong address, and deletes the account', async () => {
    await signInWithToken(page, base, user.token);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'Account', level: 2 }).waitFor();
    await page.getByText(`<${email}>`).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^castsync-export-.+\.zip$/);
    const zip = await readFile((await download.path())!);
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    expect(zip.includes(Buffer.from('account.json'))).toBe(true);

    const confirm = page.getByLabel('Type your e-mail address to confirm');
    await confirm.fill('not-me@example.test');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText(`Type ${email} exactly to confirm.`).waitFor();
    expect(await stack.db.user.count({ where: { id: user.id } })).toBe(1);

    await confirm.fill(email);
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByRole('heading', { name: 'Account deleted', level: 2 }).waitFor();
    expect(await page.locator('#notice').textContent()).toBe('Your account is deleted.');
    expect(await stack.db.user.count({ where: { id: user.id } })).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Sections' }).isHidden()).toBe(true);
  });
});

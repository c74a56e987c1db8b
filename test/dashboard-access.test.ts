// The account pages in real Chromium (Debian's), with sign-up on: create an account in the form, follow the link
// mailed to the SMTP simulator, sign in with e-mail and password, then on the Access page make a token (shown
// once, and it works), revoke it, end another session, and end the current one, which signs this browser out.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../adapters/browser/browser-pool.js';
import { projectRoot } from '../lib/paths.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const shots = path.join(projectRoot, 'artifacts', 'dashboard');
const address = `access-${Date.now()}@example.test`;
const NEW_PASSWORD = 'an even longer passphrase';
const RESET_PASSWORD = 'the passphrase after a reset';
const PASSWORD = 'a long enough password';

let smtp: SmtpSimulator;
let stack: Stack;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  smtp = new SmtpSimulator();
  await smtp.start();
  stack = await startStack({ restPlatforms: [], workers: false, env: { CASTSYNC_SIGNUP: 'on', CASTSYNC_SMTP_URL: smtp.url } });
  base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
  await mkdir(shots, { recursive: true });
  browser = await launchChromium(stack.config.chromiumPath);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20_000);
  page.on('dialog', (dialog) => void dialog.accept());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await smtp?.stop();
});

const notice = () => page.locator('#notice');
const shoot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

describe('account pages in Chromium', () => {
  it('creates an account, confirms it from the mail and signs in with e-mail and password', async () => {
    await page.goto(`${base}/app/`);
    const signUp = page.getByRole('form', { name: 'Create account' }).or(page.locator('#sign-up'));
    await signUp.getByLabel('E-mail address').fill(address);
    await signUp.getByLabel('Name').fill('Browser Actor');
    await signUp.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await shoot('sign-up');
    await signUp.getByRole('button', { name: 'Create account' }).click();
    await signUp.getByText('Check your e-mail').waitFor();

    const message = await waitFor(() => smtp.messagesTo(address)[0], { what: 'the confirmation mail' });
    const link = /(http:\/\/\S+\/app\/verify\?token=\S+)/.exec((await simpleParser(message.raw)).text ?? '')![1]!;
    await page.goto(link.replace(stack.config.publicUrl, base));
    await page.waitForURL(`${base}/app/`);
    await notice().getByText('Your e-mail address is confirmed').waitFor();

    await page.getByLabel('E-mail and password').check();
    await page.locator('#sign-in').getByLabel('E-mail address').fill(address);
    await page.locator('#sign-in').getByLabel('Password', { exact: true }).fill('not the password');
    await page.keyboard.press('Enter');
    await page.getByText('Wrong e-mail address or password, or the address is not confirmed yet.').waitFor();
    await page.locator('#sign-in').getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.keyboard.press('Enter');
    await notice().getByText('Signed in as Browser Actor.').waitFor();
  });

  it('makes a token on the Access page, shows it once, and revokes it', async () => {
    await page.getByRole('link', { name: 'Access' }).click();
    await page.getByRole('heading', { name: 'Access', level: 2 }).waitFor();
    await page.getByText('No tokens.').waitFor();
    const form = page.getByRole('form', { name: 'New API token' });
    await form.getByLabel('Name').fill('calendar script');
    await form.getByLabel('Expires after (days)').fill('30');
    await form.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Copy it now: it is shown only this once.').waitFor();
    const token = await page.getByLabel('The new token "calendar script"').inputValue();
    expect(token).toMatch(/^cs_/);
    const me = await stack.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ email: address });
    const row = page.locator('table.tokens tr', { hasText: 'calendar script' });
    await row.waitFor();
    expect(await page.locator('table.tokens').textContent()).not.toContain(token);
    await shoot('access');

    await page.getByRole('button', { name: 'Done, I copied it' }).click();
    expect(await page.getByText('Copy it now').count()).toBe(0);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await notice().getByText('Token "calendar script" revoked.').waitFor();
    await page.getByText('No tokens.').waitFor();
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  it('changes the password with the current one; the old one signs in no more', async () => {
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not the password');
    await form.getByLabel('New password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('body/currentPassword is not the current password; nothing was changed').waitFor();
    await form.getByLabel('Current password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Change password' }).click();
    await notice().getByText('Password changed. Other browsers are signed out.').waitFor();
    const signIn = (password: string) => stack.app.inject({ method: 'POST', url: '/app/session', headers: { 'x-castsync-csrf': '1' }, payload: { email: address, password } });
    expect((await signIn(PASSWORD)).statusCode).toBe(401);
    expect((await signIn(NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('lists the sessions with this browser marked, ends another one, and signs out by ending its own', async () => {
    const other = await stack.app.inject({ method: 'POST', url: '/app/session', headers: { 'x-castsync-csrf': '1', 'user-agent': 'Other Device/1.0' }, payload: { email: address, password: NEW_PASSWORD } });
    expect(other.statusCode).toBe(200);
    await page.reload();
    await page.getByRole('heading', { name: 'Access', level: 2 }).waitFor();
    const otherRow = page.locator('table.sessions tr', { hasText: 'Other Device/1.0' });
    await otherRow.waitFor();
    const ours = page.locator('table.sessions tr', { hasText: 'this browser' });
    expect(await ours.count()).toBe(1);
    expect(await ours.textContent()).toContain('e-mail and password');

    await otherRow.getByRole('button', { name: 'Revoke' }).click();
    await notice().getByText('Session ended.').waitFor();
    await otherRow.waitFor({ state: 'detached' }); // the list is read again after the notice
    const otherSecret = /^castsync_session=([^;]+);/.exec(String(other.headers['set-cookie']))![1]!;
    expect((await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `castsync_session=${otherSecret}` } })).statusCode).toBe(401);

    await ours.getByRole('button', { name: 'Sign out here' }).click();
    await page.locator('#sign-in').getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await page.request.get(`${base}/api/me`)).status()).toBe(401);
  });

  it('sets a new password from the link a forgotten password asks for', async () => {
    const help = page.getByRole('form', { name: 'Forgot password' });
    await help.getByLabel('E-mail address').fill(address);
    await help.getByRole('button', { name: 'Send me a link' }).click();
    await help.getByText('Check your e-mail').waitFor();
    const message = await waitFor(() => smtp.messagesTo(address).find((m) => m.raw.toString().includes('Set a new castsync password')), { what: 'the reset mail' });
    const link = /(http:\/\/\S+\/app\/\?reset=\S+)/.exec((await simpleParser(message.raw)).text ?? '')![1]!;
    await page.goto(link.replace(stack.config.publicUrl, base));
    const reset = page.getByRole('form', { name: 'New password' });
    await reset.getByLabel('New password').fill(RESET_PASSWORD);
    await reset.getByRole('button', { name: 'Set password' }).click();
    await notice().getByText('Your new password is set: sign in with it.').waitFor();
    expect(page.url()).toBe(`${base}/app/`); // the secret does not stay in the address bar or history

    await page.getByLabel('E-mail and password').check();
    await page.locator('#sign-in').getByLabel('E-mail address').fill(address);
    await page.locator('#sign-in').getByLabel('Password', { exact: true }).fill(RESET_PASSWORD);
    await page.keyboard.press('Enter');
    await notice().getByText('Signed in as Browser Actor.').waitFor();
  });
});

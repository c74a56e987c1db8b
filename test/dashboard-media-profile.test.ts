// The dashboard's media, profile and platform-settings views end to end in real Chromium (Debian's) against the
// running stack: connect a browser portal (Filmmakers) with e-mail and password and an agency by its address,
// change a connection's settings, upload photos with the progress bar, see refused files explained, set the main
// photo, reorder with the keyboard, edit a caption, delete; edit the profile with per-field visibility.
// Screenshots are kept under artifacts/dashboard/.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { WORKFLOW_TASK_QUEUE } from '../workflows/plumbing.js';
import { projectRoot } from '../lib/paths.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { openDashboard, signInWithToken } from './support/dashboard.js';
import { image, tinyPdf } from './support/media-files.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const shots = path.join(projectRoot, 'artifacts', 'dashboard');
const TIMEOUT = 20_000;
const AGENCY = 'booking@iris-mueller.example';
const PORTAL_EMAIL = 'actor@filmmakers.test';
const PORTAL_PASSWORD = 'correct horse battery staple';

let portal: PortalSimulator;
let smtp: SmtpSimulator;
let stack: Stack;
let browser: Browser;
let page: Page;
let base: string;
let dataDir: string;
let user: TestUser;

beforeAll(async () => {
  portal = new PortalSimulator({ name: 'Filmmakers' });
  await portal.start();
  portal.addAccount(PORTAL_EMAIL, PORTAL_PASSWORD);
  smtp = new SmtpSimulator();
  await smtp.start();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-dashboard-media-'));
  stack = await startStack({
    restPlatforms: [],
    workerPlatforms: ['filmmakers', 'agentur-iris-mueller'],
    env: { CASTSYNC_PLATFORM_URL_FILMMAKERS: portal.url, CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: smtp.url, CASTSYNC_DATA_DIR: dataDir },
  });
  ({ base, browser, page } = await openDashboard(stack, { timeoutMs: TIMEOUT }));
  user = await stack.createUser({ platforms: [] });
  await mkdir(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await closeBrowser(); // the connect route logged in to the portal with the shared Chromium
  await portal?.stop();
  await smtp?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const card = (platformId: string) => page.locator(`[data-platform="${platformId}"]`);
const shoot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const notice = () => page.locator('#notice');
const mainBadge = (name: string) => item(name).locator('.badge.main');
const item = (name: string) => page.locator('li.media-item', { has: page.getByRole('heading', { name, exact: true }) });
const uploadError = () => page.locator('form.upload [role=alert]');
const connection = (platformId: string) => stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: user.id, platformId } } });
const library = () => stack.db.media.findMany({ where: { userId: user.id, deletedAt: null }, orderBy: { sortOrder: 'asc' } });

async function chooseFile(name: string, buffer: Buffer, mimeType = 'image/jpeg') {
  await page.locator('form.upload').getByLabel('File').setInputFiles({ name, mimeType, buffer });
}

describe('dashboard media, profile and settings in Chromium', () => {
  it('signs in', async () => {
    await signInWithToken(page, base, user.token);
  });

  it('connects Filmmakers with e-mail and password, after showing why a wrong password was refused', async () => {
    const filmmakers = card('filmmakers');
    // Only Filmmakers has a read-only partner API, so only its form asks for the optional token.
    await filmmakers.getByLabel('Partner API token (optional)').waitFor();
    await card('casting-network').getByLabel('Password').waitFor();
    expect(await card('casting-network').getByLabel('Partner API token (optional)').count()).toBe(0);
    await filmmakers.getByLabel('E-mail').fill(PORTAL_EMAIL);
    await filmmakers.getByLabel('Password').fill('not the password');
    await filmmakers.getByRole('button', { name: 'Connect' }).click();
    await notice().getByText(/Filmmakers/).waitFor();
    expect(await notice().getAttribute('class')).toBe('error');
    expect(await stack.db.platformConnection.count({ where: { userId: user.id, connected: true } })).toBe(0);

    await filmmakers.getByLabel('Password').fill(PORTAL_PASSWORD);
    await filmmakers.getByRole('button', { name: 'Connect' }).click();
    await notice().getByText('Filmmakers is connected.').waitFor();
    await filmmakers.getByRole('form', { name: 'Filmmakers settings' }).waitFor();
    expect(await connection('filmmakers')).toMatchObject({ connected: true, accountRef: null });
  });

  it("connects an agency by its e-mail address", async () => {
    const agency = card('agentur-iris-mueller');
    await agency.getByLabel('Agency e-mail address').fill(AGENCY);
    await agency.getByRole('button', { name: 'Connect' }).click();
    await notice().getByText('Agentur Iris Müller is connected.').waitFor();
    await agency.getByRole('button', { name: 'Sync now' }).waitFor();
    expect(await connection('agentur-iris-mueller')).toMatchObject({ connected: true, accountRef: AGENCY });
    // An agency takes only availability: no media or profile switches, no pull interval.
    const settings = agency.getByRole('form', { name: 'Agentur Iris Müller settings' });
    expect(await settings.getByRole('checkbox').count()).toBe(2);
    expect(await settings.getByLabel('Pull every (minutes)').count()).toBe(0);
  });

  it("saves a platform's settings and shows the API's refusal of a bad pull interval", async () => {
    const settings = card('filmmakers').getByRole('form', { name: 'Filmmakers settings' });
    for (const name of ['Auto-sync', 'Availability', 'Media', 'Profile']) expect(await settings.getByLabel(name, { exact: true }).isChecked()).toBe(true);

    await settings.getByLabel('Pull every (minutes)').fill('2');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('alert').getByText('pullIntervalMinutes must be >= 5').waitFor();
    expect((await connection('filmmakers')).pullIntervalMinutes).toBeNull();

    await settings.getByLabel('Pull every (minutes)').fill('30');
    await settings.getByLabel('Availability', { exact: true }).uncheck();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await notice().getByText('Filmmakers settings saved.').waitFor();
    expect(await settings.getByRole('alert').textContent()).toBe('');
    expect(await connection('filmmakers')).toMatchObject({ pullIntervalMinutes: 30, syncAvailability: false, syncMedia: true, syncProfile: true, autoSync: true });

    // Kept across a reload: the form shows what is stored.
    await page.reload();
    await settings.waitFor();
    expect(await settings.getByLabel('Pull every (minutes)').inputValue()).toBe('30');
    expect(await settings.getByLabel('Availability', { exact: true }).isChecked()).toBe(false);
    await settings.getByLabel('Availability', { exact: true }).check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await notice().getByText('Filmmakers settings saved.').waitFor();
    expect((await connection('filmmakers')).syncAvailability).toBe(true);
    await shoot('platforms-settings');
  });

  it('uploads a photo: the progress bar reaches 100 % and the thumbnail appears', async () => {
    await page.getByRole('link', { name: 'Media' }).click();
    await page.getByRole('heading', { name: 'Media', level: 2 }).waitFor();
    await page.getByText('No media yet').waitFor();
    await page.getByRole('button', { name: 'Sync media now: Filmmakers' }).waitFor();
    expect(await page.getByRole('button', { name: /Sync media now: Agentur/ }).count()).toBe(0);

    await chooseFile('portrait.jpg', await image(1000, 1250, 'jpeg', '#a07050'));
    await page.locator('form.upload').getByLabel('Caption').fill('By the sea');
    await page.locator('form.upload').getByLabel('Photographer credit').fill('Jane Doe');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    const progress = page.getByRole('progressbar', { name: 'Upload progress' });
    await page.locator('.progress-text', { hasText: '100 %' }).waitFor();
    expect(await progress.getAttribute('value')).toBe('100');
    await notice().getByText('portrait.jpg is uploaded.').waitFor();

    const portrait = item('By the sea');
    await mainBadge('By the sea').waitFor();
    const thumbnail = portrait.getByRole('img', { name: 'By the sea' });
    // A thumbnail made from the 1000×1250 photo (480 px at most), not the whole original.
    await waitFor(() => thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number; naturalHeight: number }).naturalHeight === 480), { what: 'the thumbnail loaded' });
    expect(await thumbnail.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(384);
    expect(await portrait.getByLabel('Photographer credit', { exact: true }).inputValue()).toBe('Jane Doe');
    expect(await library()).toMatchObject([{ originalName: 'portrait.jpg', caption: 'By the sea', photographerCredit: 'Jane Doe', isMain: true, width: 1000, height: 1250 }]);
  });

  it("refuses a PDF named .jpg as a photo and an empty file, showing the API's message", async () => {
    await page.locator('form.upload').getByLabel('Type').selectOption('photo');
    await chooseFile('fake.jpg', tinyPdf);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await uploadError().getByText("fake.jpg was not taken: the file's content is a PDF document, so it cannot be a photo").waitFor();
    expect(await page.locator('.progress').isHidden()).toBe(true);

    await chooseFile('empty.jpg', Buffer.alloc(0));
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await uploadError().getByText('empty.jpg was not taken: the file is empty (0 bytes)').waitFor();
    expect(await library()).toHaveLength(1);
    expect(await page.locator('li.media-item').count()).toBe(1);
  });

  it('makes another photo the main one, reorders with the keyboard, edits a caption and deletes', async () => {
    await page.locator('form.upload').getByLabel('Type').selectOption('headshot');
    await chooseFile('second.png', await image(900, 1200, 'png', '#5070a0'), 'image/png');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await notice().getByText('second.png is uploaded.').waitFor();
    const second = item('second.png');
    await second.getByText('Headshot').waitFor();
    expect(await mainBadge('second.png').count()).toBe(0);

    await second.getByRole('button', { name: 'Make main photo' }).click();
    await mainBadge('second.png').waitFor();
    expect(await mainBadge('By the sea').count()).toBe(0);
    expect((await library()).map((m) => [m.originalName, m.isMain])).toEqual([['portrait.jpg', false], ['second.png', true]]);

    // Keyboard only: Enter on "Move up"; the focus stays with the moved item.
    expect(await item('By the sea').getByRole('button', { name: 'Move up' }).isDisabled()).toBe(true);
    await second.getByRole('button', { name: 'Move up' }).focus();
    await page.keyboard.press('Enter');
    await notice().getByText('second.png moved up.').waitFor();
    await waitFor(async () => (await page.locator('li.media-item h4').allTextContents()).join() === 'second.png,By the sea', { what: 'the new order on the page' });
    expect((await library()).map((m) => m.originalName)).toEqual(['second.png', 'portrait.jpg']);
    expect(await page.evaluate("document.activeElement.closest('li.media-item').querySelector('h4').textContent")).toBe('second.png');
    expect(await second.getByRole('button', { name: 'Move up' }).isDisabled()).toBe(true);

    await second.getByLabel('Caption', { exact: true }).fill('Close-up');
    await second.getByRole('button', { name: 'Save text' }).click();
    await notice().getByText('Caption and credit saved.').waitFor();
    const closeUp = item('Close-up');
    await closeUp.waitFor();
    expect((await library())[0]).toMatchObject({ originalName: 'second.png', caption: 'Close-up', photographerCredit: null });

    // Deleting asks first; dismissing keeps the photo.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await item('By the sea').getByRole('button', { name: 'Delete' }).click();
    expect(await library()).toHaveLength(2);
    page.once('dialog', (dialog) => void dialog.accept());
    await item('By the sea').getByRole('button', { name: 'Delete' }).click();
    await notice().getByText('By the sea is deleted.').waitFor();
    await waitFor(async () => (await page.locator('li.media-item').count()) === 1, { what: 'the deleted photo gone from the page' });
    expect((await library()).map((m) => m.originalName)).toEqual(['second.png']);
    expect(await closeUp.getByRole('button', { name: 'Move down' }).isDisabled()).toBe(true);
  });

  it('shows per item whether Filmmakers has it, and syncs media on demand', async () => {
    const closeUp = item('Close-up');
    await closeUp.getByText('on Filmmakers').waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
      console.log(JSON.stringify(await (await page.request.get(`${base}/api/media`)).json()), await closeUp.locator('.states').textContent());
      throw error;
    });
    await waitFor(() => portal.media(PORTAL_EMAIL).length === 1, { what: 'the photo on the portal' });
    await page.getByRole('button', { name: 'Sync media now: Filmmakers' }).click();
    await notice().getByText('Syncing media to Filmmakers…').waitFor();
    await shoot('media');
  });

  it('shows a file added on Filmmakers (found by a pull) as a conflict that can only be accepted', async () => {
    portal.addMedia(PORTAL_EMAIL, 'holiday.jpg', await image(800, 1000));
    await stack.temporal.workflow.execute('availabilityPullWorkflow', { taskQueue: WORKFLOW_TASK_QUEUE, workflowId: `dashboard-pull-${user.id}`, args: [{ userId: user.id, platformId: 'filmmakers' }] });
    await page.getByRole('link', { name: 'Conflicts' }).click();
    const conflict = page.locator('article.conflict', { has: page.getByRole('heading', { name: 'Filmmakers: media drift' }) });
    await conflict.waitFor();
    expect(await conflict.getByRole('region', { name: 'Filmmakers' }).textContent()).toContain('holiday.jpg');
    expect(await conflict.getByRole('button', { name: 'Keep ours' }).count()).toBe(0);
    expect(await conflict.getByRole('button', { name: 'Edit…' }).count()).toBe(0);
    await shoot('conflicts-media');
    await conflict.getByRole('button', { name: 'Accept theirs' }).click();
    await page.getByText('No open conflicts.').waitFor();
    expect(await stack.db.conflict.count({ where: { userId: user.id, kind: 'media_drift', status: 'resolved' } })).toBe(1);
    await page.getByRole('link', { name: 'Media' }).click();
  });

  it('is readable on a phone: nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { name: 'Media', level: 2 }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shoot('media-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('edits the profile with a private field, keeps it across a reload, and shows what Filmmakers cannot show', async () => {
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Profile', level: 2 }).waitFor();
    const form = page.getByRole('form', { name: 'Profile' });
    await form.getByText('Not saved yet').waitFor();

    await form.getByLabel('Height (cm)', { exact: true }).fill('182');
    await form.getByLabel('Weight (kg)', { exact: true }).fill('75');
    await form.getByLabel('Public: Weight (kg)').uncheck();
    await form.getByLabel('Eye colour', { exact: true }).selectOption('green');
    await form.getByLabel('Languages', { exact: true }).fill('German: native\nEnglish: Fluent');
    await form.getByRole('button', { name: 'Add a credit' }).click();
    await form.getByLabel('Category, row 1').selectOption('film');
    await form.getByLabel('Year, row 1').fill('2023');
    await form.getByLabel('Title, row 1').fill('Tatort');
    await form.getByLabel('Role type, row 1').selectOption('lead');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await notice().getByText('Profile saved (version 1); sending it to your platforms.').waitFor();

    const saved = await stack.db.profile.findUniqueOrThrow({ where: { userId: user.id } });
    expect(saved).toMatchObject({
      version: 1,
      fields: { heightCm: 182, weightKg: 75, eyeColour: 'green', languages: [{ name: 'German', level: 'native' }, { name: 'English', level: 'fluent' }], credits: [{ category: 'film', year: 2023, title: 'Tatort', roleType: 'lead' }] },
      visibility: { weightKg: 'private' },
    });

    // Filmmakers takes the public values; the private weight is not reported, the credits are.
    const filmmakers = page.locator('[data-profile-platform="filmmakers"]');
    await filmmakers.locator('.badge', { hasText: 'in step' }).waitFor({ timeout: 60_000 });
    await filmmakers.getByText('Filmmakers cannot show:').waitFor();
    expect(await filmmakers.locator('.unrepresentable li').allTextContents()).toEqual(['Credits: Filmmakers has no field for credits']);
    expect(portal.profile(PORTAL_EMAIL)).toMatchObject({ heightCm: 182, eyeColour: 'green', languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }] });

    await page.reload();
    await form.getByText('Version 1', { exact: false }).waitFor();
    expect(await form.getByLabel('Height (cm)', { exact: true }).inputValue()).toBe('182');
    expect(await form.getByLabel('Public: Weight (kg)').isChecked()).toBe(false);
    expect(await form.getByLabel('Public: Height (cm)').isChecked()).toBe(true);
    expect(await form.getByLabel('Languages', { exact: true }).inputValue()).toBe('German: native\nEnglish: fluent');
    expect(await form.getByLabel('Title, row 1').inputValue()).toBe('Tatort');
    await shoot('profile');
  });

  it("shows the API's refusal of a height of 400 cm and changes nothing", async () => {
    const form = page.getByRole('form', { name: 'Profile' });
    await form.getByLabel('Height (cm)', { exact: true }).fill('400');
    await form.getByLabel('Public: Weight (kg)').check();
    await form.getByRole('button', { name: 'Save profile' }).click();
    await form.getByRole('alert').getByText('Not saved: body/fields/heightCm must be <= 250').waitFor();
    expect(await stack.db.profile.findUniqueOrThrow({ where: { userId: user.id } })).toMatchObject({ version: 1, fields: { heightCm: 182 }, visibility: { weightKg: 'private' } });
    // What the user typed stays, to be corrected.
    expect(await form.getByLabel('Height (cm)', { exact: true }).inputValue()).toBe('400');

    // A playing age the API cannot take (from above to) is refused with its reason too.
    await form.getByLabel('Height (cm)', { exact: true }).fill('182');
    await form.getByLabel('Playing age from', { exact: true }).fill('40');
    await form.getByLabel('Playing age to', { exact: true }).fill('30');
    await form.getByRole('button', { name: 'Save profile' }).click();
    await form.getByRole('alert').getByText('Not saved: fields.playingAge: from (40) must not be above to (30)').waitFor();
    expect((await stack.db.profile.findUniqueOrThrow({ where: { userId: user.id } })).version).toBe(1);
  });

  it('makes the weight public: Filmmakers then reports it cannot show it; removing the credit clears that', async () => {
    const form = page.getByRole('form', { name: 'Profile' });
    await form.getByLabel('Playing age from', { exact: true }).fill('30');
    await form.getByLabel('Playing age to', { exact: true }).fill('40');
    await form.getByRole('button', { name: 'Remove credit 1' }).click();
    await form.getByRole('button', { name: 'Save profile' }).click();
    await notice().getByText('Profile saved (version 2); sending it to your platforms.').waitFor();
    const saved = await stack.db.profile.findUniqueOrThrow({ where: { userId: user.id } });
    expect(saved.visibility).toEqual({});
    expect(saved.fields).toMatchObject({ playingAge: { from: 30, to: 40 } });
    expect(saved.fields).not.toHaveProperty('credits');

    const filmmakers = page.locator('[data-profile-platform="filmmakers"]');
    await filmmakers.getByText('Has version 2 of 2', { exact: false }).waitFor({ timeout: 60_000 });
    expect(await filmmakers.locator('.unrepresentable li').allTextContents()).toEqual(['Weight (kg): Filmmakers has no field for weight']);
    expect(portal.profile(PORTAL_EMAIL)).toMatchObject({ playingAgeFrom: 30, playingAgeTo: 40 });

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await shoot('profile-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('sends the profile to Filmmakers again on demand, after it was changed there by hand', async () => {
    const pushes = () => stack.db.syncLog.count({ where: { userId: user.id, platformId: 'filmmakers', operation: 'update_profile', status: { not: 'pending' } } });
    const before = await pushes();
    await waitFor(() => portal.profile(PORTAL_EMAIL)?.heightCm !== undefined, { what: 'the profile on the portal' });
    const ours = portal.profile(PORTAL_EMAIL)!.heightCm;
    portal.profile(PORTAL_EMAIL)!.heightCm = 199; // edited on the portal's own page
    await page.getByRole('button', { name: 'Sync profile now: Filmmakers' }).click();
    await notice().getByText('Sending your profile to Filmmakers…').waitFor();
    await waitFor(async () => (await pushes()) > before && portal.profile(PORTAL_EMAIL)!.heightCm === ours, { what: 'our profile back on the portal' });
  });
});

// The portal simulator's media page and profile form, driven in real Chromium through the catalog's selectors
// (no Temporal involved), the way a later media and profile sync will drive them: uploads judged by content
// against the portal's rules with the refusal shown on the page, the thumbnail served with the session, the
// main-photo marker, delete (or hide, on a portal that cannot delete), and a server-validated profile form.
// The images are made in the test by Chromium's own canvas encoder, so they are real JPEG and PNG files.
import type { Page } from 'playwright';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { sharedBrowser } from '../adapters/browser/browser-pool.js';
import { getPlatform } from '../adapters/catalog.js';
import { inspectMedia } from '../simulators/portal/media-pages.js';
import { MEDIA_PATH, PROFILE_PATH, PortalSimulator } from '../simulators/portal/server.js';

const PASSWORD = 'correct horse battery staple';
const MAX_BYTES = 256 * 1024;
const s = getPlatform('filmmakers').browser!.selectors;
const hidingSelectors = getPlatform('casting-network').browser!.selectors;

let portal: PortalSimulator;
/** A portal where media can be hidden, not deleted (Casting Networks). */
let hidingPortal: PortalSimulator;
let page: Page;
let accounts = 0;

beforeAll(async () => {
  const mediaRules = { formats: ['jpeg', 'png'] as ('jpeg' | 'png')[], maxBytes: MAX_BYTES, minShortEdgePx: 300, maxItems: 3 };
  portal = new PortalSimulator({ name: 'Filmmakers', mediaRules });
  hidingPortal = new PortalSimulator({ name: 'Casting Network', mediaCanDelete: false });
  await Promise.all([portal.start(), hidingPortal.start()]);
  const browser = await sharedBrowser(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
  page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await closeBrowser();
  await Promise.all([portal?.stop(), hidingPortal?.stop()]);
});

beforeEach(async () => {
  portal.faults = {};
  await page.context().clearCookies();
});

/** A fresh account on `on`, signed in by opening `path` (the portal sends us to its login form and back). */
async function signedIn(path: string, on = portal): Promise<string> {
  const email = `actor-${(accounts += 1)}@portal.test`;
  on.addAccount(email, PASSWORD);
  await page.goto(new URL(path, on.url).toString());
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill(s.loginEmail!, email);
  await page.fill(s.loginPassword!, PASSWORD);
  await submit(s.loginSubmit!);
  expect(new URL(page.url()).pathname).toBe(path);
  return email;
}

/** Clicks a submit button; answers the HTTP status of the page the form leads to (after redirects). */
async function submit(selector: string): Promise<number> {
  const answered = page.waitForResponse((r) => r.request().isNavigationRequest() && (r.status() < 300 || r.status() >= 400));
  await page.click(selector);
  const response = await answered;
  await page.waitForLoadState('domcontentloaded');
  return response.status();
}

/** A real image file of this size, encoded by Chromium's canvas. (A string: the project's types have no DOM.) */
async function image(width: number, height: number, type: 'image/jpeg' | 'image/png'): Promise<Buffer> {
  const dataUrl = await page.evaluate<string>(`(() => {
    const canvas = document.createElement('canvas');
    canvas.width = ${width};
    canvas.height = ${height};
    const context = canvas.getContext('2d');
    context.fillStyle = '#c96';
    context.fillRect(0, 0, ${width}, ${height});
    return canvas.toDataURL('${type}', 0.8);
  })()`);
  return Buffer.from(dataUrl.split(',')[1]!, 'base64');
}

async function upload(name: string, buffer: Buffer, mimeType: string, credit = ''): Promise<number> {
  await page.setInputFiles(s.uploadFile!, { name, mimeType, buffer });
  await page.fill(s.uploadCredit!, credit);
  return submit(s.uploadSubmit!);
}

const pageErrors = async () => (await page.locator(s.formError!).allTextContents()).join(' ');
const listedNames = () => page.locator(`${s.mediaItem} ${s.mediaFileName}`).allTextContents();

describe('media page', () => {
  it('takes a JPEG, lists it with its thumbnail and the main-photo marker, and deletes it', async () => {
    const email = await signedIn(MEDIA_PATH);
    const jpeg = await image(600, 800, 'image/jpeg');
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));

    expect(await upload('headshot.jpg', jpeg, 'image/jpeg', 'Jane Doe')).toBe(200);
    expect(await page.locator(s.formNotice!).textContent()).toBe('Your file was uploaded.');
    const [stored] = portal.media(email);
    expect(portal.media(email)).toEqual([
      { id: expect.any(String), fileName: 'headshot.jpg', type: 'photo', format: 'jpeg', contentType: 'image/jpeg', bytes: jpeg.length, width: 600, height: 800, main: true, hidden: false, credit: 'Jane Doe' },
    ]);
    expect(portal.mediaContent(email, stored!.id)).toEqual(jpeg);

    const item = page.locator(s.mediaItem!);
    expect(await item.locator(s.mediaFileName!).textContent()).toBe('headshot.jpg');
    expect(await item.locator(s.mediaDimensions!).textContent()).toBe('600 × 800');
    expect(await item.locator(s.mediaMainMarker!).count()).toBe(1);
    expect(await item.locator(s.mediaId!).first().getAttribute('value')).toBe(stored!.id);
    // The thumbnail is the stored file, served to the signed-in browser.
    const loadedWidth = (img: unknown) => {
      const loaded = img as { complete: boolean; naturalWidth: number };
      return loaded.complete ? loaded.naturalWidth : 0;
    };
    await expect.poll(() => item.locator(s.mediaThumbnail!).evaluate(loadedWidth)).toBe(600);

    // A second photo does not take the marker; deleting the main photo passes it on.
    expect(await upload('profile.png', await image(400, 300, 'image/png'), 'image/png')).toBe(200);
    expect(await listedNames()).toEqual(['headshot.jpg', 'profile.png']);
    expect(await submit(`${s.mediaItem}:has-text("headshot.jpg") ${s.mediaDelete}`)).toBe(200);
    expect(await listedNames()).toEqual(['profile.png']);
    expect(portal.media(email)).toEqual([expect.objectContaining({ fileName: 'profile.png', format: 'png', width: 400, height: 300, main: true })]);
    expect(portal.mediaContent(email, stored!.id)).toBeUndefined();
    expect(await page.locator(`${s.mediaItem} ${s.mediaMainMarker}`).count()).toBe(1);
  });

  it('refuses a too-small image, a PDF named .jpg and an oversized file, saying why on the page', async () => {
    const email = await signedIn(MEDIA_PATH);
    const refusedBefore = portal.counters.mediaRefused;

    expect(await upload('tiny.jpg', await image(200, 150, 'image/jpeg'), 'image/jpeg')).toBe(422);
    expect(await pageErrors()).toBe('"tiny.jpg" is too small (200 × 150 px): both edges must be at least 300 px.');

    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    expect(await upload('cv.jpg', pdf, 'image/jpeg')).toBe(422);
    expect(await pageErrors()).toBe('"cv.jpg" is not a JPEG or PNG file. Only these formats can be uploaded.');

    const oversized = Buffer.concat([await image(400, 400, 'image/jpeg'), Buffer.alloc(MAX_BYTES)]);
    expect(await upload('huge.jpg', oversized, 'image/jpeg')).toBe(422);
    expect(await pageErrors()).toBe('"huge.jpg" is larger than 0.25 MB.');

    expect(portal.media(email)).toEqual([]);
    expect(await page.locator(s.mediaItem!).count()).toBe(0);
    expect(portal.counters.mediaRefused).toBe(refusedBefore + 3);
  });

  it('refuses uploads beyond the quota', async () => {
    const email = await signedIn(MEDIA_PATH);
    const png = await image(320, 320, 'image/png');
    for (const n of [1, 2, 3]) expect(await upload(`photo-${n}.png`, png, 'image/png')).toBe(200);
    expect(await page.locator(s.mediaQuota!).textContent()).toBe('3 of 3 photos and videos');

    expect(await upload('photo-4.png', png, 'image/png')).toBe(422);
    expect(await pageErrors()).toBe('You have reached the limit of 3 photos and videos.');
    expect(portal.media(email).map((m) => m.fileName)).toEqual(['photo-1.png', 'photo-2.png', 'photo-3.png']);
  });

  it('hides (and shows again) instead of deleting on a portal that cannot delete media', async () => {
    const email = await signedIn(MEDIA_PATH, hidingPortal);
    expect(await upload('a.jpg', await image(300, 400, 'image/jpeg'), 'image/jpeg')).toBe(200);
    expect(await upload('b.jpg', await image(300, 400, 'image/jpeg'), 'image/jpeg')).toBe(200);
    expect(await page.locator(`${hidingSelectors.mediaItem} ${s.mediaDelete}`).count()).toBe(0);

    expect(await submit(`${hidingSelectors.mediaItem}:has-text("a.jpg") ${hidingSelectors.mediaHide}`)).toBe(200);
    expect(hidingPortal.media(email).map((m) => [m.fileName, m.hidden, m.main])).toEqual([['a.jpg', true, false], ['b.jpg', false, true]]);
    const hidden = page.locator(`${hidingSelectors.mediaItem}:has-text("a.jpg")`);
    expect(await hidden.locator(hidingSelectors.mediaHiddenMarker!).textContent()).toBe('Hidden');

    expect(await submit(`${hidingSelectors.mediaItem}:has-text("a.jpg") ${hidingSelectors.mediaShow}`)).toBe(200);
    expect(hidingPortal.media(email).map((m) => [m.fileName, m.hidden])).toEqual([['a.jpg', false], ['b.jpg', false]]);
  });
});

describe('file signatures and image headers', () => {
  it('tells the formats apart by content and reads the size past an EXIF segment', () => {
    const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
    // SOI, APP1 (EXIF), SOF2 (progressive) with 8-bit samples, height 0x0500 = 1280, width 0x03c0 = 960.
    const jpeg = Buffer.from([0xff, 0xd8, ...segment(0xe1, [0x45, 0x78, 0x69, 0x66, 0, 0]), ...segment(0xc2, [8, 0x05, 0x00, 0x03, 0xc0, 3])]);
    expect(inspectMedia(jpeg)).toEqual({ format: 'jpeg', size: { width: 960, height: 1280 } });
    const gif = Buffer.from([...Buffer.from('GIF89a'), 0x40, 0x01, 0xf0, 0x00]);
    expect(inspectMedia(gif)).toEqual({ format: 'gif', size: { width: 320, height: 240 } });
    const box = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x14]), Buffer.from(`ftyp${brand}`), Buffer.alloc(8)]);
    expect(inspectMedia(box('isom'))).toEqual({ format: 'mp4', size: null });
    expect(inspectMedia(box('qt  '))).toEqual({ format: 'mov', size: null });
    expect(inspectMedia(Buffer.from('%PDF-1.7 not an image'))).toBeNull();
    expect(inspectMedia(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toEqual({ format: 'jpeg', size: null });
  });
});

describe('profile form', () => {
  it('shows the refusals of bad values and keeps them in the form, then stores good ones', async () => {
    const email = await signedIn(PROFILE_PATH);
    await page.fill(s.profilePlayingAgeFrom!, '40');
    await page.fill(s.profilePlayingAgeTo!, '25');
    await page.fill(s.profileHeight!, '999');
    await page.fill(s.profileLanguages!, 'German: native\nKlingon - expert');
    expect(await submit(s.profileSubmit!)).toBe(422);
    expect(await page.locator(`${s.formError} li`).allTextContents()).toEqual([
      'Playing age to must not be below playing age from.',
      'Height must be a whole number from 50 to 250.',
      'Languages, line 2 ("Klingon - expert"): write "Language: level" with a level of native, fluent, good, basic.',
    ]);
    expect(await page.inputValue(s.profileHeight!)).toBe('999');
    expect(portal.profile(email)).toMatchObject({ heightCm: null, languages: [] });

    await page.fill(s.profilePlayingAgeFrom!, '25');
    await page.fill(s.profilePlayingAgeTo!, '35');
    await page.fill(s.profileHeight!, '182');
    await page.selectOption(s.profileEyeColour!, 'green');
    await page.fill(s.profileLanguages!, 'German: native\nEnglish: Fluent');
    await page.fill(s.profileSkills!, 'Stage combat\nHorse riding\nstage combat');
    expect(await submit(s.profileSubmit!)).toBe(200);
    expect(await page.locator(s.formNotice!).textContent()).toBe('Your profile was saved.');
    expect(portal.profile(email)).toEqual({
      playingAgeFrom: 25,
      playingAgeTo: 35,
      heightCm: 182,
      eyeColour: 'green',
      languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }],
      skills: ['Stage combat', 'Horse riding'],
    });
    // The form shows what is stored.
    await page.reload();
    expect(await page.inputValue(s.profileHeight!)).toBe('182');
    expect(await page.inputValue(s.profileEyeColour!)).toBe('green');
    expect(await page.inputValue(s.profileLanguages!)).toBe('German: native\nEnglish: fluent');
  });
});

describe('the portal faults apply to the new pages', () => {
  it('answers a 5xx page, shows the cookie banner, and after a logout on a form post returns to the form page once signed in', async () => {
    const email = await signedIn(PROFILE_PATH);
    portal.faults = { failNext: { count: 1, status: 503 } };
    expect((await page.goto(new URL(MEDIA_PATH, portal.url).toString()))!.status()).toBe(503);
    expect((await page.goto(new URL(MEDIA_PATH, portal.url).toString()))!.status()).toBe(200);

    portal.faults = { cookieBanner: true };
    await page.goto(new URL(PROFILE_PATH, portal.url).toString());
    expect(await page.locator(s.cookieBanner!).isVisible()).toBe(true);
    expect(await submit(s.cookieAccept!)).toBe(200);
    expect(new URL(page.url()).pathname).toBe(PROFILE_PATH);

    // The portal ends the session on the form post: the browser lands on the login page, and back on the form after.
    portal.faults = { logoutNext: 1 };
    await page.fill(s.profileHeight!, '175');
    await submit(s.profileSubmit!);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe(PROFILE_PATH);
    await page.fill(s.loginEmail!, email);
    await page.fill(s.loginPassword!, PASSWORD);
    await submit(s.loginSubmit!);
    expect(new URL(page.url()).pathname).toBe(PROFILE_PATH);
    expect(portal.profile(email)?.heightCm).toBeNull();

    // The same for an upload, whose body the portal never reads.
    await page.goto(new URL(MEDIA_PATH, portal.url).toString());
    portal.faults = { logoutNext: 1 };
    await upload('late.png', await image(320, 320, 'image/png'), 'image/png');
    expect(`${new URL(page.url()).pathname}?${new URL(page.url()).searchParams}`).toBe(`/login?next=${encodeURIComponent(MEDIA_PATH)}`);
    expect(portal.media(email)).toEqual([]);
  });
});

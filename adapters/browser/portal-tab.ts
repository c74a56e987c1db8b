// One browser tab on a portal, shared by the page objects: it navigates and submits forms, checks each page's
// HTTP status (5xx and 429 become retryable PlatformErrors), dismisses the cookie banner, notices when the
// portal sent us to its login page, and reports every page step (which heartbeats the activity).
import type { Locator, Page, Request, Response } from 'playwright';
import type { PlatformEntry } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import type { RequestBudget } from '../types.js';
import { PlatformError, errorForStatus, networkError } from '../errors.js';

/** Longest wait for one page or element; a portal slower than this counts as down (retryable). */
export const STEP_TIMEOUT_MS = 30_000;

const SELECTOR_NAMES = [
  'loginEmail', 'loginPassword', 'loginSubmit', 'formError', 'cookieBanner', 'cookieAccept',
  'entryRow', 'entryId', 'entryFrom', 'entryTo', 'entryState', 'entryComment', 'entryDelete',
  'addFrom', 'addTo', 'addState', 'addComment', 'addSubmit',
] as const;
/** Required when the catalog names a media page; it also needs mediaDelete or, where media can only be hidden, mediaHide. */
const MEDIA_SELECTOR_NAMES = [
  'mediaItem', 'mediaId', 'mediaFileName', 'mediaThumbnail', 'mediaMainMarker', 'mediaMakeMain',
  'uploadFile', 'uploadCredit', 'uploadSubmit',
] as const;
/** Where a portal offers them: delete, or hide / show with a marker on hidden items. */
type OptionalMediaSelectorName = 'mediaDelete' | 'mediaHide' | 'mediaShow' | 'mediaHiddenMarker';
/** Required when the catalog names a profile form. */
const PROFILE_SELECTOR_NAMES = [
  'profilePlayingAgeFrom', 'profilePlayingAgeTo', 'profileHeight', 'profileEyeColour', 'profileLanguages', 'profileSkills', 'profileSubmit',
] as const;
export type SelectorName =
  | (typeof SELECTOR_NAMES)[number]
  | (typeof MEDIA_SELECTOR_NAMES)[number]
  | OptionalMediaSelectorName
  | (typeof PROFILE_SELECTOR_NAMES)[number];

/** A portal's pages, from the catalog. */
export interface PortalSite {
  name: string;
  baseUrl: string;
  loginPath: string;
  calendarPath: string;
  mediaPath?: string;
  profilePath?: string;
  /** The portal's answer to a wrong e-mail or password (catalog browser.wrongPassword). */
  wrongPassword: { selector: string; text: string };
  /** Every selector the catalog lists; portalSite checked that those the portal's pages need are there. */
  selectors: Partial<Record<SelectorName, string>>;
  /** The catalog's cap on a wait the portal asks for (adapters/retry-delay.ts). */
  maxRetryWaitMs?: number;
}

export function portalSite(platform: PlatformEntry, baseUrl: string): PortalSite {
  const settings = platform.browser;
  if (!settings) throw new Error(`the catalog has no browser settings for ${platform.name}`);
  const needed: SelectorName[] = [
    ...SELECTOR_NAMES,
    ...(settings.mediaPath ? MEDIA_SELECTOR_NAMES : []),
    ...(settings.profilePath ? PROFILE_SELECTOR_NAMES : []),
  ];
  const missing = needed.filter((name) => !settings.selectors[name]);
  if (settings.mediaPath && !settings.selectors.mediaDelete && !settings.selectors.mediaHide) missing.push('mediaDelete');
  // Without the marker a hidden item would look visible, and be hidden again on every push.
  if (settings.mediaPath && settings.selectors.mediaHide && !settings.selectors.mediaHiddenMarker) missing.push('mediaHiddenMarker');
  if (missing.length) throw new Error(`the catalog lacks ${platform.name} selectors: ${missing.join(', ')}`);
  return {
    name: platform.name,
    baseUrl,
    loginPath: settings.loginPath,
    calendarPath: settings.calendarPath,
    mediaPath: settings.mediaPath,
    profilePath: settings.profilePath,
    wrongPassword: settings.wrongPassword,
    selectors: settings.selectors,
    maxRetryWaitMs: platform.maxRetryWaitMs,
  };
}

/** The portal showed its login page where we expected a signed-in page: the session is gone. */
export class SessionLost extends Error {
  constructor() {
    super('the portal ended the session');
  }
}

export class PortalTab {
  /** Pages loaded (each navigation, redirects included, counts once). */
  pageLoads = 0;
  /** The cookie banner was accepted here, so the stored session lacks the consent cookie. */
  consentGiven = false;

  constructor(
    readonly page: Page,
    readonly site: PortalSite,
    private readonly onStep: (detail: string) => void,
    /** The account's request quota (lib/request-quotas.ts): every page load spends from it. */
    private readonly quota?: RequestBudget,
  ) {}

  /** A selector the page needs (portalSite checked the catalog has it). */
  selector(name: SelectorName): string {
    const selector = this.site.selectors[name];
    if (!selector) throw new Error(`the catalog lacks the ${this.site.name} selector ${name}`);
    return selector;
  }

  /** A selector only some portals have; undefined where this one has none. */
  optionalSelector(name: SelectorName): string | undefined {
    return this.site.selectors[name];
  }

  /** The refusals the page shows, in the portal's own words (a list's items each on their own), as one text. */
  async formErrors(fallback = 'refused without a message'): Promise<string> {
    // Runs in the page: no named helpers (see CalendarPage.rows).
    const problems = await this.page.locator(this.selector('formError')).evaluateAll((elements) =>
      elements.flatMap((element) => {
        const items = [...element.querySelectorAll('li')];
        return (items.length ? items : [element]).map((node) => (node.textContent ?? '').replace(/\s+/g, ' ').trim());
      }),
    );
    return problems.filter(Boolean).join(' ') || fallback;
  }

  /** The error for a form the portal did not take: a refusal (400, 422) in the portal's own words, or the status's error. */
  async formFailure(status: number, what: string): Promise<PlatformError> {
    const words = await this.formErrors();
    if (status === 400 || status === 422) return new PlatformError(ErrorType.validation, `${this.site.name} refused ${what}: ${words}`, false, { status });
    return errorForStatus(this.site.name, status, words);
  }

  /** Reports progress (which heartbeats the activity) while one long step runs. */
  report(detail: string): void {
    this.onStep(detail);
  }

  onLoginPage(): boolean {
    return new URL(this.page.url()).pathname === this.site.loginPath;
  }

  assertSignedIn(): void {
    if (this.onLoginPage()) throw new SessionLost();
  }

  /** Loads a page of the portal; answers its HTTP status (below 500). */
  async open(path: string, step: string): Promise<number> {
    await this.quota?.take();
    const response = await this.page.goto(new URL(path, this.site.baseUrl).toString(), { waitUntil: 'domcontentloaded' });
    return this.settle(response, step);
  }

  /** Loads a signed-in page; throws SessionLost when the portal sends us to its login page instead. */
  async openSignedIn(path: string, step: string): Promise<void> {
    const status = await this.open(path, step);
    this.assertSignedIn();
    if (status >= 400) throw errorForStatus(this.site.name, status, await this.page.title());
  }

  /**
   * Clicks a submit button and waits for the page the form leads to; answers its HTTP status (below 500). An
   * upload may take longer than one step: `timeoutMs` then says how long the portal may take to answer.
   */
  async submit(button: Locator, step: string, timeoutMs = STEP_TIMEOUT_MS): Promise<number> {
    await this.quota?.take();
    const response = await navigationBy(this.page, this.site.name, () => button.click(), timeoutMs);
    return this.settle(response, step);
  }

  private async settle(response: Response | null, step: string, consentRound = 0): Promise<number> {
    this.pageLoads += 1;
    this.onStep(step);
    const status = response?.status() ?? 200;
    if (status >= 500 || status === 429) {
      throw errorForStatus(this.site, status, await this.page.title(), await response?.allHeaders());
    }
    const banner = this.page.locator(this.selector('cookieBanner'));
    if (!(await banner.isVisible())) return status;
    if (consentRound > 0) throw new PlatformError(ErrorType.server, `${this.site.name} kept showing its cookie banner after we accepted it`, true);
    await this.quota?.take();
    const accepted = await navigationBy(this.page, this.site.name, () => this.page.locator(this.selector('cookieAccept')).click());
    this.consentGiven = true;
    return this.settle(accepted, 'accepted the cookie banner', consentRound + 1);
  }
}

/**
 * Runs an action that navigates the tab (a form submit) and answers the final response, after redirects, once
 * the new page is loaded. A navigation the browser could not complete becomes a retryable network error.
 */
async function navigationBy(page: Page, platformName: string, action: () => Promise<void>, timeout = STEP_TIMEOUT_MS): Promise<Response> {
  const main = page.mainFrame();
  const isNavigation = (request: Request) => request.isNavigationRequest() && request.frame() === main;
  const answered = page.waitForResponse((r) => isNavigation(r.request()) && !(r.status() >= 300 && r.status() < 400), { timeout });
  const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === main, timeout });
  const failed = page.waitForEvent('requestfailed', { predicate: isNavigation, timeout });
  // Whichever of these loses the race below rejects later (timeout, page closed): that must not go unhandled.
  for (const pending of [answered, committed, failed]) pending.catch(() => undefined);
  await action();
  const response = await Promise.race([
    Promise.all([answered, committed]).then(([r]) => r),
    failed.then((request) => {
      throw networkError(platformName, request.failure()?.errorText ?? 'navigation failed');
    }),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return response;
}

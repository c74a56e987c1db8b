// One browser tab on a portal, shared by the page objects: it navigates and submits forms, checks each page's
// HTTP status (5xx and 429 become retryable PlatformErrors), dismisses the cookie banner, notices when the
// portal sent us to its login page, and reports every page step (which heartbeats the activity).
import type { Locator, Page, Request, Response } from 'playwright';
import type { PlatformEntry } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import { PlatformError, errorForStatus, networkError } from '../errors.js';

/** Longest wait for one page or element; a portal slower than this counts as down (retryable). */
export const STEP_TIMEOUT_MS = 30_000;

const SELECTOR_NAMES = [
  'loginEmail', 'loginPassword', 'loginSubmit', 'formError', 'cookieBanner', 'cookieAccept',
  'entryRow', 'entryId', 'entryFrom', 'entryTo', 'entryState', 'entryComment', 'entryDelete',
  'addFrom', 'addTo', 'addState', 'addComment', 'addSubmit',
] as const;
export type SelectorName = (typeof SELECTOR_NAMES)[number];

/** A portal's pages, from the catalog. */
export interface PortalSite {
  name: string;
  baseUrl: string;
  loginPath: string;
  calendarPath: string;
  selectors: Record<SelectorName, string>;
}

export function portalSite(platform: PlatformEntry, baseUrl: string): PortalSite {
  const settings = platform.browser;
  if (!settings) throw new Error(`the catalog has no browser settings for ${platform.name}`);
  const missing = SELECTOR_NAMES.filter((name) => !settings.selectors[name]);
  if (missing.length) throw new Error(`the catalog lacks ${platform.name} selectors: ${missing.join(', ')}`);
  return {
    name: platform.name,
    baseUrl,
    loginPath: settings.loginPath,
    calendarPath: settings.calendarPath,
    selectors: settings.selectors as Record<SelectorName, string>,
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
  ) {}

  selector(name: SelectorName): string {
    return this.site.selectors[name];
  }

  onLoginPage(): boolean {
    return new URL(this.page.url()).pathname === this.site.loginPath;
  }

  assertSignedIn(): void {
    if (this.onLoginPage()) throw new SessionLost();
  }

  /** Loads a page of the portal; answers its HTTP status (below 500). */
  async open(path: string, step: string): Promise<number> {
    const response = await this.page.goto(new URL(path, this.site.baseUrl).toString(), { waitUntil: 'domcontentloaded' });
    return this.settle(response, step);
  }

  /** Clicks a submit button and waits for the page the form leads to; answers its HTTP status (below 500). */
  async submit(button: Locator, step: string): Promise<number> {
    const response = await navigationBy(this.page, this.site.name, () => button.click());
    return this.settle(response, step);
  }

  private async settle(response: Response | null, step: string, consentRound = 0): Promise<number> {
    this.pageLoads += 1;
    this.onStep(step);
    const status = response?.status() ?? 200;
    if (status >= 500 || status === 429) {
      throw errorForStatus(this.site.name, status, await this.page.title(), await response?.headerValue('retry-after'));
    }
    const banner = this.page.locator(this.selector('cookieBanner'));
    if (!(await banner.isVisible())) return status;
    if (consentRound > 0) throw new PlatformError(ErrorType.server, `${this.site.name} kept showing its cookie banner after we accepted it`, true);
    const accepted = await navigationBy(this.page, this.site.name, () => this.page.locator(this.selector('cookieAccept')).click());
    this.consentGiven = true;
    return this.settle(accepted, 'accepted the cookie banner', consentRound + 1);
  }
}

/**
 * Runs an action that navigates the tab (a form submit) and answers the final response, after redirects, once
 * the new page is loaded. A navigation the browser could not complete becomes a retryable network error.
 */
async function navigationBy(page: Page, platformName: string, action: () => Promise<void>): Promise<Response> {
  const main = page.mainFrame();
  const isNavigation = (request: Request) => request.isNavigationRequest() && request.frame() === main;
  const answered = page.waitForResponse((r) => isNavigation(r.request()) && !(r.status() >= 300 && r.status() < 400));
  const committed = page.waitForEvent('framenavigated', { predicate: (frame) => frame === main });
  const failed = page.waitForEvent('requestfailed', { predicate: isNavigation });
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

// The browser-automation kind (Filmmakers, Casting Network, Schauspielervideos): portals without a write API,
// driven through their web pages with Playwright in the worker's shared Chromium, one BrowserContext per call.
// The last good session (Playwright storageState) is kept with the credentials, so a push signs in only when
// the portal has ended that session. A push reads the calendar, then adds and deletes only what differs among
// the entries carrying our marker (see calendar-entries.ts); the portal has no edit form, so an edit is an add
// of the new version followed by the delete of the old one, and the calendar never lacks a wanted entry. A pull
// reads the calendar page too: the platform's read-only partner API (partner-api.ts) has no calendar; it serves
// the profile and its pictures and showreels to the drift reads when the connection holds a token. Media go
// through the portal's media page (media-page.ts), the profile through its form (profile-page.ts). A lost session
// is signed into again inside the call (signedIn); only the portal's wrong-password answer is an auth failure.
import { errors as playwrightErrors, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright';
import type { PlatformEntry } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import { PlatformError, networkError, sessionError } from '../errors.js';
import type {
  AdapterContext,
  AvailabilityItem,
  MediaUpload,
  PlatformAdapter,
  PlatformAvailabilityItem,
  PlatformMediaOps,
  PlatformProfileValues,
  ProfileUpdateResult,
  SyncResult,
} from '../types.js';
import { saveFailureArtifacts } from './artifacts.js';
import { sharedBrowser } from './browser-pool.js';
import { fromPortalRow, markerRef, planCalendar, type PortalRow } from './calendar-entries.js';
import { CalendarPage } from './calendar-page.js';
import { LoginPage } from './login-page.js';
import { MediaPage } from './media-page.js';
import { PartnerApiClient } from './partner-api.js';
import { PortalTab, STEP_TIMEOUT_MS, SessionLost, portalSite, type PortalSite } from './portal-tab.js';
import { ProfilePage, portalProfileValues } from './profile-page.js';
import { withFileNamed } from './upload-file.js';

export { closeBrowser } from './browser-pool.js';

/** Sign-ins one call may make when the portal keeps ending the session; more means the portal is misbehaving. */
const MAX_SIGN_INS = 3;
/** Wait before the second sign-in of one call, doubled for each further one (the first is at once). */
const SIGN_IN_BACKOFF_MS = 1_000;

/** The portal ended the session, or a sign-in did not get through although the password was not refused. */
const isLostSession = (error: unknown) => error instanceof SessionLost || (error instanceof PlatformError && error.type === ErrorType.session);

export class BrowserAdapter implements PlatformAdapter {
  readonly platform: PlatformEntry;
  /** Portals with a media page (catalog capabilities.media and browser.mediaPath). */
  readonly media?: PlatformMediaOps;
  /** Portals with a profile form (catalog capabilities.profile and browser.profilePath). */
  readonly updateProfile?: (values: PlatformProfileValues) => Promise<ProfileUpdateResult>;
  private readonly site: PortalSite;

  constructor(private readonly context: AdapterContext) {
    this.platform = context.platform;
    this.site = portalSite(context.platform, context.baseUrl);
    const { capabilities } = context.platform;
    if (capabilities.media && this.site.mediaPath) this.media = this.mediaOps();
    if (capabilities.profile && this.site.profilePath) this.updateProfile = (values) => this.saveProfile(values);
  }

  async authenticate(): Promise<boolean> {
    try {
      await this.withPortal((tab) => this.openMainPage(tab));
      return true;
    } catch (error) {
      if (error instanceof PlatformError && error.type === ErrorType.auth) return false;
      throw error;
    }
  }

  /** Reads the calendar page: the partner API has no calendar (its documentation lists none). */
  async pullAvailability(): Promise<PlatformAvailabilityItem[]> {
    const rows = await this.withPortal((tab) => new CalendarPage(tab).open());
    return rows.map(fromPortalRow);
  }

  /** The platform's read-only partner API when the connection holds a token for it (profile and media reads). */
  partnerApi(): PartnerApiClient | null {
    return PartnerApiClient.for(this.context);
  }

  /** The profile as the partner API shows it, with no browser; null without a token. */
  async readProfileForDrift(): Promise<PlatformProfileValues | null> {
    const api = this.partnerApi();
    return api ? api.profileForDrift() : null;
  }

  async pushAvailability(desired: AvailabilityItem[]): Promise<SyncResult> {
    // Marker refs of our entries changed on the portal; kept across a sign-in that restarts the work.
    const changed = new Set<string>();
    const rejected = new Map<string, string>();
    let pageLoads = 0;
    const shown = await this.withPortal(async (tab) => {
      const rows = await this.reconcile(new CalendarPage(tab), desired, changed, rejected);
      pageLoads = tab.pageLoads;
      const kept = planCalendar(rows, desired).keep;
      this.assertAddsShown(desired, kept, rejected);
      return kept;
    });
    const confirmed = Object.fromEntries([...shown].map(([id, row]) => [id, row.externalId]));
    return {
      itemsProcessed: changed.size,
      requests: pageLoads,
      confirmed,
      rejected: [...rejected].map(([id, reason]) => ({ id, reason })),
    };
  }

  /** Makes the calendar hold exactly `desired` among our entries; answers the calendar's rows afterwards. */
  private async reconcile(calendar: CalendarPage, desired: AvailabilityItem[], changed: Set<string>, rejected: Map<string, string>): Promise<PortalRow[]> {
    const rows = await calendar.open();
    const plan = planCalendar(rows, desired);
    for (const { item, entry } of plan.add) {
      const refusal = await calendar.add(entry);
      if (refusal) rejected.set(item.id, refusal);
      else {
        rejected.delete(item.id);
        changed.add(markerRef(item.id));
      }
    }
    // An entry whose new version the portal refused keeps its old version: outdated beats missing.
    const refused = new Set([...rejected.keys()].map(markerRef));
    const removals = plan.remove.filter((r) => !refused.has(r.ourRef));
    for (const { row, ourRef } of removals) {
      await calendar.remove(row.externalId);
      changed.add(ourRef);
    }
    // After a form the portal shows the calendar again, so the final state needs no extra page load.
    return plan.add.length || removals.length ? calendar.rows() : rows;
  }

  /** The page the connection is for: the calendar, or on a portal castsync only sends media to, the media page. */
  private async openMainPage(tab: PortalTab): Promise<void> {
    const { capabilities } = this.platform;
    const calendarUsed = capabilities.pushAvailability || capabilities.pullAvailability;
    if (!calendarUsed && this.site.mediaPath) await new MediaPage(tab).open();
    else await new CalendarPage(tab).open();
  }

  private mediaOps(): PlatformMediaOps {
    return {
      listMedia: () => this.withPortal((tab) => new MediaPage(tab).open()),
      listMediaForDrift: async () => (await this.partnerApi()?.mediaForDrift()) ?? null,
      uploadMedia: (upload, onSent) => this.uploadMedia(upload, onSent),
      deleteMedia: (externalId) => this.withPortal((tab) => new MediaPage(tab).remove(externalId)),
      setMainMedia: (externalId) => this.withPortal((tab) => new MediaPage(tab).makeMain(externalId)),
    };
  }

  /** Sends the file under upload.fileName, which carries our reference: the portal keeps nothing else of ours. */
  private uploadMedia(upload: MediaUpload, onSent?: (bytesSent: number) => void): Promise<{ externalId: string }> {
    return withFileNamed(upload.path, upload.fileName, async (path) => {
      const file = { path, fileName: upload.fileName, ref: upload.ref, bytes: upload.bytes, credit: upload.photographerCredit ?? '' };
      const externalId = await this.withPortal((tab) => new MediaPage(tab).upload(file, onSent));
      return { externalId };
    });
  }

  private async saveProfile(values: PlatformProfileValues): Promise<ProfileUpdateResult> {
    const formValues = portalProfileValues(this.platform.name, values);
    let pageLoads = 0;
    await this.withPortal(async (tab) => {
      await new ProfilePage(tab).save(formValues);
      pageLoads = tab.pageLoads;
    });
    return { requests: pageLoads };
  }

  /**
   * Entries the portal took but its calendar does not show mean the page no longer matches the catalog's
   * selectors. Pushing again would add them again each time, so this stops, not retried, until someone looks.
   */
  private assertAddsShown(desired: AvailabilityItem[], shown: Map<string, PortalRow>, rejected: Map<string, string>): void {
    const missing = desired.filter((item) => !shown.has(item.id) && !rejected.has(item.id));
    if (!missing.length) return;
    throw new PlatformError(
      ErrorType.client,
      `${this.platform.name} took ${missing.length} entries but its calendar page does not show them; the page may have changed (check the catalog's selectors)`,
      false,
    );
  }

  /**
   * Runs `work` in a fresh BrowserContext started from the stored session, signing in whenever the portal shows
   * its login page. Any failure leaves a screenshot and the page's HTML and becomes a PlatformError.
   */
  private async withPortal<T>(work: (tab: PortalTab) => Promise<T>): Promise<T> {
    let browserContext: BrowserContext | undefined;
    let page: Page | undefined;
    try {
      browserContext = await (await sharedBrowser(this.context.chromiumPath ?? '/usr/bin/chromium')).newContext({ storageState: this.storedSession() });
      browserContext.setDefaultTimeout(STEP_TIMEOUT_MS);
      page = await browserContext.newPage();
      const tab = new PortalTab(page, this.site, (step) => this.context.onProgress?.(`${this.platform.name}: ${step}`), this.context.quotas?.account);
      const result = await this.signedIn(tab, browserContext, () => work(tab));
      if (tab.consentGiven) await this.saveSession(browserContext);
      return result;
    } catch (error) {
      throw await this.failure(error, page);
    } finally {
      await browserContext?.close().catch(() => undefined);
    }
  }

  /**
   * Runs `work`, signing in whenever the portal ended the session (SessionLost) or a sign-in did not get through
   * without the portal refusing the password (a PlatformSessionError: logged out again on the way in, an empty
   * form). The first sign-in is at once (a stored session that expired is everyday business); each further one
   * waits a growing backoff and keeps the page that failed (screenshot and HTML) for a person to look at. After
   * MAX_SIGN_INS the attempt ends with a retryable PlatformSessionError and Temporal's retry policy takes over.
   */
  private async signedIn<T>(tab: PortalTab, browserContext: BrowserContext, work: () => Promise<T>): Promise<T> {
    let signIns = 0;
    for (;;) {
      try {
        if (signIns > 0) {
          const { email, password } = this.context.credentials;
          // After a sign-in that did not get through, the tab still shows its answer: ask for a new form.
          if (signIns > 1) await tab.open(this.site.loginPath, 'opened the login page again');
          await new LoginPage(tab).signIn(email, password);
          tab.consentGiven = false; // the session saved now holds the consent cookie too
          await this.saveSession(browserContext);
        }
        return await work();
      } catch (error) {
        if (!isLostSession(error)) throw error;
        if (signIns >= MAX_SIGN_INS) {
          const why = error instanceof PlatformError ? ` (last: ${error.message})` : '';
          throw sessionError(this.platform.name, `the portal ended our session or refused to sign us in ${signIns + 1} times in one sync${why}`);
        }
        if (signIns > 0) await this.pauseBeforeSignIn(tab, error, signIns);
        signIns += 1;
      }
    }
  }

  /** Keeps the page that ended the session, then waits SIGN_IN_BACKOFF_MS, doubled for each further sign-in. */
  private async pauseBeforeSignIn(tab: PortalTab, error: unknown, signIns: number): Promise<void> {
    const dir = this.context.artifactsDir;
    const artifact = dir ? await saveFailureArtifacts(tab.page, dir, this.platform.id).catch(() => undefined) : undefined;
    const waitMs = SIGN_IN_BACKOFF_MS * 2 ** (signIns - 1);
    const what = error instanceof Error ? error.message : String(error);
    tab.report(`session lost again (${what})${artifact ? `, page kept as ${artifact}` : ''}; signing in again in ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** The last good session, if one is stored and looks like a Playwright storageState. */
  private storedSession(): BrowserContextOptions['storageState'] {
    const state = this.context.credentials.sessionState as { cookies?: unknown; origins?: unknown } | undefined;
    if (!state || !Array.isArray(state.cookies) || !Array.isArray(state.origins)) return undefined;
    return state as BrowserContextOptions['storageState'];
  }

  private async saveSession(browserContext: BrowserContext): Promise<void> {
    const sessionState = await browserContext.storageState();
    await this.context.credentialStore.update(async (current) => ({ ...current, sessionState }));
  }

  /** The error to throw: typed for the retry policy, with the failure's screenshot attached. */
  private async failure(error: unknown, page: Page | undefined): Promise<PlatformError> {
    const typed = this.typed(error);
    // A quota wait is castsync pacing itself: the page shows nothing worth keeping.
    if (typed.type === ErrorType.quotaWait) return typed;
    const dir = this.context.artifactsDir;
    const artifactPath = page && dir ? await saveFailureArtifacts(page, dir, this.platform.id).catch(() => undefined) : undefined;
    if (!artifactPath) return typed;
    return new PlatformError(typed.type, typed.message, typed.retryable, { ...typed.details, artifactPath });
  }

  private typed(error: unknown): PlatformError {
    const name = this.platform.name;
    if (error instanceof PlatformError) return error;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    if (error instanceof playwrightErrors.TimeoutError) {
      return new PlatformError(ErrorType.timeout, `${name} did not answer within ${STEP_TIMEOUT_MS} ms (${message})`, true);
    }
    const netError = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
    if (netError) return networkError(name, netError);
    // Anything else (a closed page, a crashed browser) is worth another attempt in a fresh context.
    return new PlatformError(ErrorType.network, `${name}: the browser step failed: ${message}`, true);
  }
}

// A local stand-in for a casting portal without an API (Filmmakers, Casting Network, Schauspielervideos): plain
// server-rendered HTML pages for a browser to drive. A login form with a CSRF token sets an HttpOnly session
// cookie that expires after a TTL; the calendar page lists the account's entries with a delete form per entry
// and an add form; the media page (media-pages.ts) lists photos and videos and takes uploads under per-portal
// rules; the profile form (profile-pages.ts) validates its fields. Filmmakers' read-only partner API can be
// switched on (partner-api.ts), and its webhooks sent when a profile or its pictures change (webhooks.ts). Tests inject the faults real portals show: slow pages, a cookie banner that
// blocks clicks, being logged out in the middle of a session, and 5xx error pages. Tests read and change the
// portal's state through the in-process accessors (entries, addEntry, media, profile, expireSessions, counters,
// requests).
import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RandomPortalFaults } from './faults.js';
import { escapeHtml, problemList } from './html.js';
import {
  DEFAULT_MEDIA_RULES,
  MEDIA_PATH,
  contentTypeOf,
  inspectMedia,
  mediaPageBody,
  mediaTypeOf,
  uploadProblems,
  uploadReadLimit,
  type MediaInfo,
  type MediaRules,
  type PortalMediaItem,
  type Upload,
} from './media-pages.js';
import { PartnerApi, type PartnerApiActor, type PartnerApiOptions } from './partner-api.js';
import { PortalWebhooks, type WebhookOptions } from './webhooks.js';
import { EMPTY_PROFILE, PROFILE_PATH, profileFormOf, profilePageBody, readProfileForm, type PortalProfile, type ProfileForm } from './profile-pages.js';
import { arrivedAt } from '../request-log.js';

export { MEDIA_PATH, type MediaRules, type PortalMediaItem } from './media-pages.js';
export { PROFILE_PATH, type PortalProfile } from './profile-pages.js';
export type { PartnerApiOptions } from './partner-api.js';
export type { WebhookOptions } from './webhooks.js';
export { RandomPortalFaults, type RandomPortalFaultRates } from './faults.js';

export const PORTAL_STATES = ['free', 'blocked', 'held', 'booked'] as const;
export type PortalState = (typeof PORTAL_STATES)[number];

export interface PortalEntry {
  id: string;
  from: string;
  to: string;
  state: PortalState;
  comment: string;
}

export interface PortalFaults {
  /** Delay before every page is answered. */
  slowMs?: number;
  /** Show a consent overlay (blocking every click) until its Accept button was pressed; consent is kept in a cookie. */
  cookieBanner?: boolean;
  /** The next N signed-in page loads drop the session (the portal logged the user out) and send to the login page. */
  logoutNext?: number;
  /** Signed-in page loads to let through before logoutNext applies, to log out in the middle of a session. */
  logoutAfter?: number;
  /** Answer the next `count` page loads with an error page and this status (e.g. 503, or 429 with a Retry-After). */
  failNext?: { count: number; status: number; retryAfterSeconds?: number };
  /** Seeded random faults for hostile runs: expiries, logouts, 503s, slow pages, empty login forms (faults.ts). */
  random?: RandomPortalFaults;
}

export interface PortalRequestRecord {
  /** When the request arrived (epoch ms). */
  at: number;
  method: string;
  path: string;
  status: number;
  /** The signed-in account's e-mail, when the request carried a live session. */
  email: string | null;
}

export interface PortalCounters {
  logins: number;
  failedLogins: number;
  bannersShown: number;
  consents: number;
  sessionsExpired: number;
  sessionsDropped: number;
  entriesAdded: number;
  entriesDeleted: number;
  mediaUploaded: number;
  mediaRefused: number;
  mediaRemoved: number;
  profilesSaved: number;
  profilesRefused: number;
  apiRequests: number;
  apiRateLimited: number;
}

export interface PortalSimulatorOptions {
  port?: number;
  host?: string;
  /** Shown in page titles, e.g. "Filmmakers". */
  name?: string;
  /** Sliding session lifetime; default 30 minutes. */
  sessionTtlMs?: number;
  /** What uploads the media page takes; unset rules keep DEFAULT_MEDIA_RULES (every format, 10 MB, 50 items). */
  mediaRules?: Partial<MediaRules>;
  /** false: media can be hidden, not deleted (Casting Networks). Default true. */
  mediaCanDelete?: boolean;
  /** Serve Filmmakers' read-only partner API under /api/v1 (partner-api.ts). */
  partnerApi?: PartnerApiOptions;
  /** Filmmakers' webhooks (webhooks.ts): grouping, retries; accounts subscribe through `webhooks.subscribe`. */
  webhooks?: WebhookOptions;
}

export interface PortalAccountOptions {
  /** The account's own partner API token (it must also be in the simulator's partnerApi.tokens to be accepted). */
  partnerApiToken?: string;
  /** The actor's full name, as the partner API lists it; default: made from the e-mail address. */
  name?: string;
}

interface PortalAccount {
  email: string;
  password: string;
  entries: Map<string, PortalEntry>;
  logins: number;
  /** The profile's id in the partner API. */
  profileId: string;
  partnerApiToken?: string;
  name: string;
  media: Map<string, PortalMediaItem>;
  /** The uploaded bytes by media id. */
  mediaContent: Map<string, Buffer>;
  profile: PortalProfile;
}

interface Session {
  email: string;
  csrf: string;
  expiresAt: number;
}

export const LOGIN_PATH = '/login';
export const CALENDAR_PATH = '/calendar';
const SESSION_COOKIE = 'portal_session';
const CONSENT_COOKIE = 'cookie_consent';
const MAX_COMMENT_LENGTH = 500;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MEDIA_ACTIONS = ['delete', 'hide', 'show', 'main'] as const;
type MediaAction = (typeof MEDIA_ACTIONS)[number];

export class PortalSimulator {
  readonly app: FastifyInstance;
  readonly requests: PortalRequestRecord[] = [];
  readonly counters: PortalCounters = {
    logins: 0,
    failedLogins: 0,
    bannersShown: 0,
    consents: 0,
    sessionsExpired: 0,
    sessionsDropped: 0,
    entriesAdded: 0,
    entriesDeleted: 0,
    mediaUploaded: 0,
    mediaRefused: 0,
    mediaRemoved: 0,
    profilesSaved: 0,
    profilesRefused: 0,
    apiRequests: 0,
    apiRateLimited: 0,
  };
  faults: PortalFaults = {};
  sessionTtlMs: number;
  readonly mediaRules: MediaRules;
  /** Present when the partnerApi option switched the API on. */
  readonly partnerApi: PartnerApi | null;
  /** Webhooks to the URL an account subscribed, signed with its partner API token (the API key). */
  readonly webhooks: PortalWebhooks;
  url = '';

  private readonly accounts = new Map<string, PortalAccount>();
  private readonly sessions = new Map<string, Session>();
  /** CSRF tokens handed out with login forms (no session exists yet to bind them to). */
  private readonly loginTokens = new Set<string>();
  private readonly signedInAs = new WeakMap<FastifyRequest, string>();
  private nextEntryId = 1000;
  private nextMediaId = 5000;
  private nextProfileId = 70000;

  constructor(private readonly options: PortalSimulatorOptions = {}) {
    this.sessionTtlMs = options.sessionTtlMs ?? 30 * 60 * 1000;
    this.mediaRules = { ...DEFAULT_MEDIA_RULES, ...options.mediaRules };
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    this.app.register(formbody);
    // An oversized upload is cut off and marked (not thrown), so the page can say why it was refused.
    this.app.register(multipart, { throwFileSizeLimit: false });
    this.routes();
    this.mediaRoutes();
    this.profileRoutes();
    this.partnerApi = options.partnerApi ? new PartnerApi(options.partnerApi, (token) => this.partnerApiAccount(token), this.counters) : null;
    this.partnerApi?.register(this.app);
    this.webhooks = new PortalWebhooks((email) => {
      const account = this.accounts.get(email);
      return account?.partnerApiToken ? { profileId: account.profileId, apiKey: account.partnerApiToken } : null;
    }, options.webhooks);
  }

  get name(): string {
    return this.options.name ?? 'Casting Portal';
  }

  async start(): Promise<string> {
    this.url = await this.app.listen({ port: this.options.port ?? 0, host: this.options.host ?? '127.0.0.1' });
    return this.url;
  }

  stop(): Promise<void> {
    this.webhooks.stop();
    return this.app.close();
  }

  addAccount(email: string, password: string, options: PortalAccountOptions = {}): void {
    this.accounts.set(email.toLowerCase(), {
      email,
      password,
      entries: new Map(),
      logins: 0,
      profileId: String((this.nextProfileId += 1)),
      partnerApiToken: options.partnerApiToken,
      name: options.name ?? nameOfEmail(email),
      media: new Map(),
      mediaContent: new Map(),
      profile: { ...EMPTY_PROFILE },
    });
  }

  /** The account's photos and videos as the media page lists them, in upload order (the bytes: mediaContent). */
  media(email: string): PortalMediaItem[] {
    const account = this.accounts.get(email.toLowerCase());
    return account ? [...account.media.values()].map((item) => ({ ...item })) : [];
  }

  /** The stored bytes of one media item. */
  mediaContent(email: string, id: string): Buffer | undefined {
    return this.accounts.get(email.toLowerCase())?.mediaContent.get(id);
  }

  /** A photo or video put on the portal by hand (not by castsync); it must be a format the portal recognises. */
  addMedia(email: string, fileName: string, content: Buffer, credit = ''): PortalMediaItem {
    const account = this.accounts.get(email.toLowerCase());
    const info = inspectMedia(content);
    if (!account || !info) throw new Error(account ? `${fileName} is no JPEG, PNG, GIF, MP4 or MOV` : `no portal account ${email}`);
    return { ...this.storeMedia(account, { fileName, content, tooLarge: false }, info, credit) };
  }

  /** The account's profile as last saved through the profile form. */
  profile(email: string): PortalProfile | undefined {
    return this.accounts.get(email.toLowerCase())?.profile;
  }

  /** A change made to the profile by hand on the portal (not by castsync). */
  changeProfile(email: string, changes: Partial<PortalProfile>): void {
    const account = this.accounts.get(email.toLowerCase());
    if (!account) throw new Error(`no portal account ${email}`);
    account.profile = { ...account.profile, ...changes };
    this.webhooks.updated(account.email);
  }

  /** The profile deleted on the portal: the account is gone (webhook actor_profile.deleted). */
  deleteProfile(email: string): void {
    this.webhooks.deleted(email);
    this.accounts.delete(email.toLowerCase());
  }

  /** The account's profile id in the partner API. */
  profileIdOf(email: string): string | undefined {
    return this.accounts.get(email.toLowerCase())?.profileId;
  }

  /** What the portal shows for an account, sorted by start date. */
  entries(email: string): PortalEntry[] {
    const account = this.accounts.get(email.toLowerCase());
    return account ? sortEntries([...account.entries.values()]) : [];
  }

  /** Successful sign-ins of one account. */
  loginsOf(email: string): number {
    return this.accounts.get(email.toLowerCase())?.logins ?? 0;
  }

  /** An entry made on the portal by hand (not by castsync). */
  addEntry(email: string, entry: Omit<PortalEntry, 'id'>): PortalEntry {
    const account = this.accounts.get(email.toLowerCase());
    if (!account) throw new Error(`no portal account ${email}`);
    return this.storeEntry(account, entry);
  }

  /** Ends the account's sessions (or every session) as if their TTL had passed. */
  expireSessions(email?: string): void {
    for (const session of this.sessions.values()) {
      if (!email || session.email === email.toLowerCase()) session.expiresAt = 0;
    }
  }

  /** Page requests of one account's signed-in sessions (or all), optionally of one method and path. */
  requestsOf(email?: string, method?: string, path?: string): PortalRequestRecord[] {
    return this.requests.filter(
      (r) => (!email || r.email === email.toLowerCase()) && (!method || r.method === method) && (!path || r.path.split('?')[0] === path),
    );
  }

  private routes() {
    const app = this.app;
    app.addHook('onRequest', async (request, reply) => this.injectFaults(request, reply));
    app.addHook('onResponse', async (request, reply) => {
      this.requests.push({ at: arrivedAt(reply), method: request.method, path: request.url, status: reply.statusCode, email: this.signedInAs.get(request) ?? null });
    });

    app.get('/', async (_request, reply) => reply.redirect(CALENDAR_PATH));
    app.get(LOGIN_PATH, async (request, reply) => {
      const next = safeNext((request.query as { next?: string }).next);
      if (this.liveSession(request)) return reply.redirect(next);
      return this.page(request, reply, 200, 'Sign in', this.loginForm(next, null));
    });
    app.post(LOGIN_PATH, async (request, reply) => this.login(request, reply));
    app.post('/logout', async (request, reply) => {
      const id = cookies(request)[SESSION_COOKIE];
      if (id) this.sessions.delete(id);
      return reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0`).redirect(LOGIN_PATH, 303);
    });
    app.post('/consent', async (request, reply) => {
      this.counters.consents += 1;
      const next = safeNext((request.body as { next?: string } | undefined)?.next);
      return reply.header('set-cookie', `${CONSENT_COOKIE}=accepted; Path=/; Max-Age=31536000; SameSite=Lax`).redirect(next, 303);
    });

    app.get(CALENDAR_PATH, async (request, reply) => {
      const session = this.requireSession(request, reply);
      if (!session) return reply;
      return this.calendarPage(request, reply, session, 200, [], {});
    });
    app.post(`${CALENDAR_PATH}/entries`, async (request, reply) => {
      const session = this.requireSession(request, reply);
      if (!session) return reply;
      return this.addFromForm(request, reply, session);
    });
    app.post(`${CALENDAR_PATH}/entries/delete`, async (request, reply) => {
      const session = this.requireSession(request, reply);
      if (!session) return reply;
      return this.deleteFromForm(request, reply, session);
    });
  }

  /** A signed-in page or form: without a live session the browser is sent to the login page instead. */
  private pageRoute(method: 'GET' | 'POST', url: string, handler: (request: FastifyRequest, reply: FastifyReply, session: Session) => unknown) {
    this.app.route({
      method,
      url,
      handler: async (request, reply) => {
        const session = this.requireSession(request, reply);
        return session ? handler(request, reply, session) : reply;
      },
    });
  }

  private mediaRoutes() {
    this.pageRoute('GET', MEDIA_PATH, (request, reply, session) => {
      const uploaded = (request.query as { uploaded?: string }).uploaded;
      return this.mediaPage(request, reply, session, 200, [], uploaded ? 'Your file was uploaded.' : null);
    });
    this.app.get(`${MEDIA_PATH}/:id/file`, async (request, reply) => this.mediaFile(request, reply));
    this.pageRoute('POST', MEDIA_PATH, (request, reply, session) => this.uploadFromForm(request, reply, session));
    for (const action of MEDIA_ACTIONS) {
      this.pageRoute('POST', `${MEDIA_PATH}/${action}`, (request, reply, session) => this.changeMediaFromForm(request, reply, session, action));
    }
  }

  private profileRoutes() {
    this.pageRoute('GET', PROFILE_PATH, (request, reply, session) => {
      const saved = (request.query as { saved?: string }).saved;
      const form = profileFormOf(this.accounts.get(session.email)!.profile);
      return this.profilePage(request, reply, session, 200, form, [], saved ? 'Your profile was saved.' : null);
    });
    this.pageRoute('POST', PROFILE_PATH, (request, reply, session) => this.saveProfileFromForm(request, reply, session));
  }

  private async uploadFromForm(request: FastifyRequest, reply: FastifyReply, session: Session) {
    if (!request.isMultipart()) return this.mediaPage(request, reply, session, 400, ['The upload must be sent as a file form (multipart/form-data).'], null);
    const { fields, upload } = await this.readUploadForm(request);
    if (fields.csrf !== session.csrf) return this.mediaPage(request, reply, session, 403, ['The form has expired. Please reload the page.'], null);
    const account = this.accounts.get(session.email)!;
    const info = upload ? inspectMedia(upload.content) : null;
    const problems = uploadProblems(upload, info, this.mediaRules, [...account.media.values()]);
    if (problems.length) {
      this.counters.mediaRefused += 1;
      return this.mediaPage(request, reply, session, 422, problems, null);
    }
    this.storeMedia(account, upload!, info!, fields.credit ?? '');
    this.counters.mediaUploaded += 1;
    return reply.redirect(`${MEDIA_PATH}?uploaded=1`, 303);
  }

  /**
   * The form's text fields and its one file. The file is read up to the largest size any upload may have and marked
   * when it was longer, so an oversized upload is refused on the page instead of being kept in memory.
   */
  private async readUploadForm(request: FastifyRequest): Promise<{ fields: Record<string, string>; upload: Upload | null }> {
    const fields: Record<string, string> = {};
    let upload: Upload | null = null;
    const parts = request.parts({ limits: { fileSize: uploadReadLimit(this.mediaRules), files: 1, fields: 10 } });
    for await (const part of parts) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        upload = { fileName: part.filename, content, tooLarge: part.file.truncated };
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
    return { fields, upload };
  }

  private storeMedia(account: PortalAccount, upload: Upload, info: MediaInfo, credit: string): PortalMediaItem {
    const type = mediaTypeOf(info.format);
    const item: PortalMediaItem = {
      id: String((this.nextMediaId += 1)),
      fileName: upload.fileName,
      type,
      format: info.format,
      contentType: contentTypeOf(info.format),
      bytes: upload.content.length,
      width: info.size?.width ?? null,
      height: info.size?.height ?? null,
      main: false,
      hidden: false,
      credit: credit.trim().slice(0, 200),
    };
    account.media.set(item.id, item);
    account.mediaContent.set(item.id, upload.content);
    ensureMainPhoto(account.media);
    this.webhooks.updated(account.email);
    return item;
  }

  private changeMediaFromForm(request: FastifyRequest, reply: FastifyReply, session: Session, action: MediaAction) {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (form.csrf !== session.csrf) return this.mediaPage(request, reply, session, 403, ['The form has expired. Please reload the page.'], null);
    const account = this.accounts.get(session.email)!;
    const item = form.mediaId ? account.media.get(form.mediaId) : undefined;
    if (!item) return this.mediaPage(request, reply, session, 404, ['This photo or video no longer exists.'], null);
    const refusal = this.changeMedia(account, item, action);
    if (refusal) return this.mediaPage(request, reply, session, 422, [refusal], null);
    return reply.redirect(MEDIA_PATH, 303);
  }

  /** Applies the change; answers why the portal refuses it instead. */
  private changeMedia(account: PortalAccount, item: PortalMediaItem, action: MediaAction): string | null {
    const { media } = account;
    const canDelete = this.options.mediaCanDelete !== false;
    if (action === 'delete' && !canDelete) return 'Photos and videos cannot be deleted here. Hide them instead.';
    if ((action === 'hide' || action === 'show') && canDelete) return 'Photos and videos are deleted here, not hidden.';
    if (action === 'main' && (item.type !== 'photo' || item.hidden)) return 'Only a visible photo can be the main photo.';
    if (action === 'delete') {
      media.delete(item.id);
      account.mediaContent.delete(item.id);
    }
    if (action === 'hide' || action === 'show') item.hidden = action === 'hide';
    if (action === 'delete' || action === 'hide') {
      item.main = false;
      this.counters.mediaRemoved += 1;
    }
    if (action === 'main') for (const other of media.values()) other.main = other === item;
    ensureMainPhoto(media);
    this.webhooks.updated(account.email);
    return null;
  }

  /** The stored bytes, for the page's thumbnails: only the signed-in account's own items, and no page faults. */
  private mediaFile(request: FastifyRequest, reply: FastifyReply) {
    const session = this.liveSession(request);
    const account = session ? this.accounts.get(session.email) : undefined;
    const id = (request.params as { id: string }).id;
    const item = account?.media.get(id);
    const content = account?.mediaContent.get(id);
    if (!item || !content) return reply.code(404).type('text/plain').send('Not found');
    return reply.type(item.contentType).header('cache-control', 'private, max-age=60').send(content);
  }

  private mediaPage(request: FastifyRequest, reply: FastifyReply, session: Session, status: number, problems: string[], notice: string | null) {
    const body = mediaPageBody({
      items: this.media(session.email),
      csrf: session.csrf,
      rules: this.mediaRules,
      canDelete: this.options.mediaCanDelete !== false,
      problems,
      notice,
    });
    return this.page(request, reply, status, 'My photos and videos', `${accountBar(session.email)}\n${body}`);
  }

  private saveProfileFromForm(request: FastifyRequest, reply: FastifyReply, session: Session) {
    const form = (request.body ?? {}) as ProfileForm;
    if (form.csrf !== session.csrf) return this.profilePage(request, reply, session, 403, form, ['The form has expired. Please reload the page.'], null);
    const { profile, problems } = readProfileForm(form);
    if (problems.length) {
      this.counters.profilesRefused += 1;
      return this.profilePage(request, reply, session, 422, form, problems, null);
    }
    this.accounts.get(session.email)!.profile = profile;
    this.counters.profilesSaved += 1;
    this.webhooks.updated(session.email);
    return reply.redirect(`${PROFILE_PATH}?saved=1`, 303);
  }

  private profilePage(request: FastifyRequest, reply: FastifyReply, session: Session, status: number, form: ProfileForm, problems: string[], notice: string | null) {
    const body = profilePageBody({ form, csrf: session.csrf, problems, notice });
    return this.page(request, reply, status, 'My profile', `${accountBar(session.email)}\n${body}`);
  }

  /** The actor a partner API token belongs to, reading the account's live state (what the pages change). */
  private partnerApiAccount(token: string): PartnerApiActor | null {
    const account = [...this.accounts.values()].find((a) => a.partnerApiToken === token);
    if (!account) return null;
    return { profileId: account.profileId, name: account.name, profile: () => account.profile, media: () => this.media(account.email) };
  }

  /** Slow pages and 5xx pages, before any route runs. */
  private async injectFaults(request: FastifyRequest, reply: FastifyReply) {
    if (!isPageRequest(request)) return;
    const f = this.faults;
    const slowMs = (f.slowMs ?? 0) + (f.random?.slowness() ?? 0);
    if (slowMs) await new Promise((r) => setTimeout(r, slowMs));
    if (f.random?.fails()) return reply.code(503).type('text/html').send(errorPage(503));
    if (f.failNext && f.failNext.count > 0) {
      f.failNext.count -= 1;
      const { status, retryAfterSeconds } = f.failNext;
      if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
      return reply.code(status).type('text/html').send(errorPage(status));
    }
  }

  private async login(request: FastifyRequest, reply: FastifyReply) {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const next = safeNext(form.next);
    if (!form.csrf || !this.loginTokens.delete(form.csrf)) {
      return this.page(request, reply, 403, 'Sign in', this.loginForm(next, 'The form has expired. Please sign in again.'));
    }
    const account = this.accounts.get((form.email ?? '').trim().toLowerCase());
    if (!account || account.password !== form.password) {
      this.counters.failedLogins += 1;
      return this.page(request, reply, 200, 'Sign in', this.loginForm(next, 'E-mail address or password is incorrect.'));
    }
    this.counters.logins += 1;
    account.logins += 1;
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { email: account.email.toLowerCase(), csrf: randomBytes(16).toString('hex'), expiresAt: Date.now() + this.sessionTtlMs });
    return reply.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`).redirect(next, 303);
  }

  private liveSession(request: FastifyRequest): Session | null {
    const id = cookies(request)[SESSION_COOKIE];
    const session = id ? this.sessions.get(id) : undefined;
    if (!id || !session) return null;
    if (session.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      this.counters.sessionsExpired += 1;
      return null;
    }
    return session;
  }

  /** The signed-in session (extended: the TTL slides), or null after sending the browser to the login page. */
  private requireSession(request: FastifyRequest, reply: FastifyReply): Session | null {
    const session = this.liveSession(request);
    const randomFault = session ? this.faults.random?.sessionFault() : null;
    if (session && randomFault === 'expired') {
      this.sessions.delete(cookies(request)[SESSION_COOKIE]!);
      this.counters.sessionsExpired += 1;
    } else if (session && (randomFault === 'logout' || this.dropByFault())) {
      this.sessions.delete(cookies(request)[SESSION_COOKIE]!);
      this.counters.sessionsDropped += 1;
    } else if (session) {
      session.expiresAt = Date.now() + this.sessionTtlMs;
      this.signedInAs.set(request, session.email);
      return session;
    }
    // A form post cannot be replayed after signing in: come back to the form's page instead.
    const next = request.method === 'GET' ? request.url : pageOfForm(request);
    reply.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(next)}`, request.method === 'GET' ? 302 : 303);
    return null;
  }

  private dropByFault(): boolean {
    const f = this.faults;
    if (!f.logoutNext) return false;
    if (f.logoutAfter) {
      f.logoutAfter -= 1;
      return false;
    }
    f.logoutNext -= 1;
    return true;
  }

  private addFromForm(request: FastifyRequest, reply: FastifyReply, session: Session) {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (form.csrf !== session.csrf) return this.calendarPage(request, reply, session, 403, ['The form has expired. Please reload the page.'], form);
    const entry = { from: (form.from ?? '').trim(), to: (form.to ?? '').trim(), state: form.state as PortalState, comment: (form.comment ?? '').trim() };
    const problems = validateEntry(entry);
    if (problems.length) return this.calendarPage(request, reply, session, 422, problems, form);
    this.storeEntry(this.accounts.get(session.email)!, entry);
    this.counters.entriesAdded += 1;
    return reply.redirect(CALENDAR_PATH, 303);
  }

  private deleteFromForm(request: FastifyRequest, reply: FastifyReply, session: Session) {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (form.csrf !== session.csrf) return this.calendarPage(request, reply, session, 403, ['The form has expired. Please reload the page.'], {});
    const account = this.accounts.get(session.email)!;
    if (!form.entryId || !account.entries.delete(form.entryId)) {
      return this.calendarPage(request, reply, session, 404, ['This entry no longer exists.'], {});
    }
    this.counters.entriesDeleted += 1;
    return reply.redirect(CALENDAR_PATH, 303);
  }

  private storeEntry(account: PortalAccount, entry: Omit<PortalEntry, 'id'>): PortalEntry {
    const stored = { id: String((this.nextEntryId += 1)), ...entry };
    account.entries.set(stored.id, stored);
    return stored;
  }

  private loginForm(next: string, error: string | null): string {
    // A page that broke while rendering: the heading, no form, no message.
    if (this.faults.random?.emptiesLoginForm()) return '<h1>Sign in</h1>';
    const token = randomBytes(16).toString('hex');
    this.loginTokens.add(token);
    return `<h1>Sign in</h1>
${error ? `<p class="form-error" role="alert">${escapeHtml(error)}</p>` : ''}
<form id="login" method="post" action="${LOGIN_PATH}">
  <input type="hidden" name="csrf" value="${token}">
  <input type="hidden" name="next" value="${escapeHtml(next)}">
  <label>E-mail <input type="email" id="login-email" name="email" autocomplete="username"></label>
  <label>Password <input type="password" id="login-password" name="password" autocomplete="current-password"></label>
  <button type="submit">Sign in</button>
</form>`;
  }

  private calendarPage(request: FastifyRequest, reply: FastifyReply, session: Session, status: number, problems: string[], form: Record<string, string | undefined>) {
    const rows = this.entries(session.email).map((e) => entryRow(e, session.csrf)).join('\n');
    const errors = problemList(problems);
    const body = `<h1>My availability</h1>
${accountBar(session.email)}
<table id="availability">
  <thead><tr><th>From</th><th>To</th><th>State</th><th>Comment</th><th></th></tr></thead>
  <tbody>
${rows || '<tr class="empty"><td colspan="5">No entries yet.</td></tr>'}
  </tbody>
</table>
<h2>Add an entry</h2>
${errors}
<form id="add-entry" method="post" action="${CALENDAR_PATH}/entries">
  <input type="hidden" name="csrf" value="${session.csrf}">
  <label>From <input type="date" id="new-from" name="from" value="${escapeHtml(form.from ?? '')}"></label>
  <label>To <input type="date" id="new-to" name="to" value="${escapeHtml(form.to ?? '')}"></label>
  <label>State <select id="new-state" name="state">${PORTAL_STATES.map((s) => `<option value="${s}"${form.state === s ? ' selected' : ''}>${label(s)}</option>`).join('')}</select></label>
  <label>Comment <input type="text" id="new-comment" name="comment" value="${escapeHtml(form.comment ?? '')}"></label>
  <button type="submit">Add</button>
</form>`;
    return this.page(request, reply, status, 'My availability', body);
  }

  /** The page frame: title, a little style, and the consent overlay while the fault asks for one. */
  private page(request: FastifyRequest, reply: FastifyReply, status: number, title: string, body: string) {
    const banner = this.faults.cookieBanner && cookies(request)[CONSENT_COOKIE] !== 'accepted';
    if (banner) this.counters.bannersShown += 1;
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ${escapeHtml(this.name)}</title>
<style>
  body { font-family: sans-serif; margin: 2rem; } table { border-collapse: collapse; } td, th { padding: .3rem .6rem; border-bottom: 1px solid #ccc; }
  .form-error { color: #b00020; } form.inline { display: inline; }
  #cookie-consent { position: fixed; inset: 0; z-index: 1000; background: rgba(0,0,0,.6); display: flex; align-items: center; justify-content: center; }
  #cookie-consent .box { background: #fff; padding: 2rem; max-width: 30rem; }
</style></head>
<body><main>
${body}
</main>
${banner ? consentOverlay(request.method === 'GET' ? request.url : pageOfForm(request)) : ''}
</body></html>`;
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  }
}

function consentOverlay(back: string): string {
  return `<div id="cookie-consent" role="dialog" aria-modal="true" aria-label="Cookie consent"><div class="box">
  <p>We use cookies to keep you signed in and to improve our service.</p>
  <form method="post" action="/consent"><input type="hidden" name="next" value="${escapeHtml(safeNext(back))}"><button type="submit" class="accept">Accept all</button></form>
</div></div>`;
}

function entryRow(entry: PortalEntry, csrf: string): string {
  return `    <tr class="entry">
      <td class="from">${entry.from}</td><td class="to">${entry.to}</td><td class="state">${label(entry.state)}</td><td class="comment">${escapeHtml(entry.comment)}</td>
      <td><form class="delete-entry" method="post" action="${CALENDAR_PATH}/entries/delete"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="entryId" value="${entry.id}"><button type="submit">Delete</button></form></td>
    </tr>`;
}

function errorPage(status: number): string {
  const titles: Record<number, string> = { 429: 'Too Many Requests', 503: 'Service Unavailable' };
  const title = titles[status] ?? 'Something went wrong';
  return `<!doctype html><html><head><title>${status} ${title}</title></head><body><h1>${status} ${title}</h1><p>Please try again later.</p></body></html>`;
}

function validateEntry(entry: { from: string; to: string; state: string; comment: string }): string[] {
  const problems: string[] = [];
  const validDay = (day: string) => DAY.test(day) && !Number.isNaN(Date.parse(day));
  if (!validDay(entry.from)) problems.push('From must be a date.');
  if (!validDay(entry.to)) problems.push('To must be a date.');
  if (validDay(entry.from) && validDay(entry.to) && entry.to < entry.from) problems.push('To must not be before From.');
  if (!(PORTAL_STATES as readonly string[]).includes(entry.state)) problems.push(`State must be one of ${PORTAL_STATES.join(', ')}.`);
  if (entry.comment.length > MAX_COMMENT_LENGTH) problems.push(`Comment must be at most ${MAX_COMMENT_LENGTH} characters.`);
  return problems;
}

function sortEntries(entries: PortalEntry[]): PortalEntry[] {
  return entries.sort((a, b) => a.from.localeCompare(b.from) || Number(a.id) - Number(b.id));
}

/** "blocked" -> "Blocked": the portal shows labels, and the adapter reads them back case-insensitively. */
function label(state: PortalState): string {
  return state.charAt(0).toUpperCase() + state.slice(1);
}

/** Only local paths: an open redirect through ?next= would be a real portal's security bug. */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : CALENDAR_PATH;
}

/** "jane.doe@portal.test" → "Jane Doe". */
function nameOfEmail(email: string): string {
  return email.split('@')[0]!.split(/[._-]+/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1)).join(' ');
}

function cookies(request: FastifyRequest): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) jar[part.slice(0, separator).trim()] = part.slice(separator + 1).trim();
  }
  return jar;
}

/** The first visible photo is the main photo while no visible photo is marked as it (after a delete or hide, too). */
function ensureMainPhoto(media: Map<string, PortalMediaItem>): void {
  const photos = [...media.values()].filter((m) => m.type === 'photo' && !m.hidden);
  if (photos.length && !photos.some((m) => m.main)) photos[0]!.main = true;
}

/** Thumbnails (the media files) and the partner API are not page loads: page faults count page loads only. */
function isPageRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  return !path.startsWith('/api/') && !/^\/media\/[^/]+\/file$/.test(path);
}

/** The page whose form a POST came from, to return to after signing in or accepting cookies. */
function pageOfForm(request: FastifyRequest): string {
  const path = request.url.split('?')[0]!;
  if (path.startsWith(MEDIA_PATH)) return MEDIA_PATH;
  if (path.startsWith(PROFILE_PATH)) return PROFILE_PATH;
  return CALENDAR_PATH;
}

function accountBar(email: string): string {
  return `<nav>Signed in as ${escapeHtml(email)} · <a href="${CALENDAR_PATH}">Availability</a> · <a href="${MEDIA_PATH}">Photos and videos</a> · <a href="${PROFILE_PATH}">Profile</a> · <form method="post" action="/logout" class="inline"><button type="submit">Sign out</button></form></nav>`;
}

// A local stand-in for a casting portal without an API (Filmmakers, Casting Network, Schauspielervideos): plain
// server-rendered HTML pages for a browser to drive. A login form with a CSRF token sets an HttpOnly session
// cookie that expires after a TTL; the calendar page lists the account's entries with a delete form per entry
// and an add form. Tests inject the faults real portals show: slow pages, a cookie banner that blocks clicks,
// being logged out in the middle of a session, and 5xx error pages. Tests read and change the portal's state
// through the in-process accessors (entries, addEntry, expireSessions, counters, requests).
import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

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
  /** Answer the next `count` page loads with an error page and this status (e.g. 503). */
  failNext?: { count: number; status: number };
}

export interface PortalRequestRecord {
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
}

export interface PortalSimulatorOptions {
  port?: number;
  host?: string;
  /** Shown in page titles, e.g. "Filmmakers". */
  name?: string;
  /** Sliding session lifetime; default 30 minutes. */
  sessionTtlMs?: number;
}

interface PortalAccount {
  email: string;
  password: string;
  entries: Map<string, PortalEntry>;
  logins: number;
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
  };
  faults: PortalFaults = {};
  sessionTtlMs: number;
  url = '';

  private readonly accounts = new Map<string, PortalAccount>();
  private readonly sessions = new Map<string, Session>();
  /** CSRF tokens handed out with login forms (no session exists yet to bind them to). */
  private readonly loginTokens = new Set<string>();
  private readonly signedInAs = new WeakMap<FastifyRequest, string>();
  private nextEntryId = 1000;

  constructor(private readonly options: PortalSimulatorOptions = {}) {
    this.sessionTtlMs = options.sessionTtlMs ?? 30 * 60 * 1000;
    this.app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    this.app.register(formbody);
    this.routes();
  }

  get name(): string {
    return this.options.name ?? 'Casting Portal';
  }

  async start(): Promise<string> {
    this.url = await this.app.listen({ port: this.options.port ?? 0, host: this.options.host ?? '127.0.0.1' });
    return this.url;
  }

  stop(): Promise<void> {
    return this.app.close();
  }

  addAccount(email: string, password: string): void {
    this.accounts.set(email.toLowerCase(), { email, password, entries: new Map(), logins: 0 });
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
      this.requests.push({ at: Date.now(), method: request.method, path: request.url, status: reply.statusCode, email: this.signedInAs.get(request) ?? null });
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

  /** Slow pages and 5xx pages, before any route runs. */
  private async injectFaults(request: FastifyRequest, reply: FastifyReply) {
    const f = this.faults;
    if (f.slowMs) await new Promise((r) => setTimeout(r, f.slowMs));
    if (f.failNext && f.failNext.count > 0) {
      f.failNext.count -= 1;
      const status = f.failNext.status;
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
    if (session && this.dropByFault()) {
      this.sessions.delete(cookies(request)[SESSION_COOKIE]!);
      this.counters.sessionsDropped += 1;
    } else if (session) {
      session.expiresAt = Date.now() + this.sessionTtlMs;
      this.signedInAs.set(request, session.email);
      return session;
    }
    // A form post cannot be replayed after signing in: come back to the calendar instead.
    const next = request.method === 'GET' ? request.url : CALENDAR_PATH;
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
    const errors = problems.length ? `<ul class="form-error" role="alert">${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : '';
    const body = `<h1>My availability</h1>
<div>Signed in as ${escapeHtml(session.email)} · <form method="post" action="/logout" class="inline"><button type="submit">Sign out</button></form></div>
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
${banner ? consentOverlay(request.method === 'GET' ? request.url : CALENDAR_PATH) : ''}
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
  const title = status === 503 ? 'Service Unavailable' : 'Something went wrong';
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

function cookies(request: FastifyRequest): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0) jar[part.slice(0, separator).trim()] = part.slice(separator + 1).trim();
  }
  return jar;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// Filmmakers' read-only partner API, as its documentation describes it: `Authorization: Token token=...`, RFC 8288
// `Link` paging (250 a page by default, at most 1000), and 300 requests per 5 minutes per client IP, after which
// it answers 429; every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset (seconds).
//
// Only what castsync reads is served: a profile, and the account's calendar entries. The real API has no calendar
// endpoint (design.md); the simulated one lets the adapter read availability without driving the browser.
// Each token belongs to one account (PortalSimulator.addAccount's partnerApiToken); the option's list says which
// tokens the API accepts at all, so a test can revoke one by leaving it out.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PortalProfile } from './profile-pages.js';

export const PARTNER_API_PREFIX = '/api/v1';

export interface PartnerApiOptions {
  /** Tokens the API accepts; anything else answers 401. */
  tokens: string[];
  /** Entries a page when the request names no per_page; default 250. */
  defaultPerPage?: number;
  /** Largest per_page; above it the API answers 400. Default 1000. */
  maxPerPage?: number;
  /** Requests per client IP in a fixed window; default 300 per 5 minutes. */
  rateLimit?: { requests: number; windowMs: number };
  /** Send Retry-After with a 429 besides RateLimit-Reset (default true); false tests a client reading RateLimit-Reset. */
  retryAfterOn429?: boolean;
}

/** What the API may read of the account a token belongs to. */
export interface PartnerApiAccount {
  profileId: string;
  entries(): { id: string; from: string; to: string; state: string; comment: string }[];
  profile(): PortalProfile;
}

export interface PartnerApiCounters {
  apiRequests: number;
  apiRateLimited: number;
}

interface Window {
  startedAt: number;
  count: number;
}

const TOKEN_HEADER = /^Token\s+token="?([^",\s]+)"?/i;

export class PartnerApi {
  private readonly windows = new Map<string, Window>();
  private readonly defaultPerPage: number;
  private readonly maxPerPage: number;
  private readonly limit: { requests: number; windowMs: number };

  constructor(
    private readonly options: PartnerApiOptions,
    private readonly accountOfToken: (token: string) => PartnerApiAccount | null,
    private readonly counters: PartnerApiCounters,
  ) {
    this.defaultPerPage = options.defaultPerPage ?? 250;
    this.maxPerPage = options.maxPerPage ?? 1000;
    this.limit = options.rateLimit ?? { requests: 300, windowMs: 5 * 60 * 1000 };
  }

  /** Forgets every client's request count (a new rate-limit window for everyone). */
  resetRateLimits(): void {
    this.windows.clear();
  }

  register(app: FastifyInstance): void {
    app.register(async (api) => {
      api.addHook('onRequest', async (request, reply) => this.admit(request, reply));
      api.get('/profiles/:id', async (request, reply) => this.profile(request, reply));
      api.get('/calendar', async (request, reply) => this.calendar(request, reply));
    }, { prefix: PARTNER_API_PREFIX });
  }

  /** Counts the request against its IP's window, then checks the token; answers 429 or 401 before any route runs. */
  private async admit(request: FastifyRequest, reply: FastifyReply) {
    this.counters.apiRequests += 1;
    const window = this.windowOf(request.ip);
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.startedAt + this.limit.windowMs - Date.now()) / 1000));
    reply.header('RateLimit-Limit', String(this.limit.requests));
    reply.header('RateLimit-Remaining', String(Math.max(0, this.limit.requests - window.count)));
    reply.header('RateLimit-Reset', String(resetSeconds));
    if (window.count > this.limit.requests) {
      this.counters.apiRateLimited += 1;
      if (this.options.retryAfterOn429 !== false) reply.header('Retry-After', String(resetSeconds));
      return reply.code(429).send({ error: 'Rate limit exceeded. Try again later.' });
    }
    const token = TOKEN_HEADER.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !this.options.tokens.includes(token)) {
      return reply.code(401).header('WWW-Authenticate', 'Token realm="Application"').send({ error: 'HTTP Token: Access denied.' });
    }
  }

  private windowOf(ip: string): Window {
    const now = Date.now();
    const current = this.windows.get(ip);
    if (current && now < current.startedAt + this.limit.windowMs) return current;
    const fresh = { startedAt: now, count: 0 };
    this.windows.set(ip, fresh);
    return fresh;
  }

  private account(request: FastifyRequest, reply: FastifyReply): PartnerApiAccount | null {
    const token = TOKEN_HEADER.exec(request.headers.authorization ?? '')![1]!;
    const account = this.accountOfToken(token);
    if (!account) reply.code(403).send({ error: 'This token is not linked to a profile.' });
    return account;
  }

  /** A token reads its own profile only; any other id is not found (not forbidden: ids are not to be probed). */
  private profile(request: FastifyRequest, reply: FastifyReply) {
    const account = this.account(request, reply);
    if (!account) return reply;
    if ((request.params as { id: string }).id !== account.profileId) return reply.code(404).send({ error: 'Not found' });
    const p = account.profile();
    return reply.send({
      id: Number(account.profileId),
      playing_age: { from: p.playingAgeFrom, to: p.playingAgeTo },
      height_cm: p.heightCm,
      eye_colour: p.eyeColour,
      languages: p.languages,
      skills: p.skills,
    });
  }

  private calendar(request: FastifyRequest, reply: FastifyReply) {
    const account = this.account(request, reply);
    if (!account) return reply;
    const paging = this.paging(request.query as Record<string, string | undefined>);
    if ('error' in paging) return reply.code(400).send({ error: paging.error });
    const entries = account.entries();
    const { page, perPage } = paging;
    const lastPage = Math.max(1, Math.ceil(entries.length / perPage));
    const link = pageLinks(requestBase(request), page, perPage, lastPage);
    return reply
      .header('Link', link)
      .header('Total', String(entries.length))
      .send(entries.slice((page - 1) * perPage, page * perPage).map((e) => ({ id: Number(e.id), start_date: e.from, end_date: e.to, status: e.state, comment: e.comment })));
  }

  private paging(query: Record<string, string | undefined>): { page: number; perPage: number } | { error: string } {
    const page = positive(query.page ?? '1');
    const perPage = positive(query.per_page ?? String(this.defaultPerPage));
    if (page === null) return { error: 'page must be a positive whole number' };
    if (perPage === null) return { error: 'per_page must be a positive whole number' };
    if (perPage > this.maxPerPage) return { error: `per_page must be at most ${this.maxPerPage}` };
    return { page, perPage };
  }
}

function positive(text: string): number | null {
  return /^[1-9]\d{0,6}$/.test(text) ? Number(text) : null;
}

/** This request's URL without its query, absolute, as Link targets should be. */
function requestBase(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${request.url.split('?')[0]}`;
}

/** RFC 8288: first, prev, next and last, each with the page size the client asked for. */
function pageLinks(base: string, page: number, perPage: number, lastPage: number): string {
  const link = (n: number, rel: string) => `<${base}?page=${n}&per_page=${perPage}>; rel="${rel}"`;
  const links = [link(1, 'first')];
  if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) links.push(link(page + 1, 'next'));
  links.push(link(lastPage, 'last'));
  return links.join(', ');
}

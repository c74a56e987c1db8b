// Filmmakers' read-only partner API, as its public documentation (denkungsart/filmmakers-api) describes it, for
// what castsync reads: actor profiles with their pictures, showreels and showreel media. The file beside each
// behaviour is cited; what the documentation does not say is not invented (and where it is silent, a comment
// says what the simulator does instead). The resources are built from the portal's own state on every request
// (partner-api-resources.ts), so a change made through the portal's pages shows in the API.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { attributeNames, attributeValues } from './partner-api-attributes.js';
import { actorProfile, listedProfile, ResourceClock, showreel, showreelMedium, type PartnerApiActor } from './partner-api-resources.js';

export type { PartnerApiActor } from './partner-api-resources.js';

// docs/api-reference.md: every request goes below the base URL's /api/v1/.
export const PARTNER_API_PREFIX = '/api/v1';

/** docs/pagination.md: "The default value for `per_page` is 250". */
export const PAGINATION_MD_DEFAULT_PER_PAGE = 250;
/** docs/api-reference.md "Common Parameters": `per_page` ... default 25 (contradicting pagination.md). */
export const API_REFERENCE_MD_DEFAULT_PER_PAGE = 25;
/** docs/pagination.md: "the maximum allowed value for `per_page` is 1000". */
export const MAX_PER_PAGE = 1000;

export interface PartnerApiOptions {
  /** API keys the API accepts; anything else (or a key revoked later) answers 401. */
  tokens: string[];
  /**
   * Entries a page when the request names no per_page. The docs disagree: docs/pagination.md says 250 (followed
   * by default), docs/api-reference.md says 25; set API_REFERENCE_MD_DEFAULT_PER_PAGE to simulate the other reading.
   */
  defaultPerPage?: number;
  /** docs/rate-limits.md: 300 requests within 5 minutes per IP; a test shortens the window. */
  rateLimit?: { requests: number; windowMs: number };
  /**
   * docs/actor-profiles.md: the list holds "all actor profiles available with the access rights of the API key.
   * Most of the time, it is scoped to a talent agency." This many other actors of the agency are visible to every
   * accepted key besides the key's own actor (what makes the list long enough to page through).
   */
  agencyProfiles?: number;
}

/** The actor a key belongs to (null: a key of an agency or a person with no actor profile on the portal). */
export type ActorOfToken = (token: string) => PartnerApiActor | null;

export interface PartnerApiCounters {
  apiRequests: number;
  apiRateLimited: number;
}

interface Window {
  startedAt: number;
  count: number;
}

// docs/authentication.md: "Authorization: Token token=API_KEY" (Rails' token form also takes the key quoted).
// The OAuth form (`Authorization: Bearer ACCESS_TOKEN`) needs the OAuth token endpoint, which castsync does not
// use, so the simulator does not serve it: a Bearer header is refused like a missing one.
const TOKEN_HEADER = /^Token\s+token="?([^",\s]+)"?\s*$/i;
const FIRST_AGENCY_PROFILE_ID = 90001;
const AGENCY_NAMES = ['Lena Hoffmann', 'Jonas Becker', 'Mira Schulz', 'Tobias Wagner', 'Clara Neumann', 'Emil Richter', 'Hanna Krüger', 'Paul Zimmermann'];

export class PartnerApi {
  private readonly windows = new Map<string, Window>();
  private readonly revoked = new Set<string>();
  private readonly defaultPerPage: number;
  private readonly limit: { requests: number; windowMs: number };
  private readonly clock = new ResourceClock();
  private readonly agency: PartnerApiActor[];

  constructor(
    private readonly options: PartnerApiOptions,
    private readonly actorOfToken: ActorOfToken,
    private readonly counters: PartnerApiCounters,
  ) {
    this.defaultPerPage = options.defaultPerPage ?? PAGINATION_MD_DEFAULT_PER_PAGE;
    this.limit = options.rateLimit ?? { requests: 300, windowMs: 5 * 60 * 1000 };
    this.agency = Array.from({ length: options.agencyProfiles ?? 0 }, (_, i) => agencyActor(FIRST_AGENCY_PROFILE_ID + i));
  }

  /** Forgets every client's request count (a new rate-limit window for everyone). */
  resetRateLimits(): void {
    this.windows.clear();
  }

  /** The key is withdrawn on the platform: from now on it answers 401. */
  revoke(token: string): void {
    this.revoked.add(token);
  }

  register(app: FastifyInstance): void {
    app.register(async (api) => {
      api.addHook('onRequest', async (request, reply) => this.admit(request, reply));
      // docs/api-reference.md, "Endpoints Overview": the resources castsync reads.
      // docs/attributes.md: the closed lists whose keys profiles carry (eye colour, languages, levels).
      api.get('/attributes', async () => attributeNames());
      api.get('/attributes/', async () => attributeNames());
      api.get('/attributes/:key', async (request, reply) => {
        const values = attributeValues((request.params as { key: string }).key, (request.query as { locale?: string }).locale);
        return values ? values : reply.code(404).send();
      });
      api.get('/actor_profiles', async (request, reply) => this.profiles(request, reply));
      api.get('/actor_profiles/:id', async (request, reply) => this.profile(request, reply));
      api.get('/showreels/:id', async (request, reply) => this.video(request, reply, showreel));
      api.get('/showreel_media/:id', async (request, reply) => this.video(request, reply, (item, _position, base) => showreelMedium(item, base)));
      // docs/errors.md: a request the API cannot serve is a 4xx; for an unknown resource that is 404. The docs
      // describe no error body (only that a 410 names the merged resource), so none is sent.
      api.all('/*', async (_request, reply) => reply.code(404).send());
    }, { prefix: PARTNER_API_PREFIX });
  }

  /** Counts the request against its IP's window, then checks the key; answers 429 or 401 before any route runs. */
  private async admit(request: FastifyRequest, reply: FastifyReply) {
    this.counters.apiRequests += 1;
    // docs/rate-limits.md: "Rate limits are enforced on a per-IP address basis ... up to 300 requests within a
    // 5-minute period. If this quota is exceeded, your IP will be throttled for the remainder of this period."
    const window = this.windowOf(request.ip);
    window.count += 1;
    if (window.count > this.limit.requests) {
      this.counters.apiRateLimited += 1;
      // docs/rate-limits.md: "Along with the status code, the following RateLimit response header fields will be
      // returned", Ratelimit-Reset being "The timestamp when the quota resets" (Unix seconds: 1597048500). No
      // Retry-After is documented, and no body.
      return reply
        .code(429)
        .header('Ratelimit-Limit', String(this.limit.requests))
        .header('Ratelimit-Remaining', '0')
        .header('Ratelimit-Reset', String(Math.ceil((window.startedAt + this.limit.windowMs) / 1000)))
        .send();
    }
    // docs/authentication.md: the key is expected "in all API requests". docs/errors.md: 4xx for "the request lacks
    // valid authentication credentials"; 401 is the conventional code, and no body is documented.
    const token = tokenOf(request);
    if (!token || !this.options.tokens.includes(token) || this.revoked.has(token)) return reply.code(401).send();
  }

  private windowOf(ip: string): Window {
    const now = Date.now();
    const current = this.windows.get(ip);
    if (current && now < current.startedAt + this.limit.windowMs) return current;
    const fresh = { startedAt: now, count: 0 };
    this.windows.set(ip, fresh);
    return fresh;
  }

  /** Every profile the key may read: its own actor first, then the agency's, in `id` order (the documented default). */
  private visible(request: FastifyRequest): PartnerApiActor[] {
    const own = this.actorOfToken(tokenOf(request)!);
    return [...(own ? [own] : []), ...this.agency].sort((a, b) => Number(a.profileId) - Number(b.profileId));
  }

  /** docs/actor-profiles.md "Get All Actor Profiles", paged as docs/pagination.md says. */
  private profiles(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Record<string, string | undefined>;
    const paging = this.paging(query);
    // docs/pagination.md: "If this limit is exceeded, a `400 Bad Request` error code will be returned."
    if (!paging) return reply.code(400).send();
    const actors = this.visible(request);
    const { page, perPage } = paging;
    const lastPage = Math.max(1, Math.ceil(actors.length / perPage));
    const base = origin(request);
    return reply
      // docs/pagination.md: "`Total` (total entries), `Per-Page` (entries per page), and `Link` (containing links
      // to corresponding pages)", RFC 8288.
      .header('Link', pageLinks(`${base}${request.url.split('?')[0]}`, query, page, perPage, lastPage))
      .header('Total', String(actors.length))
      .header('Per-Page', String(perPage))
      .send(actors.slice((page - 1) * perPage, page * perPage).map((actor) => listedProfile(actor, query.fields, this.clock)));
  }

  /**
   * docs/pagination.md: `page` and the optional `per_page`; above the maximum, 400. The docs say nothing of a
   * per_page or page that is no positive number; the simulator then uses the default (as a Rails `to_i` would).
   */
  private paging(query: Record<string, string | undefined>): { page: number; perPage: number } | null {
    const perPage = positive(query.per_page) ?? this.defaultPerPage;
    if (perPage > MAX_PER_PAGE) return null;
    return { page: positive(query.page) ?? 1, perPage };
  }

  /** docs/actor-profiles.md "Get a Specific Actor Profile": only profiles the key may read; others are not found. */
  private profile(request: FastifyRequest, reply: FastifyReply) {
    const id = (request.params as { id: string }).id;
    const actor = this.visible(request).find((a) => a.profileId === id);
    if (!actor) return reply.code(404).send();
    return reply.send(actorProfile(actor, origin(request), this.clock));
  }

  /** docs/showreels.md and docs/showreel-media.md: a video of a profile the key may read, by id. */
  private video(request: FastifyRequest, reply: FastifyReply, shape: (item: ReturnType<PartnerApiActor['media']>[number], position: number, base: string) => unknown) {
    const id = (request.params as { id: string }).id;
    for (const actor of this.visible(request)) {
      const videos = actor.media().filter((item) => item.type === 'video' && !item.hidden);
      const index = videos.findIndex((item) => item.id === id);
      if (index >= 0) return reply.send(shape(videos[index]!, index + 1, origin(request)));
    }
    return reply.code(404).send();
  }
}

function tokenOf(request: FastifyRequest): string | undefined {
  return TOKEN_HEADER.exec(request.headers.authorization ?? '')?.[1];
}

function positive(text: string | undefined): number | null {
  return text !== undefined && /^[1-9]\d{0,6}$/.test(text) ? Number(text) : null;
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** Another actor of the agency, with a realistic name and nothing else filled in. */
function agencyActor(id: number): PartnerApiActor {
  const name = AGENCY_NAMES[id % AGENCY_NAMES.length]!;
  const profile = { playingAgeFrom: null, playingAgeTo: null, heightCm: null, eyeColour: null, languages: [], skills: [] };
  return { profileId: String(id), name, profile: () => profile, media: () => [] };
}

/**
 * RFC 8288, as docs/pagination.md names it; the docs do not list which relations are sent, so first, prev, next
 * and last each keep the request's other parameters (fields, per_page ...) and set `page`.
 */
function pageLinks(base: string, query: Record<string, string | undefined>, page: number, perPage: number, lastPage: number): string {
  const link = (n: number, rel: string) => {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string'));
    params.set('page', String(n));
    params.set('per_page', String(perPage));
    return `<${base}?${params.toString()}>; rel="${rel}"`;
  };
  const links = [link(1, 'first')];
  if (page > 1) links.push(link(Math.min(page - 1, lastPage), 'prev'));
  if (page < lastPage) links.push(link(page + 1, 'next'));
  links.push(link(lastPage, 'last'));
  return links.join(', ');
}

// A local stand-in for an OAuth 2.0 platform (JobWork, Wanted; the seed assumes OAuth, nothing public is known):
// an authorization server (consent page, authorization-code flow with PKCE, rotating refresh tokens, revocation)
// and a calendar API behind bearer tokens that expire. Tests reach its state through the accessors below and
// inject faults like on the REST simulator: 5xx for the next N requests or at a rate, latency, 429s. Faults hit
// the calendar API and the token endpoint, which is what a platform outage takes down for castsync. The media API
// (/api/v2/media, described in ../api-media.ts) stands behind the same gate and needs the scope media:write.
import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { MediaLibrary, PERMISSIVE_MEDIA_RULES, addMediaByHand, apiMediaRoutes, type ApiMediaCounters, type ApiMediaItem, type ApiMediaRules } from '../api-media.js';
import { guardApi, requireScope } from './api-gate.js';
import { TokenAuthority } from './authority.js';
import { authorizeRoutes } from './authorize-routes.js';
import { calendarApi, storeEntry, validateEntryFields, type CalendarEntry, type EntryFields } from './calendar-api.js';
import { tokenRoutes } from './token-routes.js';
import { arrivedAt } from '../request-log.js';

/**
 * The client registration every OAuth simulator accepts. Development and tests only: `npm start` and the test stack
 * hand it to castsync as CASTSYNC_OAUTH_CLIENT_<ID> (simulatorOAuthClientEnv in simulators/main.ts).
 */
export const SIMULATOR_OAUTH_CLIENT = { clientId: 'castsync', clientSecret: 'castsync-dev-secret' } as const;

export type { CalendarEntry, EntryFields } from './calendar-api.js';

export interface OAuthClientRegistration {
  clientId: string;
  clientSecret: string;
  /** Shown on the consent page. */
  name: string;
  /** Exact matches only, as the Security BCP requires. */
  redirectUris: string[];
}

export interface SimOAuthAccount {
  accountId: string;
  name: string;
  /** The login on the consent page. */
  username: string;
  password: string;
  entries: Map<string, CalendarEntry>;
  media: MediaLibrary;
  /** Successful refresh_token grants, for tests that count refreshes. */
  refreshes: number;
  quotaUsed: number;
  quotaWindowStart: number;
}

export interface OAuthFaults {
  /** Answer the next `count` API and token requests with `status` (e.g. 503). */
  failNext?: { count: number; status: number };
  /** Probability (0..1) that an API or token request fails with 503. */
  errorRate?: number;
  /** Extra delay before every API and token request is handled. */
  latencyMs?: number;
  /** Answer the next `count` API and token requests with 429 and this Retry-After. */
  rateLimitNext?: { count: number; retryAfterSeconds: number };
  /** Answer the next `count` token endpoint requests (only those) with `status`: the authorization server is down. */
  tokenFailNext?: { count: number; status: number };
  /**
   * Answer the next N API requests with 401 invalid_token whatever token they carry, as an API node that does not
   * know a freshly issued token yet does; the grant itself is fine.
   */
  unauthorizedNext?: number;
}

export interface OAuthRequestRecord {
  /** When the request arrived (epoch ms). */
  at: number;
  method: string;
  /** Without the query string, which can carry codes and challenges. */
  path: string;
  status: number;
  /** The account whose token was presented (even an expired one) or who got tokens; null when unknown. */
  accountId: string | null;
}

export interface OAuthSimulatorOptions {
  port?: number;
  host?: string;
  /** Platform id, used in token prefixes and the default redirect URIs (e.g. "jobwork"). */
  name?: string;
  /** Shown on pages and in WWW-Authenticate realms (e.g. "JobWork"). */
  displayName?: string;
  /** Default: castsync / castsync-dev-secret, redirecting to http://localhost:3000/api/platforms/<name>/callback. */
  clients?: OAuthClientRegistration[];
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  authorizationCodeTtlSeconds?: number;
  scopes?: string[];
  /** Scope granted when a request names none. */
  defaultScope?: string;
  /** Approve every authorization request at once for this account id (tests, the demo). */
  autoApprove?: string | null;
  quota?: { requests: number; perSeconds: number } | null;
  /** The platform stores shorter notes than castsync allows; longer ones are refused (422). */
  maxNoteLength?: number;
  /** What the media API takes (apiMediaRulesOf the catalog entry); null: no media API. Default: generous rules. */
  media?: ApiMediaRules | null;
}

const DEFAULT_SCOPES = ['calendar:read', 'calendar:write', 'media:read', 'media:write'];

export class OAuthPlatformSimulator {
  readonly app: FastifyInstance;
  readonly accounts = new Map<string, SimOAuthAccount>();
  readonly clients = new Map<string, OAuthClientRegistration>();
  readonly requests: OAuthRequestRecord[] = [];
  readonly authority: TokenAuthority;
  readonly displayName: string;
  readonly scopes: string[];
  readonly defaultScope: string;
  readonly maxNoteLength: number;
  /** Scope of the access token each API request presented (set by the bearer check). */
  readonly grantedScope = new WeakMap<FastifyRequest, string[]>();
  readonly mediaCounters: ApiMediaCounters = { uploads: 0, refusals: 0 };
  faults: OAuthFaults = {};
  autoApprove: string | null;
  /** Lifetimes apply to tokens issued from now on; tests change them between steps. */
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  authorizationCodeTtlSeconds: number;
  url = '';
  private readonly accountOfRequest = new WeakMap<FastifyRequest, string>();

  constructor(private readonly options: OAuthSimulatorOptions = {}) {
    const name = options.name ?? 'oauth';
    this.displayName = options.displayName ?? name;
    this.scopes = options.scopes ?? DEFAULT_SCOPES;
    this.defaultScope = options.defaultScope ?? 'calendar:read calendar:write';
    this.maxNoteLength = options.maxNoteLength ?? 500;
    this.autoApprove = options.autoApprove ?? null;
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
    this.refreshTokenTtlSeconds = options.refreshTokenTtlSeconds ?? 90 * 24 * 3600;
    this.authorizationCodeTtlSeconds = options.authorizationCodeTtlSeconds ?? 60;
    for (const client of options.clients ?? [defaultClient(name)]) this.clients.set(client.clientId, client);
    this.authority = new TokenAuthority(name, () => ({
      accessTokenTtlSeconds: this.accessTokenTtlSeconds,
      refreshTokenTtlSeconds: this.refreshTokenTtlSeconds,
      authorizationCodeTtlSeconds: this.authorizationCodeTtlSeconds,
    }));
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    this.routes();
  }

  addAccount({ name = 'Test Actor', username, password }: { name?: string; username?: string; password?: string } = {}): SimOAuthAccount {
    const accountId = randomUUID();
    const account: SimOAuthAccount = {
      accountId,
      name,
      username: username ?? `user-${accountId.slice(0, 8)}`,
      password: password ?? 'correct horse battery staple',
      entries: new Map(),
      media: new MediaLibrary(),
      refreshes: 0,
      quotaUsed: 0,
      quotaWindowStart: Date.now(),
    };
    this.accounts.set(accountId, account);
    return account;
  }

  /** What the platform shows for an account, by start date. */
  calendar(accountId: string): CalendarEntry[] {
    const entries = [...(this.accounts.get(accountId)?.entries.values() ?? [])];
    return entries.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  }

  /** An entry the user made on the platform's own website: it has no client reference. */
  addPlatformEntry(accountId: string, fields: Partial<EntryFields> & Pick<EntryFields, 'start' | 'end'>): CalendarEntry {
    const account = this.requireAccount(accountId);
    const checked = validateEntryFields({ status: 'unavailable', kind: 'booking', ...fields }, this.maxNoteLength);
    if ('problem' in checked) throw new Error(checked.problem);
    return storeEntry(account, { ...checked.fields, ref: null, origin: 'web' });
  }

  /** The account's media in display order (the bytes: mediaContent). */
  media(accountId: string): ApiMediaItem[] {
    return this.accounts.get(accountId)?.media.list() ?? [];
  }

  /** The stored bytes of one media item. */
  mediaContent(accountId: string, id: string): Buffer | undefined {
    return this.accounts.get(accountId)?.media.content(id);
  }

  /** A file the user uploaded on the platform's website (no client reference). */
  addPlatformMedia(accountId: string, fileName: string, content: Buffer): ApiMediaItem {
    return addMediaByHand(this.requireAccount(accountId).media, fileName, content);
  }

  refreshCount(accountId: string): number {
    return this.requireAccount(accountId).refreshes;
  }

  /** The user removes castsync in the platform's settings: every grant and token of the account stops working. */
  revokeGrant(accountId: string): number {
    return this.authority.revokeGrantsOf(accountId);
  }

  /** Access tokens stop working before their expiry (key rotation); the refresh tokens still work. */
  invalidateAccessTokens(accountId: string): void {
    this.authority.invalidateAccessTokensOf(accountId);
  }

  liveRefreshTokens(accountId: string): string[] {
    return this.authority.liveRefreshTokens(accountId);
  }

  grants(accountId: string) {
    return this.authority.grantsOf(accountId);
  }

  /** Calendar API requests (not the authorization server's), optionally of one method or account. */
  apiRequests(filter: { method?: string; accountId?: string } = {}): OAuthRequestRecord[] {
    return this.requests.filter(
      (r) => r.path.startsWith('/api/') && (!filter.method || r.method === filter.method) && (!filter.accountId || r.accountId === filter.accountId),
    );
  }

  async start(): Promise<string> {
    this.url = await this.app.listen({ port: this.options.port ?? 0, host: this.options.host ?? '127.0.0.1' });
    return this.url;
  }

  stop(): Promise<void> {
    return this.app.close();
  }

  // The members below serve the route modules.

  findAccountByLogin(username: string, password: string): SimOAuthAccount | undefined {
    return [...this.accounts.values()].find((a) => a.username === username && a.password === password);
  }

  countRefresh(accountId: string): void {
    this.requireAccount(accountId).refreshes += 1;
  }

  noteAccount(request: FastifyRequest, accountId: string): void {
    this.accountOfRequest.set(request, accountId);
  }

  accountOf(request: FastifyRequest): SimOAuthAccount | undefined {
    const accountId = this.accountOfRequest.get(request);
    return accountId ? this.accounts.get(accountId) : undefined;
  }

  /** Returns the reply when a fault answered the request (Fastify then skips the handler). */
  async injectFaults(reply: FastifyReply, where: 'api' | 'token'): Promise<FastifyReply | undefined> {
    const f = this.faults;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (where === 'token' && f.tokenFailNext && f.tokenFailNext.count > 0) {
      f.tokenFailNext.count -= 1;
      return reply.code(f.tokenFailNext.status).send({ error: 'temporarily_unavailable', message: 'the authorization server is unavailable' });
    }
    if (where === 'api' && f.unauthorizedNext) {
      f.unauthorizedNext -= 1;
      return reply
        .code(401)
        .header('www-authenticate', `Bearer realm="${this.displayName}", error="invalid_token", error_description="unknown token"`)
        .send({ error: 'invalid_token', message: 'unknown token' });
    }
    if (f.failNext && f.failNext.count > 0) {
      f.failNext.count -= 1;
      return reply.code(f.failNext.status).send({ error: 'temporarily_unavailable', message: 'service unavailable' });
    }
    if (f.errorRate && Math.random() < f.errorRate) return reply.code(503).send({ error: 'temporarily_unavailable', message: 'service unavailable' });
    if (f.rateLimitNext && f.rateLimitNext.count > 0) {
      f.rateLimitNext.count -= 1;
      return reply.code(429).header('retry-after', String(f.rateLimitNext.retryAfterSeconds)).send({ error: 'rate_limited', message: 'too many requests' });
    }
    return undefined;
  }

  /** The account's request quota (the catalog's accountRateLimit), answered with 429 + Retry-After. */
  async enforceQuota(account: SimOAuthAccount, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const quota = this.options.quota;
    if (!quota) return undefined;
    const now = Date.now();
    if (now - account.quotaWindowStart >= quota.perSeconds * 1000) {
      account.quotaWindowStart = now;
      account.quotaUsed = 0;
    }
    if (account.quotaUsed >= quota.requests) {
      const retryAfter = Math.ceil((account.quotaWindowStart + quota.perSeconds * 1000 - now) / 1000);
      return reply.code(429).header('retry-after', String(retryAfter)).send({ error: 'rate_limited', message: 'quota exceeded' });
    }
    account.quotaUsed += 1;
    return undefined;
  }

  private requireAccount(accountId: string): SimOAuthAccount {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`no simulated account ${accountId}`);
    return account;
  }

  private routes() {
    this.app.addHook('onResponse', async (request, reply) => {
      this.requests.push({
        at: arrivedAt(reply),
        method: request.method,
        path: request.url.split('?')[0]!,
        status: reply.statusCode,
        accountId: this.accountOfRequest.get(request) ?? null,
      });
    });
    this.app.register(formbody);
    this.app.register(authorizeRoutes(this));
    this.app.register(tokenRoutes(this));
    this.app.register(async (api) => {
      guardApi(this, api);
      await api.register(calendarApi(this));
      const mediaRules = this.options.media === undefined ? PERMISSIVE_MEDIA_RULES : this.options.media;
      if (mediaRules) await api.register(this.mediaApi(mediaRules), { prefix: '/media' });
    }, { prefix: '/api/v2' });
  }

  private mediaApi(rules: ApiMediaRules) {
    return apiMediaRoutes({
      rules,
      counters: this.mediaCounters,
      libraryOf: (request) => this.accountOf(request)!.media,
      paging: 'cursor',
      guards: { read: requireScope(this, 'media:read', 'media:write'), write: requireScope(this, 'media:write') },
    });
  }
}

function defaultClient(platformId: string): OAuthClientRegistration {
  return {
    ...SIMULATOR_OAUTH_CLIENT,
    name: 'castsync',
    redirectUris: [
      `http://localhost:3000/api/platforms/${platformId}/callback`,
      `http://127.0.0.1:3000/api/platforms/${platformId}/callback`,
    ],
  };
}

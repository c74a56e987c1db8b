// A local stand-in for e-TALENTA's REST API (the seed assumes REST with API keys; nothing public is known).
// It keeps each account's calendar, enforces the account quota with 429 + Retry-After, validates input like a
// real API, and lets tests inject faults: 5xx for the next N requests or at a rate, latency, 429s, revoked keys.
// Control routes under /_sim/ are the test's and demo's window into the platform, not part of the API.
// Its media API (/v1/media) is described in ../api-media.ts; faults, key check and quota apply to it as well.
// Its profile API (/v1/profile, ./profile-api.ts) applies the rules of the platform it is named after.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { SimProfiles, simProfileRoutes } from './profile-api.js';
import { MediaLibrary, PERMISSIVE_MEDIA_RULES, addMediaByHand, apiMediaRoutes, type ApiMediaCounters, type ApiMediaItem, type ApiMediaRules } from '../api-media.js';
import { arrivedAt } from '../request-log.js';

export interface SimEntry {
  id: string;
  clientRef: string | null;
  from: string;
  to: string;
  state: 'available' | 'unavailable' | 'tentative';
  category: 'booking' | 'block' | 'travel';
  optionRank: number | null;
  holder: string | null;
  note: string | null;
  updatedAt: string;
}

export interface SimAccount {
  apiKey: string;
  accountId: string;
  name: string;
  revoked: boolean;
  entries: Map<string, SimEntry>;
  media: MediaLibrary;
  quotaUsed: number;
  quotaWindowStart: number;
}

export interface Faults {
  /** Answer the next `count` API requests with `status` (e.g. 503); with `apiKey`, only that account's. */
  failNext?: { count: number; status: number; apiKey?: string };
  /** Probability (0..1) that an API request fails with 503. */
  errorRate?: number;
  /** Extra delay before every API request is handled. */
  latencyMs?: number;
  /** Extra delay after a request was handled, before its answer is sent (the work is done, the answer is late). */
  answerDelayMs?: number;
  /**
   * Answer the next `count` API requests with 429 and this wait: as Retry-After (default), or as a RateLimit-Reset
   * Unix timestamp without Retry-After, the way Filmmakers documents its 429 (`resetAs: 'timestamp'`).
   */
  rateLimitNext?: { count: number; retryAfterSeconds: number; resetAs?: 'retry-after' | 'timestamp' };
}

export interface RequestRecord {
  /** When the request arrived (epoch ms). */
  at: number;
  method: string;
  path: string;
  status: number;
  apiKey: string | null;
}

export interface SimulatorOptions {
  port?: number;
  host?: string;
  name?: string;
  accounts?: { apiKey: string; name: string }[];
  quota?: { requests: number; perSeconds: number };
  maxBatch?: number;
  /** What the media API takes (apiMediaRulesOf the catalog entry); null: no media API. Default: generous rules. */
  media?: ApiMediaRules | null;
}

const STATES = ['available', 'unavailable', 'tentative'];
const CATEGORIES = ['booking', 'block', 'travel'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class RestPlatformSimulator {
  readonly app: FastifyInstance;
  readonly accounts = new Map<string, SimAccount>();
  readonly requests: RequestRecord[] = [];
  readonly mediaCounters: ApiMediaCounters = { uploads: 0, refusals: 0 };
  /** The accounts' profiles, by the rules of the platform named in the options (`name`: a catalog platform id). */
  readonly profiles: SimProfiles;
  faults: Faults = {};
  url = '';

  constructor(private readonly options: SimulatorOptions = {}) {
    this.app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
    this.profiles = new SimProfiles(options.name);
    for (const account of options.accounts ?? []) this.addAccount(account.apiKey, account.name);
    this.routes();
  }

  addAccount(apiKey: string, name = 'Test Actor'): SimAccount {
    const account: SimAccount = {
      apiKey,
      accountId: randomUUID(),
      name,
      revoked: false,
      entries: new Map(),
      media: new MediaLibrary(),
      quotaUsed: 0,
      quotaWindowStart: Date.now(),
    };
    this.accounts.set(apiKey, account);
    return account;
  }

  /** What the platform shows for an account, sorted by start date. */
  calendar(apiKey: string): SimEntry[] {
    const account = this.accounts.get(apiKey);
    return account ? [...account.entries.values()].sort((a, b) => a.from.localeCompare(b.from) || a.id.localeCompare(b.id)) : [];
  }

  /** The account's media in display order (the bytes: mediaContent). */
  media(apiKey: string): ApiMediaItem[] {
    return this.accounts.get(apiKey)?.media.list() ?? [];
  }

  /** The stored bytes of one media item. */
  mediaContent(apiKey: string, id: string): Buffer | undefined {
    return this.accounts.get(apiKey)?.media.content(id);
  }

  /** A file the user removed on the platform's website; false when there was no such file. */
  removePlatformMedia(apiKey: string, id: string): boolean {
    return this.accounts.get(apiKey)?.media.remove(id) ?? false;
  }

  /** A file the user uploaded on the platform's website (no client reference). */
  addPlatformMedia(apiKey: string, fileName: string, content: Buffer): ApiMediaItem {
    const account = this.accounts.get(apiKey);
    if (!account) throw new Error(`no simulated account ${apiKey}`);
    return addMediaByHand(account.media, fileName, content);
  }

  /** API requests (not control routes) since the last reset, optionally of one method. */
  apiRequests(method?: string): RequestRecord[] {
    return this.requests.filter((r) => !method || r.method === method);
  }

  async start(): Promise<string> {
    const address = await this.app.listen({ port: this.options.port ?? 0, host: this.options.host ?? '127.0.0.1' });
    this.url = address;
    return address;
  }

  stop(): Promise<void> {
    return this.app.close();
  }

  private routes() {
    const app = this.app;
    app.addHook('onResponse', async (request, reply) => {
      if (request.url.startsWith('/_sim')) return;
      this.requests.push({
        at: arrivedAt(reply),
        method: request.method,
        path: request.url,
        status: reply.statusCode,
        apiKey: bearer(request),
      });
    });

    app.register(async (api) => {
      api.addHook('onRequest', async (request, reply) => this.gate(request, reply));
      api.addHook('onSend', async () => {
        if (this.faults.answerDelayMs) await new Promise((r) => setTimeout(r, this.faults.answerDelayMs));
      });

      api.get('/v1/me', async (request) => {
        const account = this.account(request);
        return { accountId: account.accountId, name: account.name };
      });

      api.get('/v1/availability', async (request, reply) => {
        const query = request.query as { page?: string; perPage?: string };
        const page = Number(query.page ?? 1);
        const perPage = Number(query.perPage ?? 100);
        if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 500) {
          return reply.code(400).send({ error: 'page must be >= 1 and perPage between 1 and 500' });
        }
        const all = this.calendar(this.account(request).apiKey);
        const items = all.slice((page - 1) * perPage, page * perPage);
        return { items, nextPage: page * perPage < all.length ? page + 1 : null, total: all.length };
      });

      api.put('/v1/availability', async (request, reply) => {
        const account = this.account(request);
        const body = request.body as { items?: unknown };
        if (!Array.isArray(body?.items)) return reply.code(422).send({ error: 'items must be an array' });
        const problems = body.items.map(validateEntry).filter(Boolean);
        if (problems.length) return reply.code(422).send({ error: problems[0] });
        account.entries.clear();
        for (const item of body.items as Omit<SimEntry, 'id' | 'updatedAt'>[]) this.upsert(account, item);
        return { items: this.calendar(account.apiKey) };
      });

      api.post('/v1/availability/batch', async (request, reply) => {
        const account = this.account(request);
        const body = request.body as { operations?: unknown };
        const maxBatch = this.options.maxBatch ?? 100;
        if (!Array.isArray(body?.operations)) return reply.code(422).send({ error: 'operations must be an array' });
        if (body.operations.length > maxBatch) {
          return reply.code(413).send({ error: `at most ${maxBatch} operations per batch` });
        }
        const results = (body.operations as Record<string, unknown>[]).map((operation, index) => {
          if (operation.op === 'delete') {
            const existed = account.entries.delete(String(operation.id));
            return existed ? { index, ok: true, id: String(operation.id) } : { index, ok: false, error: 'not found' };
          }
          if (operation.op !== 'upsert') return { index, ok: false, error: 'op must be upsert or delete' };
          const problem = validateEntry(operation);
          if (problem) return { index, ok: false, error: problem };
          const entry = this.upsert(account, operation as unknown as Omit<SimEntry, 'id' | 'updatedAt'>);
          return { index, ok: true, id: entry.id };
        });
        return { results };
      });

      api.delete('/v1/availability/:id', async (request, reply) => {
        const account = this.account(request);
        const { id } = request.params as { id: string };
        if (!account.entries.delete(id)) return reply.code(404).send({ error: 'not found' });
        return reply.code(204).send();
      });

      const mediaRules = this.options.media === undefined ? PERMISSIVE_MEDIA_RULES : this.options.media;
      if (mediaRules) {
        const libraryOf = (request: FastifyRequest) => this.account(request).media;
        api.register(apiMediaRoutes({ rules: mediaRules, counters: this.mediaCounters, libraryOf, paging: 'pages' }), { prefix: '/v1/media' });
      }

      simProfileRoutes(api, this.profiles, (request) => this.account(request).apiKey);
    });

    // Control routes for tests and the demo.
    app.get('/_sim/accounts/:apiKey/availability', async (request) => this.calendar((request.params as { apiKey: string }).apiKey));
    app.get('/_sim/accounts/:apiKey/media', async (request) => this.media((request.params as { apiKey: string }).apiKey));
    app.get('/_sim/accounts/:apiKey/profile', async (request) => this.profiles.of((request.params as { apiKey: string }).apiKey));
    app.post('/_sim/accounts', async (request) => {
      const { apiKey, name } = request.body as { apiKey: string; name?: string };
      const account = this.addAccount(apiKey, name);
      return { accountId: account.accountId };
    });
    app.post('/_sim/accounts/:apiKey/revoke', async (request, reply) => {
      const account = this.accounts.get((request.params as { apiKey: string }).apiKey);
      if (!account) return reply.code(404).send({ error: 'no such account' });
      account.revoked = true;
      return { revoked: true };
    });
    app.put('/_sim/faults', async (request) => {
      this.faults = (request.body ?? {}) as Faults;
      return this.faults;
    });
    app.get('/_sim/requests', async () => this.requests);
  }

  private upsert(account: SimAccount, item: Omit<SimEntry, 'id' | 'updatedAt'>): SimEntry {
    const existing = item.clientRef ? [...account.entries.values()].find((e) => e.clientRef === item.clientRef) : undefined;
    const entry: SimEntry = {
      id: existing?.id ?? `et_${randomUUID()}`,
      clientRef: item.clientRef ?? null,
      from: item.from,
      to: item.to,
      state: item.state,
      category: item.category,
      optionRank: item.optionRank ?? null,
      holder: item.holder ?? null,
      note: item.note ?? null,
      updatedAt: new Date().toISOString(),
    };
    account.entries.set(entry.id, entry);
    return entry;
  }

  private account(request: FastifyRequest): SimAccount {
    return this.accounts.get(bearer(request)!)!;
  }

  /** Faults, authentication and the account quota, in the order a real API gateway applies them. */
  private async gate(request: FastifyRequest, reply: FastifyReply) {
    const f = this.faults;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.failNext && f.failNext.count > 0 && (!f.failNext.apiKey || f.failNext.apiKey === bearer(request))) {
      f.failNext.count -= 1;
      return reply.code(f.failNext.status).send({ error: 'service unavailable' });
    }
    if (f.errorRate && Math.random() < f.errorRate) return reply.code(503).send({ error: 'service unavailable' });
    if (f.rateLimitNext && f.rateLimitNext.count > 0) {
      f.rateLimitNext.count -= 1;
      const { retryAfterSeconds, resetAs } = f.rateLimitNext;
      if (resetAs === 'timestamp') reply.header('ratelimit-reset', String(Math.ceil(Date.now() / 1000) + retryAfterSeconds));
      else reply.header('retry-after', String(retryAfterSeconds));
      return reply.code(429).send({ error: 'too many requests' });
    }
    const key = bearer(request);
    const account = key ? this.accounts.get(key) : undefined;
    if (!account) return reply.code(401).send({ error: 'invalid API key' });
    if (account.revoked) return reply.code(401).send({ error: 'API key revoked' });
    const quota = this.options.quota;
    if (quota) {
      const now = Date.now();
      if (now - account.quotaWindowStart >= quota.perSeconds * 1000) {
        account.quotaWindowStart = now;
        account.quotaUsed = 0;
      }
      if (account.quotaUsed >= quota.requests) {
        const retryAfter = Math.ceil((account.quotaWindowStart + quota.perSeconds * 1000 - now) / 1000);
        return reply.code(429).header('retry-after', String(retryAfter)).send({ error: 'quota exceeded' });
      }
      account.quotaUsed += 1;
    }
  }
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

function validateEntry(raw: unknown): string | null {
  const e = raw as Record<string, unknown>;
  if (typeof e !== 'object' || e === null) return 'entry must be an object';
  if (typeof e.from !== 'string' || !DAY.test(e.from) || Number.isNaN(Date.parse(e.from))) return 'from must be YYYY-MM-DD';
  if (typeof e.to !== 'string' || !DAY.test(e.to) || Number.isNaN(Date.parse(e.to))) return 'to must be YYYY-MM-DD';
  if (e.to < e.from) return 'to is before from';
  if (!STATES.includes(String(e.state))) return `state must be one of ${STATES.join(', ')}`;
  if (!CATEGORIES.includes(String(e.category))) return `category must be one of ${CATEGORIES.join(', ')}`;
  return null;
}

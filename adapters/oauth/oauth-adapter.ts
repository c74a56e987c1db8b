// The OAuth kind (JobWork, Wanted): a calendar API behind short-lived bearer tokens with rotating refresh tokens.
// A push lists the calendar and sends one idempotent PUT per entry that differs and one DELETE per entry of ours
// that is no longer wanted; entries without our ref (made on the platform) are never touched.
//
// Tokens are refreshed shortly before they expire, and once when the platform answers 401. Only the token
// endpoint's invalid_grant makes the grant revoked (needs_reauth); every other trouble on the way is retried. Every refresh runs
// inside credentialStore.update, under the connection's row lock: when another activity has rotated the tokens
// meanwhile, we take its tokens instead of refreshing again, because presenting the refresh token it already used
// would look like theft to the platform and cost the whole grant.
import type { AdapterContext, AuthData, AvailabilityItem, PlatformAdapter, PlatformAvailabilityItem, PlatformMediaOps, SyncResult } from '../types.js';
import { ErrorType } from '../error-types.js';
import { PlatformError, sessionError } from '../errors.js';
import { httpJson, type HttpCall, type MultipartForm } from '../http.js';
import { OAuthMediaOps } from './oauth-media.js';
import { PrepaidRequests } from '../prepaid-requests.js';
import { OAuthTokenError, requestTokens, type OAuthClientCredentials } from './token-client.js';

/** The platform's wire format for one calendar entry. */
export interface OAuthCalendarEntry {
  id: string;
  ref: string | null;
  start: string;
  end: string;
  status: AvailabilityItem['status'];
  kind: AvailabilityItem['type'];
  optionRank: number | null;
  heldBy: string | null;
  note: string | null;
}

type EntryBody = Omit<OAuthCalendarEntry, 'id' | 'ref'>;

const PAGE_SIZE = 100;
/** Refresh this long before the access token expires, so it cannot run out in the middle of a request. */
export const REFRESH_BEFORE_EXPIRY_MS = 60_000;

/** The error for a grant the platform no longer honours: not retryable, and the connection needs the user. */
export function accessRevokedError(platformName: string, detail: string): PlatformError {
  return new PlatformError(
    ErrorType.auth,
    `${platformName} revoked castsync's access (${detail}); the user must reconnect ${platformName}`,
    false,
    { status: 401 },
  );
}

/** The API refused an access token the token endpoint issued moments ago: retried, the grant is not judged by it. */
const freshTokenRefused = (platformName: string) =>
  sessionError(platformName, 'the API refused an access token issued moments ago; the grant stands until the token endpoint refuses it');

const isUnauthorized = (error: unknown) => error instanceof PlatformError && error.details.status === 401;
const isRefused = (error: unknown) => error instanceof PlatformError && error.type === ErrorType.validation;

export class OAuthAdapter implements PlatformAdapter {
  readonly platform;
  /** Only on platforms whose catalog entry takes media (Wanted; JobWork takes none). */
  readonly media?: PlatformMediaOps;
  private tokens: AuthData;
  private requests = 0;
  private readonly quota: PrepaidRequests;

  constructor(private readonly context: AdapterContext) {
    this.platform = context.platform;
    this.tokens = context.credentials;
    this.quota = new PrepaidRequests(context.quotas?.account);
    if (context.platform.capabilities.media) this.media = new OAuthMediaOps((method, path, json, multipart) => this.call(method, path, json, multipart));
  }

  async authenticate(): Promise<boolean> {
    try {
      await this.call('GET', '/api/v2/me');
      return true;
    } catch (error) {
      if (isUnauthorized(error)) return false;
      throw error;
    }
  }

  async pullAvailability(): Promise<PlatformAvailabilityItem[]> {
    return (await this.listEntries()).map((entry) => ({
      externalId: entry.id,
      ourId: entry.ref,
      startDate: entry.start,
      endDate: entry.end,
      status: entry.status,
      type: entry.kind,
      optionRank: entry.optionRank,
      optionHolder: entry.heldBy,
      note: entry.note,
    }));
  }

  async pushAvailability(desired: AvailabilityItem[], known?: { expectWrite?: boolean }): Promise<SyncResult> {
    this.requests = 0;
    // The list and the first write that will follow it, taken from the quota at once (adapters/prepaid-requests.ts).
    return known?.expectWrite ? this.quota.spending(2, () => this.reconcile(desired)) : this.reconcile(desired);
  }

  /** Lists the platform's calendar and writes each entry that differs from `desired`, one request each. */
  private async reconcile(desired: AvailabilityItem[]): Promise<SyncResult> {
    const ours = new Map<string, OAuthCalendarEntry>();
    for (const entry of await this.listEntries()) if (entry.ref) ours.set(entry.ref, entry);
    const result: SyncResult = { itemsProcessed: 0, requests: 0, confirmed: {}, rejected: [] };

    for (const item of desired) {
      const wanted = toWire(item);
      const existing = ours.get(item.id);
      if (existing && sameEntry(existing, wanted)) result.confirmed[item.id] = existing.id;
      else await this.upsert(item.id, wanted, result);
    }
    const desiredIds = new Set(desired.map((d) => d.id));
    for (const ref of ours.keys()) {
      if (!desiredIds.has(ref)) await this.remove(ref, result);
    }
    return { ...result, requests: this.requests };
  }

  private async upsert(ref: string, body: EntryBody, result: SyncResult) {
    try {
      const entry = await this.call<OAuthCalendarEntry>('PUT', entryPath(ref), body);
      result.confirmed[ref] = entry.id;
      result.itemsProcessed += 1;
    } catch (error) {
      // The platform refused this entry's data (422): the others still go out, and the push is partial.
      if (!isRefused(error)) throw error;
      result.rejected.push({ id: ref, reason: (error as Error).message });
    }
  }

  private async remove(ref: string, result: SyncResult) {
    try {
      await this.call('DELETE', entryPath(ref));
      result.itemsProcessed += 1;
    } catch (error) {
      // Already gone (deleted on the platform, or by an earlier attempt whose answer was lost): nothing to do.
      if (!(error instanceof PlatformError && error.details.status === 404)) throw error;
    }
  }

  private async listEntries(): Promise<OAuthCalendarEntry[]> {
    const entries: OAuthCalendarEntry[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
      const page: { entries: OAuthCalendarEntry[]; nextCursor: string | null } = await this.call('GET', `/api/v2/calendar?${query}`);
      entries.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    return entries;
  }

  /**
   * One API call with a good access token: refreshed before expiry, and once more if the platform says 401. A
   * refused call stored nothing, so sending it again (an upload re-read from disk) cannot make a duplicate.
   *
   * Only the token endpoint decides that a grant is gone (invalid_grant, in refresh()). A 401 from the API for a
   * token we were issued moments ago (an API node that does not know it yet), or after a refresh that failed
   * on the way (a 5xx or a dropped connection at the token endpoint, thrown as it is), is retried: the next
   * attempt refreshes again, and a revoked grant then answers invalid_grant.
   */
  private async call<T>(method: HttpCall['method'], path: string, json?: unknown, multipart?: MultipartForm): Promise<T> {
    const refreshedJustNow = await this.renewIfExpiring();
    try {
      return await this.send<T>(method, path, json, multipart);
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      if (refreshedJustNow) throw freshTokenRefused(this.platform.name);
    }
    await this.renewTokens();
    try {
      return await this.send<T>(method, path, json, multipart);
    } catch (error) {
      if (isUnauthorized(error)) throw freshTokenRefused(this.platform.name);
      throw error;
    }
  }

  private async send<T>(method: HttpCall['method'], path: string, json?: unknown, multipart?: MultipartForm): Promise<T> {
    const { accessToken } = this.tokens;
    if (!accessToken) throw accessRevokedError(this.platform.name, 'no access token stored');
    await this.quota.take();
    this.requests += 1;
    this.context.onProgress?.(`${method} ${path}`);
    const answer = await httpJson<T>(this.platform, {
      method,
      url: new URL(path, this.context.baseUrl).toString(),
      headers: { authorization: `Bearer ${accessToken}` },
      json,
      multipart,
    });
    return answer.body;
  }

  private async renewIfExpiring(): Promise<boolean> {
    if (!expiresSoon(this.tokens)) return false;
    await this.renewTokens();
    return true;
  }

  /**
   * Under the row lock: if the stored tokens are no longer the ones we used and are still good, another activity
   * refreshed meanwhile, so we use its tokens (returning null stores nothing). Otherwise we refresh and store.
   */
  private async renewTokens(): Promise<void> {
    const used = this.tokens.accessToken;
    this.tokens = await this.context.credentialStore.update(async (current) => {
      if (current.accessToken && current.accessToken !== used && !expiresSoon(current)) return null;
      return this.refresh(current);
    });
  }

  private async refresh(current: AuthData): Promise<AuthData> {
    if (!current.refreshToken) throw accessRevokedError(this.platform.name, 'no refresh token stored');
    await this.quota.take();
    this.requests += 1;
    this.context.onProgress?.('refresh access token');
    try {
      const fresh = await requestTokens(
        { platform: this.platform, baseUrl: this.context.baseUrl, client: this.client() },
        { grant_type: 'refresh_token', refresh_token: current.refreshToken },
        current.refreshToken,
      );
      return { ...current, ...fresh };
    } catch (error) {
      if (error instanceof OAuthTokenError && error.code === 'invalid_grant') {
        const why = error.description ? `: ${error.description}` : '';
        throw accessRevokedError(this.platform.name, `refresh token refused with invalid_grant${why}`);
      }
      throw error;
    }
  }

  private client(): OAuthClientCredentials {
    if (!this.context.oauthClient) throw new Error(`no OAuth client registration for ${this.platform.name}`);
    return this.context.oauthClient;
  }
}

function expiresSoon(tokens: AuthData): boolean {
  return tokens.accessTokenExpiresAt === undefined || tokens.accessTokenExpiresAt - Date.now() < REFRESH_BEFORE_EXPIRY_MS;
}

const entryPath = (ref: string) => `/api/v2/calendar/entries/${encodeURIComponent(ref)}`;

function toWire(item: AvailabilityItem): EntryBody {
  return {
    start: item.startDate,
    end: item.endDate,
    status: item.status,
    kind: item.type,
    optionRank: item.optionRank ?? null,
    heldBy: item.optionHolder ?? null,
    note: item.note ?? null,
  };
}

function sameEntry(a: EntryBody, b: EntryBody): boolean {
  return (
    a.start === b.start &&
    a.end === b.end &&
    a.status === b.status &&
    a.kind === b.kind &&
    (a.optionRank ?? null) === (b.optionRank ?? null) &&
    (a.heldBy ?? null) === (b.heldBy ?? null) &&
    (a.note ?? null) === (b.note ?? null)
  );
}

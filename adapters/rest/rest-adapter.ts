// The REST kind (e-TALENTA, Agentur Connection): API key in a bearer header, paged list, batch writes.
// A push lists what the platform holds, and sends only the upserts and deletes that differ, in batches.
// The profile is sent whole in one PUT (the platform's shape comes from the catalog's mapping).
import type {
  AdapterContext,
  AvailabilityItem,
  PlatformAdapter,
  PlatformAvailabilityItem,
  PlatformMediaOps,
  PlatformProfileValues,
  ProfileUpdateResult,
  SyncResult,
} from '../types.js';
import { PlatformError, authError } from '../errors.js';
import { httpJson, type HttpCall, type MultipartForm } from '../http.js';
import { RestMediaOps } from './rest-media.js';
import { PrepaidRequests } from '../prepaid-requests.js';

/** e-TALENTA's wire format for one calendar entry. */
export interface RestCalendarEntry {
  id: string;
  clientRef: string | null;
  from: string;
  to: string;
  state: AvailabilityItem['status'];
  category: AvailabilityItem['type'];
  optionRank: number | null;
  holder: string | null;
  note: string | null;
}

type BatchOperation =
  | ({ op: 'upsert' } & Omit<RestCalendarEntry, 'id'> & { clientRef: string })
  | { op: 'delete'; id: string };

interface BatchResult {
  results: { index: number; ok: boolean; id?: string; error?: string }[];
}

const PAGE_SIZE = 200;

export class RestAdapter implements PlatformAdapter {
  readonly platform;
  /** Only on platforms whose catalog entry takes media (Agentur Connection shares this adapter and takes none). */
  readonly media?: PlatformMediaOps;
  private requests = 0;
  private readonly quota: PrepaidRequests;

  constructor(private readonly context: AdapterContext) {
    this.platform = context.platform;
    this.quota = new PrepaidRequests(context.quotas?.account);
    if (context.platform.capabilities.media) this.media = new RestMediaOps((method, path, json, multipart) => this.call(method, path, json, multipart));
  }

  private async call<T>(method: HttpCall['method'], path: string, json?: unknown, multipart?: MultipartForm): Promise<T> {
    const apiKey = this.context.credentials.apiKey;
    if (!apiKey) throw authError(this.platform.name, 'no API key stored');
    await this.quota.take();
    this.requests += 1;
    this.context.onProgress?.(`${method} ${path}`);
    const answer = await httpJson<T>(this.platform, {
      method,
      url: new URL(path, this.context.baseUrl).toString(),
      headers: { authorization: `Bearer ${apiKey}` },
      json,
      multipart,
    });
    return answer.body;
  }

  async authenticate(): Promise<boolean> {
    try {
      await this.call('GET', '/v1/me');
      return true;
    } catch (error) {
      if (error instanceof PlatformError && error.details.status === 401) return false;
      throw error;
    }
  }

  private async listEntries(): Promise<RestCalendarEntry[]> {
    const entries: RestCalendarEntry[] = [];
    for (let page = 1; ; page += 1) {
      const body = await this.call<{ items: RestCalendarEntry[]; nextPage: number | null }>(
        'GET',
        `/v1/availability?page=${page}&perPage=${PAGE_SIZE}`,
      );
      entries.push(...body.items);
      if (!body.nextPage) return entries;
    }
  }

  async pullAvailability(): Promise<PlatformAvailabilityItem[]> {
    return (await this.listEntries()).map((entry) => ({
      externalId: entry.id,
      ourId: entry.clientRef,
      startDate: entry.from,
      endDate: entry.to,
      status: entry.state,
      type: entry.category,
      optionRank: entry.optionRank,
      optionHolder: entry.holder,
      note: entry.note,
    }));
  }

  async pushAvailability(desired: AvailabilityItem[], known?: { expectWrite?: boolean }): Promise<SyncResult> {
    this.requests = 0;
    // The list and the batch that will follow it, taken from the quota at once (adapters/prepaid-requests.ts).
    return known?.expectWrite ? this.quota.spending(2, () => this.reconcile(desired)) : this.reconcile(desired);
  }

  /** Lists the platform's calendar and sends what differs from `desired` in batches. */
  private async reconcile(desired: AvailabilityItem[]): Promise<SyncResult> {
    const current = await this.listEntries();
    const ours = new Map(current.filter((e) => e.clientRef).map((e) => [e.clientRef!, e]));
    const confirmed: Record<string, string> = {};
    const operations: BatchOperation[] = [];
    const opTarget: string[] = [];

    for (const item of desired) {
      const wanted = toWire(item);
      const existing = ours.get(item.id);
      if (existing && sameEntry(existing, wanted)) confirmed[item.id] = existing.id;
      else {
        operations.push({ op: 'upsert', ...wanted });
        opTarget.push(item.id);
      }
    }
    const desiredIds = new Set(desired.map((d) => d.id));
    for (const entry of ours.values()) {
      if (!desiredIds.has(entry.clientRef!)) {
        operations.push({ op: 'delete', id: entry.id });
        opTarget.push(entry.clientRef!);
      }
    }

    const rejected: SyncResult['rejected'] = [];
    let itemsProcessed = 0;
    const batchSize = this.platform.batchSize ?? 50;
    for (let start = 0; start < operations.length; start += batchSize) {
      const chunk = operations.slice(start, start + batchSize);
      const { results } = await this.call<BatchResult>('POST', '/v1/availability/batch', { operations: chunk });
      for (const result of results) {
        const op = chunk[result.index];
        const ourId = opTarget[start + result.index];
        if (!op || !ourId) continue;
        if (!result.ok) rejected.push({ id: ourId, reason: result.error ?? 'refused' });
        else {
          itemsProcessed += 1;
          if (op.op === 'upsert' && result.id) confirmed[ourId] = result.id;
        }
      }
    }
    return { itemsProcessed, requests: this.requests, confirmed, rejected };
  }

  /**
   * Replaces the platform's profile with `values` (already in its shape: adapters/profile-mapping.ts) in one PUT.
   * The platform's refusal (422, naming the field) is a non-retryable validation error (adapters/errors.ts).
   */
  async updateProfile(values: PlatformProfileValues): Promise<ProfileUpdateResult> {
    this.requests = 0;
    await this.call('PUT', '/v1/profile', values);
    return { requests: this.requests };
  }
}

function toWire(item: AvailabilityItem): Omit<RestCalendarEntry, 'id'> & { clientRef: string } {
  return {
    clientRef: item.id,
    from: item.startDate,
    to: item.endDate,
    state: item.status,
    category: item.type,
    optionRank: item.optionRank ?? null,
    holder: item.optionHolder ?? null,
    note: item.note ?? null,
  };
}

function sameEntry(a: Omit<RestCalendarEntry, 'id'>, b: Omit<RestCalendarEntry, 'id'>): boolean {
  return (
    a.from === b.from &&
    a.to === b.to &&
    a.state === b.state &&
    a.category === b.category &&
    (a.optionRank ?? null) === (b.optionRank ?? null) &&
    (a.holder ?? null) === (b.holder ?? null) &&
    (a.note ?? null) === (b.note ?? null)
  );
}

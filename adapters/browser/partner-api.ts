// A browser platform's read-only partner API (Filmmakers): reading the calendar through it costs a few HTTP
// requests instead of a Chromium context and a sign-in. `Authorization: Token token="..."`; the entries come in
// RFC 8288 `Link` pages, followed until there is no rel="next". A 429 is a retryable PlatformError whose delay
// comes from Retry-After or RateLimit-Reset (adapters/http.ts).
import type { PlatformEntry } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import { PlatformError } from '../errors.js';
import { httpJson } from '../http.js';
import type { AdapterContext } from '../types.js';
import type { PortalRow } from './calendar-entries.js';

/** More pages than this (250,000 entries at the API's maximum page size) means the paging is broken, not long. */
const MAX_PAGES = 250;

/** One calendar entry as the API sends it. */
interface ApiCalendarEntry {
  id: number | string;
  start_date: string;
  end_date: string;
  status: string;
  comment?: string | null;
}

export class PartnerApiClient {
  /** HTTP requests made so far. */
  requests = 0;

  constructor(
    private readonly platform: PlatformEntry,
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly onProgress?: (detail: string) => void,
  ) {}

  /** A client when the catalog names the platform's API and the connection holds a token for it; null otherwise. */
  static for(context: AdapterContext): PartnerApiClient | null {
    const path = context.platform.browser?.partnerApiPath;
    const token = context.credentials.partnerApiToken;
    if (!path || !token) return null;
    const apiUrl = new URL(path.replace(/\/*$/, '/'), context.baseUrl.replace(/\/*$/, '/')).toString();
    return new PartnerApiClient(context.platform, apiUrl, token, context.onProgress);
  }

  /** Every calendar entry of the token's account, in the API's order, as the calendar page would show them. */
  async calendarRows(): Promise<PortalRow[]> {
    const rows: PortalRow[] = [];
    let url: string | null = this.firstCalendarPage();
    while (url) {
      if (this.requests >= MAX_PAGES) throw this.broken(`it kept sending a next page after ${MAX_PAGES} pages`);
      const { body, headers } = await httpJson<unknown>(this.platform.name, {
        method: 'GET',
        url,
        headers: { authorization: `Token token="${this.token}"` },
      });
      this.requests += 1;
      rows.push(...this.calendarEntries(body));
      this.onProgress?.(`${this.platform.name}: read ${rows.length} calendar entries through the partner API`);
      url = this.nextPage(headers.link, url);
    }
    return rows;
  }

  private firstCalendarPage(): string {
    const url = new URL('calendar', this.apiUrl);
    const perPage = this.platform.browser?.partnerApiPerPage;
    if (perPage) url.searchParams.set('per_page', String(perPage));
    return url.toString();
  }

  /** The rel="next" target, resolved against the page it came with; only on the API's own origin (it gets our token). */
  private nextPage(link: string | string[] | undefined, current: string): string | null {
    const target = nextLink(Array.isArray(link) ? link.join(', ') : (link ?? ''));
    if (!target) return null;
    const next = new URL(target, current);
    if (next.origin !== new URL(this.apiUrl).origin) throw this.broken(`its next page is on another origin (${next.origin})`);
    if (next.toString() === current) throw this.broken('its next page is the page itself');
    return next.toString();
  }

  private calendarEntries(body: unknown): PortalRow[] {
    if (!Array.isArray(body)) throw this.broken('a calendar page was not a list');
    return body.map((entry: ApiCalendarEntry) => {
      if (!entry || typeof entry.start_date !== 'string' || typeof entry.end_date !== 'string' || typeof entry.status !== 'string') {
        throw this.broken('a calendar entry lacks start_date, end_date or status');
      }
      return { externalId: String(entry.id), from: entry.start_date, to: entry.end_date, state: entry.status, comment: entry.comment ?? '' };
    });
  }

  /** The API answers in a shape we do not understand: retrying will not help until someone looks. */
  private broken(detail: string): PlatformError {
    return new PlatformError(ErrorType.client, `${this.platform.name}'s partner API answered unexpectedly: ${detail}`, false);
  }
}

/** The target of the link whose rel includes "next" in an RFC 8288 Link header, or null. */
export function nextLink(header: string): string | null {
  for (const [, target, params] of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return target ?? null;
  }
  return null;
}

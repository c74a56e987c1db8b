// Filmmakers' read-only partner API (its public documentation: denkungsart/filmmakers-api), read when the user
// gave a token: the actor's profile (profile drift), its pictures (media drift without a browser) and showreels.
// The API has no calendar: availability is read and written through the portal's pages only.
// `Authorization: Token token=...` (docs/authentication.md); lists come in RFC 8288 `Link` pages followed until
// there is no rel="next" (docs/pagination.md), whatever the server's default page size. Failures are
// PlatformErrors from adapters/http.ts: a 429 carries the delay its Ratelimit-Reset asks for, a 401 means the key
// was withdrawn (not retried; the user gives a new one).
import type { PlatformEntry } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import { PlatformError } from '../errors.js';
import { httpJson } from '../http.js';
import { attributeName, cachedVocabulary, sameLanguages, vocabularyValues, type PartnerApiVocabulary } from './partner-api-vocabulary.js';
import type { AdapterContext, AuthData, PlatformMediaItem, PlatformProfileValues, RequestBudget } from '../types.js';

/** docs/pagination.md: "the maximum allowed value for `per_page` is 1000"; above it the API answers 400. */
export const PARTNER_API_MAX_PER_PAGE = 1000;
/** More pages than this means the paging is broken, not long (the smallest documented default is 25 a page). */
const MAX_PAGES = 400;
/** An agency's key may read thousands of profiles: an error names this many of their ids. */
const MAX_IDS_NAMED = 20;

/** docs/actor-profiles.md `pictures[]`, the fields media drift needs. */
export interface PartnerApiPicture {
  id: string;
  mainPicture: boolean;
  copyright: string;
  url: string;
  /** `original`, `large`, `thumb`, `thumb_large`: URLs by version name. */
  versions: Record<string, string>;
}

/** docs/showreels.md. */
export interface PartnerApiShowreel {
  id: string;
  name: string;
  type: string;
  mediumIds: string[];
}

/** docs/actor-profiles.md "Get a Specific Actor Profile": the documented fields as sent, plus the pictures read. */
export interface PartnerApiProfile {
  id: string;
  updatedAt: string | null;
  /** Every field as the API sent it (acting_age_from, height, eye_color, languages ...), for profile drift. */
  fields: Record<string, unknown>;
  pictures: PartnerApiPicture[];
  showreelIds: string[];
}

export class PartnerApiClient {
  /** HTTP requests made so far. */
  requests = 0;

  constructor(
    private readonly platform: PlatformEntry,
    private readonly apiUrl: string,
    private readonly token: string,
    /** The actor's profile id, when the user named it (a key scoped to an agency sees several actors). */
    private readonly profileId?: string,
    private readonly onProgress?: (detail: string) => void,
    /** The deployment-wide budget of the API's per-IP limit (lib/request-quotas.ts): every request, each page too, spends from it. */
    private readonly quota?: RequestBudget,
  ) {}

  /** A client when the catalog names the platform's API and the connection holds a token for it; null otherwise. */
  static for(context: AdapterContext): PartnerApiClient | null {
    return PartnerApiClient.forCredentials(context.platform, context.baseUrl, context.credentials, context.onProgress, context.quotas?.partnerApi);
  }

  /** The same from a platform's address and credentials, with no adapter (the connect-time check tries a token with it). */
  static forCredentials(
    platform: PlatformEntry,
    baseUrl: string,
    credentials: AuthData,
    onProgress?: (detail: string) => void,
    quota?: RequestBudget,
  ): PartnerApiClient | null {
    const path = platform.browser?.partnerApiPath;
    const token = credentials.partnerApiToken;
    if (!path || !token) return null;
    const apiUrl = new URL(path.replace(/\/*$/, '/'), baseUrl.replace(/\/*$/, '/')).toString();
    return new PartnerApiClient(platform, apiUrl, token, credentials.partnerApiProfileId, onProgress, quota);
  }

  /** Every actor profile id the key may read, through all `Link` pages. */
  async profileIds(): Promise<string[]> {
    const ids: string[] = [];
    let url: string | null = this.firstListPage();
    for (let pages = 0; url; pages += 1) {
      if (pages >= MAX_PAGES) throw this.broken(`it kept sending a next page after ${MAX_PAGES} pages`);
      const { body, headers } = await this.get(url);
      if (!Array.isArray(body)) throw this.broken('a page of actor_profiles was not a list');
      for (const entry of body as { id?: unknown }[]) ids.push(this.idOf(entry?.id, 'an actor profile'));
      this.onProgress?.(`${this.platform.name}: listed ${ids.length} actor profiles through the partner API`);
      url = this.nextPage(headers.link, url);
    }
    return ids;
  }

  /** The user's actor profile id: the one they named, else the only profile the key sees. */
  async ownProfileId(): Promise<string> {
    const ids = await this.profileIds();
    if (this.profileId) {
      if (ids.includes(this.profileId)) return this.profileId;
      throw this.refused(`the key cannot read actor profile ${this.profileId}${ids.length ? ` (it reads ${idList(ids)})` : ''}`);
    }
    if (ids.length === 1) return ids[0]!;
    if (!ids.length) throw this.refused('the key reads no actor profile');
    throw this.refused(`the key reads ${ids.length} actor profiles (${idList(ids)}); give the actor's profile id with the token`);
  }

  /** The actor's profile with its pictures (docs/actor-profiles.md). */
  async actorProfile(): Promise<PartnerApiProfile> {
    const id = await this.ownProfileId();
    const { body } = await this.get(this.url(`actor_profiles/${encodeURIComponent(id)}`));
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw this.broken('an actor profile was not an object');
    const fields = body as Record<string, unknown>;
    const pictures = Array.isArray(fields.pictures) ? fields.pictures.map((p: unknown) => this.picture(p)) : [];
    const showreelIds = Array.isArray(fields.showreel_ids) ? fields.showreel_ids.map((s: unknown) => this.idOf(s, 'a showreel')) : [];
    return { id: this.idOf(fields.id, 'the actor profile'), updatedAt: typeof fields.updated_at === 'string' ? fields.updated_at : null, fields, pictures, showreelIds };
  }

  /**
   * The profile in the portal form's keys (catalog FILMMAKERS_PROFILE), for profile drift: what castsync last sent
   * compared with this. Only fields the API documents: `skills` has no documented counterpart (`special_skills`
   * is keyed by attribute ids), so it is absent, which a comparison must read as "unknown", not "cleared". Eye
   * colour and languages come as keys of the platform's lists, read through `vocabulary` (partner-api-vocabulary.ts);
   * a key it cannot read leaves its field out, unknown too.
   */
  static profileValues(platform: PlatformEntry, profile: PartnerApiProfile, vocabulary: PartnerApiVocabulary): PlatformProfileValues {
    const f = profile.fields;
    const number = (value: unknown) => (typeof value === 'number' ? value : null);
    return {
      playingAgeFrom: number(f.acting_age_from),
      playingAgeTo: number(f.acting_age_to),
      heightCm: number(f.height),
      ...vocabularyValues(platform, f, vocabulary),
    };
  }

  /** The actor's profile in the portal form's keys (see profileValues): the profile and, unless read lately, the lists. */
  async profileForDrift(): Promise<PlatformProfileValues> {
    const profile = await this.actorProfile();
    return PartnerApiClient.profileValues(this.platform, profile, await this.vocabulary());
  }

  /**
   * docs/attributes.md: the names of the lists, then each list drift needs in English (docs/api-reference.md:
   * `locale`, en by default, asked for anyway), at most once an hour per API (cachedVocabulary).
   */
  async vocabulary(): Promise<PartnerApiVocabulary> {
    return cachedVocabulary(this.apiUrl, async () => {
      const { body } = await this.get(this.url('attributes'));
      if (!Array.isArray(body)) throw this.broken('the list of attributes was not a list');
      const names = body.filter((name): name is string => typeof name === 'string');
      const list = async (which: keyof PartnerApiVocabulary) => {
        const name = attributeName(names, which);
        if (!name) return null;
        const { body: pairs } = await this.get(`${this.url(`attributes/${encodeURIComponent(name)}`)}?locale=en`);
        if (!pairs || typeof pairs !== 'object' || Array.isArray(pairs)) throw this.broken(`the attribute ${name} was not an object`);
        return Object.fromEntries(Object.entries(pairs as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
      };
      return { eyeColors: await list('eyeColors'), languages: await list('languages'), languageLevels: await list('languageLevels') };
    });
  }

  /** The actor's pictures: for media drift, with no browser. */
  async pictures(): Promise<PartnerApiPicture[]> {
    return (await this.actorProfile()).pictures;
  }

  /** The actor's showreels (docs/showreels.md), one request each; from a profile already read, if given. */
  async showreels(profile?: PartnerApiProfile): Promise<PartnerApiShowreel[]> {
    const { showreelIds } = profile ?? (await this.actorProfile());
    const showreels: PartnerApiShowreel[] = [];
    for (const id of showreelIds) {
      const { body } = await this.get(this.url(`showreels/${encodeURIComponent(id)}`));
      const reel = (body ?? {}) as { id?: unknown; name?: unknown; showreel_type?: unknown; showreel_medium_ids?: unknown };
      const mediumIds = Array.isArray(reel.showreel_medium_ids) ? reel.showreel_medium_ids.map((m: unknown) => this.idOf(m, 'a showreel medium')) : [];
      showreels.push({ id: this.idOf(reel.id, 'a showreel'), name: String(reel.name ?? ''), type: String(reel.showreel_type ?? ''), mediumIds });
    }
    return showreels;
  }

  /**
   * The actor's pictures and showreel videos as media items, for media drift with no browser. The API keeps no
   * file name of ours, so `ref` is null and the names are labels; the ids are the ones the portal's media page
   * shows (in the simulator they are the same items; on the real platform this is an assumption to check).
   */
  async mediaForDrift(): Promise<PlatformMediaItem[]> {
    const profile = await this.actorProfile();
    const videoIds = Array.isArray(profile.fields.showreel_medium_ids) ? profile.fields.showreel_medium_ids.map((id: unknown) => this.idOf(id, 'a showreel medium')) : [];
    return [
      ...profile.pictures.map((p) => ({ externalId: p.id, ref: null, type: 'photo' as const, fileName: `picture ${p.id}`, isMain: p.mainPicture })),
      ...videoIds.map((id) => ({ externalId: id, ref: null, type: 'video' as const, fileName: `showreel video ${id}`, isMain: false })),
    ];
  }

  private async get(url: string) {
    await this.quota?.take();
    try {
      return await httpJson<unknown>(this.platform, { method: 'GET', url, headers: { authorization: `Token token="${this.token}"` } });
    } catch (error) {
      // errorForStatus files a 401 as an auth error already (not retried); say which credential it was, since the
      // portal's e-mail and password may well still work.
      if (error instanceof PlatformError && error.type === ErrorType.auth && error.details.status === 401) {
        throw new PlatformError(ErrorType.auth, `${this.platform.name} refused the partner API token (401): give a new token or remove it`, false, error.details);
      }
      throw error;
    } finally {
      this.requests += 1;
    }
  }

  private url(path: string): string {
    return new URL(path, this.apiUrl).toString();
  }

  /**
   * The catalog's page size, never above the documented maximum; none set, the server's default, which the docs
   * give as 250 (docs/pagination.md) or 25 (docs/api-reference.md): either way the Link pages are followed.
   */
  private firstListPage(): string {
    const url = new URL('actor_profiles', this.apiUrl);
    const perPage = this.platform.browser?.partnerApiPerPage;
    if (perPage) url.searchParams.set('per_page', String(Math.min(perPage, PARTNER_API_MAX_PER_PAGE)));
    return url.toString();
  }

  /** The rel="next" target, resolved against the page it came with; only on the API's own origin (it gets our token). */
  private nextPage(link: string | string[] | undefined, current: string): string | null {
    const target = nextLink(Array.isArray(link) ? link.join(', ') : (link ?? ''));
    if (!target) return null;
    const next = new URL(target, current);
    if (next.origin !== new URL(this.apiUrl).origin) throw this.broken(`its next page is on another origin (${next.origin})`);
    if (next.toString() === current) throw this.broken('its next page is the page itself');
    const perPage = Number(next.searchParams.get('per_page') ?? 0);
    if (perPage > PARTNER_API_MAX_PER_PAGE) next.searchParams.set('per_page', String(PARTNER_API_MAX_PER_PAGE));
    return next.toString();
  }

  private picture(value: unknown): PartnerApiPicture {
    const p = (value ?? {}) as { id?: unknown; main_picture?: unknown; copyright?: unknown; url?: unknown; versions?: unknown };
    const versions = p.versions && typeof p.versions === 'object' ? (p.versions as Record<string, unknown>) : {};
    return {
      id: this.idOf(p.id, 'a picture'),
      mainPicture: p.main_picture === true,
      copyright: typeof p.copyright === 'string' ? p.copyright : '',
      url: typeof p.url === 'string' ? p.url : '',
      versions: Object.fromEntries(Object.entries(versions).filter((e): e is [string, string] => typeof e[1] === 'string')),
    };
  }

  private idOf(value: unknown, what: string): string {
    if (typeof value === 'number' || (typeof value === 'string' && value)) return String(value);
    throw this.broken(`${what} has no id`);
  }

  /** The API answers in a shape we do not understand: retrying will not help until someone looks. */
  private broken(detail: string): PlatformError {
    return new PlatformError(ErrorType.client, `${this.platform.name}'s partner API answered unexpectedly: ${detail}`, false);
  }

  /** The key works but cannot read what castsync needs: the user has to give another key or name the profile. */
  private refused(detail: string): PlatformError {
    return new PlatformError(ErrorType.auth, `${this.platform.name}'s partner API: ${detail}`, false);
  }
}

/**
 * The fields compared for profile drift: the numbers, which the API documents in the form the portal takes them
 * (docs/actor-profiles.md: acting_age_from/to, height in cm), and eye colour and languages, read through the
 * platform's lists (docs/attributes.md) when they could be: a field profileValues left out is not compared.
 */
const DRIFT_COMPARED = ['playingAgeFrom', 'playingAgeTo', 'heightCm', 'eyeColour', 'languages'];

/**
 * The fields of the portal form's values that differ between what castsync sends (`sent`, from mapProfileFor) and
 * what the API shows (`seen`, from profileValues): profile drift. Only fields the API shows in a comparable form
 * are compared (a field it does not document, like skills, is unknown, never "cleared"). Languages are a set of
 * (language, level), compared without regard to case or order.
 */
export function profileDrift(sent: PlatformProfileValues, seen: PlatformProfileValues): string[] {
  return DRIFT_COMPARED.filter((key) => {
    if (!(key in seen)) return false;
    if (key === 'languages') return !sameLanguages(sent[key], seen[key]);
    return (sent[key] ?? null) !== (seen[key] ?? null);
  });
}

/** Profile ids are not secret, and a user choosing among them needs to see them: "ids 1, 2 and 3 more". */
function idList(ids: string[]): string {
  return `ids ${ids.slice(0, MAX_IDS_NAMED).join(', ')}${ids.length > MAX_IDS_NAMED ? ` and ${ids.length - MAX_IDS_NAMED} more` : ''}`;
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

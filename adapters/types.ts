// The seed's PlatformAdapter interface, typed. Dates are ISO calendar days (YYYY-MM-DD).
import type { PlatformEntry } from './catalog.js';

export type AvailabilityStatus = 'available' | 'unavailable' | 'tentative';
export type AvailabilityType = 'booking' | 'block' | 'travel';

export interface AvailabilityItem {
  /** Our id; platforms that can store a client reference keep it, so a retried push finds its own entries. */
  id: string;
  startDate: string;
  endDate: string;
  status: AvailabilityStatus;
  type: AvailabilityType;
  optionRank?: number | null;
  optionHolder?: string | null;
  note?: string | null;
  /** Our version of the entry (grows with every change); platforms that need a sequence number use it. */
  version?: number;
}

export interface PlatformAvailabilityItem extends Omit<AvailabilityItem, 'id'> {
  externalId: string;
  /** Our id when the entry was pushed by castsync; null for entries made on the platform. */
  ourId: string | null;
}

export interface SyncResult {
  /** Entries created, changed or removed on the platform. */
  itemsProcessed: number;
  /** HTTP requests (or page loads, or messages) it took. */
  requests: number;
  /** Our id -> the platform's id, for every desired entry the platform now holds as we want it. */
  confirmed: Record<string, string>;
  /** Entries the platform refused, with its reason; a push with any is partial. */
  rejected: { id: string; reason: string }[];
}

/** A connection's secrets, sealed at rest. Which fields are used depends on the connection kind. */
export interface AuthData {
  /** rest */
  apiKey?: string;
  /** browser: login */
  email?: string;
  password?: string;
  /** browser: Playwright storageState (cookies, local storage) of the last good session, reused until it expires */
  sessionState?: unknown;
  /** browser: a read-only partner API token (Filmmakers); profile and media reads use it, the calendar never */
  partnerApiToken?: string;
  /** browser: the actor's profile id in the partner API, needed when the token is an agency's and sees several */
  partnerApiProfileId?: string;
  /** oauth */
  accessToken?: string;
  refreshToken?: string;
  /** oauth: epoch milliseconds when accessToken expires */
  accessTokenExpiresAt?: number;
}

/**
 * The stored credentials of one connection, for adapters whose secrets change while they work (OAuth token
 * rotation, browser sessions). `update` runs under a row lock, so two activities refreshing at once are
 * serialized: the second sees the first one's result and can use it instead of refreshing again.
 */
export interface CredentialStore {
  /** fn gets the freshest stored credentials; what it returns (if not null) replaces them, atomically. */
  update(fn: (current: AuthData) => Promise<AuthData | null>): Promise<AuthData>;
}

/** What a platform keeps of a media item: photos (any image role), videos, documents (a CV). */
export type PlatformMediaType = 'photo' | 'video' | 'document';

/**
 * Which of our files a platform item is: our media id and the first 16 hex digits of the SHA-256 of the bytes sent.
 * Adapters store it with the upload (a `reference` field on APIs, the file name on portals: adapters/media-reference.ts),
 * so a retried upload finds its own file instead of sending it twice, and a changed variant is seen as changed.
 */
export interface MediaRef {
  mediaId: string;
  variantHash: string;
}

/** One file to put on a platform: an image variant made for it, or the original video / PDF. */
export interface MediaUpload {
  ref: MediaRef;
  type: PlatformMediaType;
  /** The file name to send: the reference plus the extension (media-reference.ts `mediaFileName`). */
  fileName: string;
  contentType: string;
  bytes: number;
  /** A local file; adapters stream it (fs.openAsBlob / createReadStream), never read it whole into memory. */
  path: string;
  caption?: string | null;
  photographerCredit?: string | null;
}

/** One media item as the platform lists it. */
export interface PlatformMediaItem {
  externalId: string;
  /** Null for files uploaded on the platform itself (or whose reference was lost there). */
  ref: MediaRef | null;
  type: PlatformMediaType;
  fileName: string;
  isMain: boolean;
  /** Portals that cannot delete media hide it instead (Casting Networks); hidden items are as good as gone. */
  hidden?: boolean;
}

export interface PlatformMediaOps {
  listMedia(): Promise<PlatformMediaItem[]>;
  /**
   * A cheaper listing for drift checks where one exists (Filmmakers' partner API, no browser), or null when it
   * does not here (no token). It knows ids, not our references (`ref` is null): the caller matches externalIds.
   */
  listMediaForDrift?(): Promise<PlatformMediaItem[] | null>;
  /** Uploads one file; onSent reports bytes sent so far (heartbeats). Refusals by the platform's rules are non-retryable validation errors. */
  uploadMedia(upload: MediaUpload, onSent?: (bytesSent: number) => void): Promise<{ externalId: string }>;
  /** Removes (or, where the platform cannot delete, hides) one item. An item already gone is success. */
  deleteMedia(externalId: string): Promise<void>;
  setMainMedia(externalId: string): Promise<void>;
  /** Platforms with an order: the items in the wanted order (not every platform has one). */
  setMediaOrder?(externalIds: string[]): Promise<void>;
}

/** Profile values in one platform's own shape (adapters/profile-mapping.ts makes them from ours). */
export type PlatformProfileValues = Record<string, unknown>;

export interface ProfileUpdateResult {
  requests: number;
}

export interface PlatformAdapter {
  readonly platform: PlatformEntry;
  /** True when the credentials are accepted; false when refused. Outages throw a retryable PlatformError. */
  authenticate(): Promise<boolean>;
  /**
   * Make the platform hold exactly `desired` among the entries castsync pushed (state-based and idempotent).
   * `known.lastConfirmed` is what this platform last confirmed, for platforms that cannot be read back (e-mail);
   * `known.expectWrite`: castsync's record says the platform lacks something of `desired`, so a push that reads the
   * platform first will most likely write after it (it may take both requests from the quota at once).
   */
  pushAvailability(desired: AvailabilityItem[], known?: { lastConfirmed: AvailabilityItem[]; expectWrite?: boolean }): Promise<SyncResult>;
  pullAvailability(): Promise<PlatformAvailabilityItem[]>;
  /** Platforms with capabilities.media. */
  media?: PlatformMediaOps;
  /**
   * Platforms with capabilities.profile: replaces the platform's profile with these values (state-based; a field
   * set to null is cleared). A refusal by the platform is a non-retryable validation PlatformError naming the field.
   */
  updateProfile?(values: PlatformProfileValues): Promise<ProfileUpdateResult>;
  /**
   * Where a cheap read of the profile exists (Filmmakers' partner API with a token): the values the platform
   * shows, in updateProfile's keys, only for fields it exposes (compare with profileDrift); null when not here.
   */
  readProfileForDrift?(): Promise<PlatformProfileValues | null>;
}

export interface AdapterContext {
  platform: PlatformEntry;
  baseUrl: string;
  credentials: AuthData;
  credentialStore: CredentialStore;
  /** Non-secret account reference stored with the connection (an agency's e-mail address, an account id). */
  accountRef?: string | null;
  /** The connected user's display name, for messages to agencies. */
  userName?: string;
  /** Browser platforms: the Chromium binary to drive. */
  chromiumPath?: string;
  /** Folder for failure artifacts (screenshots, page HTML); adapters return paths relative to it. */
  artifactsDir?: string;
  /** OAuth platforms: our client registration (from CASTSYNC_OAUTH_CLIENT_<ID>). */
  oauthClient?: { clientId: string; clientSecret: string };
  /** Called between requests so long pushes keep their activity's heartbeat alive. */
  onProgress?: (detail: string) => void;
  /**
   * The request quotas castsync keeps to itself (lib/request-quotas.ts): the account's (every request to the
   * platform, page loads included) and a deployment-wide one for a partner API. Absent: nothing is counted (checks
   * at connect time, tests of one adapter).
   */
  quotas?: { account?: RequestBudget; partnerApi?: RequestBudget };
}

/** Requests spent from a quota: take() resolves once they fit, waiting a little, or throws a QuotaWaitError. */
export interface RequestBudget {
  take(requests?: number): Promise<void>;
  /** Returns requests taken at once and not sent (adapters/prepaid-requests.ts). */
  giveBack?(requests: number): Promise<void>;
}

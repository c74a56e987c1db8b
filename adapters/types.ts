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
  /** browser: a read-only partner API token (Filmmakers); when the catalog names the API, pulls read through it */
  partnerApiToken?: string;
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

export interface MediaFile {
  id: string;
  type: 'photo' | 'headshot' | 'setcard' | 'video' | 'document';
  filename: string;
  contentType: string;
  bytes: number;
}

export interface MediaUploadResult {
  externalId: string;
}

export interface Profile {
  fields: Record<string, unknown>;
}

export interface PlatformAdapter {
  readonly platform: PlatformEntry;
  /** True when the credentials are accepted; false when refused. Outages throw a retryable PlatformError. */
  authenticate(): Promise<boolean>;
  /**
   * Make the platform hold exactly `desired` among the entries castsync pushed (state-based and idempotent).
   * `known.lastConfirmed` is what this platform last confirmed, for platforms that cannot be read back (e-mail).
   */
  pushAvailability(desired: AvailabilityItem[], known?: { lastConfirmed: AvailabilityItem[] }): Promise<SyncResult>;
  pullAvailability(): Promise<PlatformAvailabilityItem[]>;
  uploadMedia?(media: MediaFile, content: Uint8Array): Promise<MediaUploadResult>;
  deleteMedia?(externalId: string): Promise<boolean>;
  listMedia?(): Promise<(MediaFile & { externalId: string })[]>;
  updateProfile?(profile: Profile): Promise<SyncResult>;
  getProfile?(): Promise<Profile>;
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
}

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

export interface AuthData {
  apiKey?: string;
  email?: string;
  password?: string;
  accessToken?: string;
  refreshToken?: string;
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
  /** Make the platform hold exactly `desired` among the entries castsync pushed (state-based and idempotent). */
  pushAvailability(desired: AvailabilityItem[]): Promise<SyncResult>;
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
  /** Called between requests so long pushes keep their activity's heartbeat alive. */
  onProgress?: (detail: string) => void;
}

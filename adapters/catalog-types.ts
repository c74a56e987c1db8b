// What a platform entry of the catalog (adapters/catalog.ts) holds: its kind, capabilities, limits and the rules
// its media and pages follow. Types and the small tables they share; the entries themselves are in catalog.ts.
import type { ProfileMapping } from './profile-mapping.js';

export type ConnectionKind = 'rest' | 'oauth' | 'browser' | 'email';

export interface PlatformEntry {
  id: string;
  name: string;
  kind: ConnectionKind;
  capabilities: {
    pushAvailability: boolean;
    pullAvailability: boolean;
    media: boolean;
    profile: boolean;
  };
  /**
   * Longest wait (ms) a 429's Retry-After or RateLimit-Reset may impose before the next attempt
   * (adapters/retry-delay.ts); unset: DEFAULT_MAX_RETRY_WAIT_MS (5 minutes). A longer ask is capped: the attempt
   * after it may meet another 429 and wait again, which costs one request, while an uncapped wrong header (a
   * timestamp read as seconds) parks the sync for years.
   */
  maxRetryWaitMs?: number;
  /** The platform's published request quota for one account (the seed's RATE_LIMITS). */
  accountRateLimit: { requests: number; perSeconds: number } | null;
  /**
   * Ceiling on how many sync activities per second all our workers together start against this platform
   * (the task queue's maxTaskQueueActivitiesPerSecond), and how many one worker runs at once.
   */
  dispatch: { activitiesPerSecond: number; maxConcurrent: number };
  /** Most ranges one batch request may carry (REST platforms with a batch endpoint). */
  batchSize?: number;
  /**
   * Platforms castsync pulls from: minutes between scheduled pulls, unless the connection sets its own. Pulls spend
   * the account's quota, so slow, heavy browser sessions pull less often than APIs.
   */
  pullIntervalMinutes?: number;
  /**
   * Hours between full comparisons of a connection (the platform's state against ours, as a manual sync does),
   * which find drift and lost work without the user; unset: DEFAULT_RECONCILE_INTERVAL_HOURS.
   */
  reconcileIntervalHours?: number;
  /**
   * Browser platforms: where the portal's pages are (paths below the platform's base URL) and the CSS selectors of what the page
   * objects in adapters/browser/ touch, so a changed page is a catalog edit.
   */
  browser?: BrowserSettings;
  /** E-mail platforms: who the availability messages come from and how their subject starts. */
  email?: EmailSettings;
  /** OAuth platforms: the authorization server's endpoints (paths below the platform's base URL) and the scope castsync asks for. */
  oauth?: { authorizePath: string; tokenPath: string; revokePath: string; scope: string };
  /** Platforms with capabilities.media: the images they take (lib/media-variants.ts makes a variant to fit). */
  media?: ImageRules;
  /** Platforms with capabilities.media that take videos (showreels, clips); unset: no videos. */
  video?: VideoRules;
  /** Platforms with capabilities.media that take a CV as PDF; unset: no documents. */
  documents?: { maxBytes: number };
  /**
   * Platforms with capabilities.profile: which of our profile fields the platform has, under which names, in which
   * units and words (adapters/profile-mapping.ts applies it).
   */
  profile?: ProfileMapping;
}

/** A platform's published video rules. Videos are sent as they are (no transcoding). */
export interface VideoRules {
  /** Containers it takes, by content type. */
  contentTypes: ('video/mp4' | 'video/quicktime' | 'video/webm')[];
  maxBytes: number;
  /** Longest video it takes, in seconds (when known from the file). */
  maxDurationSeconds?: number;
  /** Most videos one account may show. */
  maxCount?: number;
}

/** A platform's published image rules. */
export interface ImageRules {
  /** Encodings it takes, preferred first. */
  formats: ('jpeg' | 'png')[];
  /** No edge longer than this (pixels); larger images are scaled down. */
  maxEdge: number;
  /** Smallest edge it takes (pixels), measured on `minEdgeOf` ("at least 500x500": shorter; "one edge of 1200": longer). */
  minEdge: number;
  minEdgeOf?: 'shorter' | 'longer';
  /** Width : height the photo is cropped to, e.g. 3:4 portrait. */
  aspect?: { width: number; height: number };
  maxBytes: number;
}

/**
 * How a portal calendar, which knows only free / blocked / held / booked, shows our availability: the nearest
 * state for each of ours (the rest — option rank, holder, travel — goes into the entry's comment). REST and OAuth
 * platforms take our statuses as they are; e-mail and the ICS feed use iCalendar's (lib/ics.ts).
 */
export const portalStateFor = {
  available: 'free',
  option: 'held',
  booking: 'booked',
  block: 'blocked',
  travel: 'blocked',
} as const;

export interface BrowserSettings {
  loginPath: string;
  calendarPath: string;
  /** The photos and videos page, on portals that have one. */
  mediaPath?: string;
  /** The profile form, on portals whose profile castsync keeps. */
  profilePath?: string;
  /**
   * A read-only partner API (path below the platform's base URL) serving actor profiles with their pictures and
   * showreels, `Authorization: Token token=...`, RFC 8288 `Link` paging; profile and media reads use it when the
   * connection holds a partnerApiToken. It has no calendar: availability goes through the portal's pages.
   */
  partnerApiPath?: string;
  /** Entries per API page castsync asks for (the API's maximum saves requests; capped at it); unset: the API's default. */
  partnerApiPerPage?: number;
  /**
   * The partner API's published request limit for the whole deployment (it counts per IP address, so every user of
   * this castsync spends from the same budget); lib/request-quotas.ts paces the reads within it.
   */
  partnerApiQuota?: { requests: number; perSeconds: number };
  selectors: Record<string, string>;
  /**
   * How the portal answers a wrong e-mail or password: an element (`selector`) whose text contains `text`
   * (case-insensitive). Only this answer makes a sign-in an auth failure (not retried; the user must reconnect);
   * a login page without it (a logout on the way in, an empty form, an expired form) is retried.
   */
  wrongPassword: { selector: string; text: string };
}

export interface EmailSettings {
  senderName: string;
  senderAddress: string;
  /** The subject is "<subjectPrefix> <actor's name>: <what changed>". */
  subjectPrefix: string;
}

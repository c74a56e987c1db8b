// The platform catalog: everything castsync knows about a platform as data, so adding a real platform is a
// catalog entry plus at most one adapter class. Pure data, but not for workflows: a deploy changes it under running
// workflows, so they get what they need of it in their input or an activity's result (eslint.config.js). A platform's
// address is not here: it comes only from configuration (CASTSYNC_PLATFORM_URL_<ID>), so production can never fall
// into a simulator's.
import type { ProfileMapping } from './profile-mapping.js';

export * from './catalog-types.js';
import type { PlatformEntry } from './catalog-types.js';

/** Messages to agencies come from an address nobody reads; the actor's name is in the subject and text. */
const CASTSYNC_SENDER = { senderName: 'castsync', senderAddress: 'no-reply@castsync.local' };

const HOUR = 3600;
const DAY = 24 * HOUR;

// Profiles. None of these platforms publishes its profile fields; each mapping is chosen after what such a platform
// asks for, and the simulators (simulators/etalenta/profile-api.ts, simulators/portal/profile-pages.ts) hold the
// platform's side of it.

const ETALENTA_SKILL_LEVELS = { professional: 'profi', good: 'gut', basic: 'grundkenntnisse' } as const;
/** e-TALENTA rates languages 1 to 5: 5 native, 4 fluent, 3 good, 2 basic (1, "beginner", we never send). */
const ETALENTA_LANGUAGE_LEVELS = { native: 5, fluent: 4, good: 3, basic: 2 } as const;

/**
 * e-TALENTA (German): German words for colours, hair, build and voice, languages and dialects rated 1-5, heights in
 * cm, no accents, credits of film, TV and theatre only.
 */
const ETALENTA_PROFILE: ProfileMapping = {
  fields: {
    playingAge: { kind: 'range', fromKey: 'playingAgeMin', toKey: 'playingAgeMax' },
    yearOfBirth: { kind: 'value', key: 'birthYear' },
    heightCm: { kind: 'measure', key: 'heightCm', unit: 'cm' },
    weightKg: { kind: 'measure', key: 'weightKg', unit: 'kg' },
    eyeColour: {
      kind: 'choice',
      key: 'eyeColour',
      vocabulary: {
        blue: 'blau', 'blue-grey': 'blaugrau', 'blue-green': 'blaugruen', grey: 'grau', green: 'gruen', hazel: 'haselnuss', amber: 'bernstein',
        brown: 'braun', 'dark-brown': 'dunkelbraun', black: 'schwarz',
      },
    },
    hairColour: {
      kind: 'choice',
      key: 'hairColour',
      vocabulary: {
        black: 'schwarz', 'dark-brown': 'dunkelbraun', brown: 'braun', 'light-brown': 'hellbraun', 'dark-blond': 'dunkelblond', blond: 'blond',
        'light-blond': 'hellblond', red: 'rot', auburn: 'rotbraun', grey: 'grau', 'salt-and-pepper': 'grau-meliert', white: 'weiss',
      },
    },
    hairLength: {
      kind: 'choice',
      key: 'hairLength',
      vocabulary: {
        bald: 'glatze', shaved: 'rasiert', 'very-short': 'sehr-kurz', short: 'kurz', 'chin-length': 'kinnlang', 'shoulder-length': 'schulterlang',
        long: 'lang', 'very-long': 'sehr-lang',
      },
    },
    build: {
      kind: 'choice',
      key: 'build',
      vocabulary: { slim: 'schlank', athletic: 'sportlich', average: 'normal', muscular: 'muskuloes', stocky: 'kraeftig', curvy: 'kurvig', 'plus-size': 'mollig' },
    },
    voicePitch: {
      kind: 'choice',
      key: 'voicePitch',
      vocabulary: { soprano: 'sopran', 'mezzo-soprano': 'mezzosopran', alto: 'alt', tenor: 'tenor', baritone: 'bariton', bass: 'bass' },
    },
    nationalities: { kind: 'list', key: 'nationalities' },
    languages: { kind: 'levelled', key: 'languages', nameKey: 'name', levelKey: 'level', levels: ETALENTA_LANGUAGE_LEVELS },
    dialects: { kind: 'levelled', key: 'dialects', nameKey: 'name', levelKey: 'level', levels: ETALENTA_LANGUAGE_LEVELS },
    specialSkills: { kind: 'list', key: 'specialSkills' },
    sports: { kind: 'levelled', key: 'sports', nameKey: 'name', levelKey: 'level', levels: ETALENTA_SKILL_LEVELS },
    dances: { kind: 'levelled', key: 'dances', nameKey: 'name', levelKey: 'level', levels: ETALENTA_SKILL_LEVELS },
    instruments: { kind: 'levelled', key: 'instruments', nameKey: 'name', levelKey: 'level', levels: ETALENTA_SKILL_LEVELS },
    singing: { kind: 'levelled', key: 'singing', nameKey: 'name', levelKey: 'level', levels: ETALENTA_SKILL_LEVELS },
    drivingLicences: { kind: 'list', key: 'drivingLicences' },
    unions: { kind: 'list', key: 'unions' },
    workPermits: { kind: 'list', key: 'workPermits' },
    residences: { kind: 'list', key: 'residences' },
    agencyLinks: { kind: 'value', key: 'agencies' },
    credits: {
      kind: 'credits',
      key: 'credits',
      categories: { film: 'film', tv: 'tv', theatre: 'theater' },
      roleTypes: { lead: 'hauptrolle', supporting: 'nebenrolle', small: 'kleine-rolle', guest: 'episodenrolle', ensemble: 'ensemble' },
    },
  },
};

/**
 * Agentur Connection (agency software with American roots): height in inches and weight in pounds (rounded), five
 * eye colours and six hair colours (near shades go to the nearest word; no word is made up for the rest), three hair
 * lengths, languages rated in words but no dialects or accents, skills without levels; no voice pitch, agency links
 * (it is the agency) or credits.
 */
const AGENTUR_CONNECTION_PROFILE: ProfileMapping = {
  fields: {
    playingAge: { kind: 'range', fromKey: 'ageFrom', toKey: 'ageTo' },
    yearOfBirth: { kind: 'value', key: 'birthYear' },
    heightCm: { kind: 'measure', key: 'heightIn', unit: 'in' },
    weightKg: { kind: 'measure', key: 'weightLb', unit: 'lb' },
    eyeColour: { kind: 'choice', key: 'eyeColor', vocabulary: { blue: 'blue', grey: 'grey', green: 'green', hazel: 'hazel', brown: 'brown', 'dark-brown': 'brown' } },
    hairColour: {
      kind: 'choice',
      key: 'hairColor',
      vocabulary: {
        black: 'black', 'dark-brown': 'brown', brown: 'brown', 'light-brown': 'brown', 'dark-blond': 'blond', blond: 'blond', 'light-blond': 'blond',
        red: 'red', auburn: 'red', grey: 'grey', 'salt-and-pepper': 'grey', white: 'white',
      },
    },
    hairLength: {
      kind: 'choice',
      key: 'hairLength',
      vocabulary: { bald: 'bald', shaved: 'short', 'very-short': 'short', short: 'short', 'chin-length': 'medium', 'shoulder-length': 'medium', long: 'long', 'very-long': 'long' },
    },
    build: { kind: 'choice', key: 'build', vocabulary: { slim: 'slim', athletic: 'athletic', average: 'average', muscular: 'muscular', stocky: 'heavyset', curvy: 'curvy', 'plus-size': 'plus-size' } },
    nationalities: { kind: 'list', key: 'citizenships' },
    languages: { kind: 'levelled', key: 'languages', nameKey: 'language', levelKey: 'fluency', levels: { native: 'native', fluent: 'fluent', good: 'conversational', basic: 'basic' } },
    specialSkills: { kind: 'names', key: 'skills' },
    sports: { kind: 'names', key: 'sports' },
    dances: { kind: 'names', key: 'dances' },
    instruments: { kind: 'names', key: 'instruments' },
    singing: { kind: 'names', key: 'singing' },
    drivingLicences: { kind: 'list', key: 'driverLicenses' },
    unions: { kind: 'list', key: 'unions' },
    workPermits: { kind: 'list', key: 'workAuthorizations' },
    residences: { kind: 'list', key: 'localHireCities' },
  },
};

/**
 * Filmmakers' profile form (simulators/portal/profile-pages.ts stands in for it): playing age, height in cm, eye
 * colour from its list, up to 20 languages (names of letters, spaces, ' and -), and up to 30 skills of at most 60
 * characters each, made of our special skills, sports, dances and instruments (names only). Nothing else.
 */
const FILMMAKERS_PROFILE: ProfileMapping = {
  fields: {
    playingAge: { kind: 'range', fromKey: 'playingAgeFrom', toKey: 'playingAgeTo' },
    heightCm: { kind: 'measure', key: 'heightCm', unit: 'cm' },
    eyeColour: {
      kind: 'choice',
      key: 'eyeColour',
      vocabulary: { blue: 'blue', grey: 'grey', green: 'green', hazel: 'hazel', brown: 'brown', 'dark-brown': 'dark-brown', amber: 'amber' },
    },
    languages: {
      kind: 'levelled',
      key: 'languages',
      nameKey: 'language',
      levelKey: 'level',
      maxItems: 20,
      text: { maxLength: 40, pattern: "^\\p{L}[\\p{L} '-]*$", says: "letters, spaces, ' and - only, at most 40 characters" },
    },
    specialSkills: { kind: 'names', key: 'skills', label: 'skills', maxItems: 30, text: { maxLength: 60, says: 'at most 60 characters' } },
    sports: { kind: 'names', key: 'skills', label: 'skills', maxItems: 30, text: { maxLength: 60, says: 'at most 60 characters' } },
    dances: { kind: 'names', key: 'skills', label: 'skills', maxItems: 30, text: { maxLength: 60, says: 'at most 60 characters' } },
    instruments: { kind: 'names', key: 'skills', label: 'skills', maxItems: 30, text: { maxLength: 60, says: 'at most 60 characters' } },
  },
};

export const platformCatalog = {
  etalenta: {
    id: 'etalenta',
    name: 'e-TALENTA',
    kind: 'rest',
    capabilities: { pushAvailability: true, pullAvailability: true, media: true, profile: true },
    pullIntervalMinutes: 60,
    accountRateLimit: { requests: 1000, perSeconds: DAY },
    dispatch: { activitiesPerSecond: 20, maxConcurrent: 20 },
    batchSize: 100,
    // Not published; chosen generous: any photo of a usable size, no crop.
    media: { formats: ['jpeg', 'png'], maxEdge: 3000, minEdge: 400, maxBytes: 8 * 1024 * 1024 },
    video: { contentTypes: ['video/mp4', 'video/quicktime'], maxBytes: 500 * 1024 * 1024 },
    documents: { maxBytes: 10 * 1024 * 1024 },
    profile: ETALENTA_PROFILE,
  },
  'agentur-connection': {
    id: 'agentur-connection',
    name: 'Agentur Connection',
    kind: 'rest',
    capabilities: { pushAvailability: true, pullAvailability: false, media: false, profile: true },
    // Not published; chosen like e-TALENTA's partner quota.
    accountRateLimit: { requests: 1000, perSeconds: DAY },
    dispatch: { activitiesPerSecond: 20, maxConcurrent: 20 },
    batchSize: 50,
    profile: AGENTUR_CONNECTION_PROFILE,
  },
  jobwork: {
    id: 'jobwork',
    name: 'JobWork',
    kind: 'oauth',
    capabilities: { pushAvailability: true, pullAvailability: true, media: false, profile: false },
    pullIntervalMinutes: 60,
    accountRateLimit: { requests: 600, perSeconds: HOUR },
    // Not published (the brief: "pick"): like the REST APIs; the account quota above is what protects an account.
    dispatch: { activitiesPerSecond: 20, maxConcurrent: 10 },
    oauth: { authorizePath: '/oauth/authorize', tokenPath: '/oauth/token', revokePath: '/oauth/revoke', scope: 'calendar:read calendar:write' },
  },
  wanted: {
    id: 'wanted',
    name: 'Wanted',
    kind: 'oauth',
    capabilities: { pushAvailability: true, pullAvailability: false, media: true, profile: false },
    accountRateLimit: { requests: 600, perSeconds: HOUR },
    // Not published (the brief: "pick"): like the REST APIs; the account quota above is what protects an account.
    dispatch: { activitiesPerSecond: 20, maxConcurrent: 10 },
    // Not published; chosen like the 8x10 portals.
    media: { formats: ['jpeg'], maxEdge: 2400, minEdge: 600, aspect: { width: 4, height: 5 }, maxBytes: 5 * 1024 * 1024 },
    // A push lists the calendar before it writes, so Wanted needs calendar:read although castsync never pulls from it.
    oauth: { authorizePath: '/oauth/authorize', tokenPath: '/oauth/token', revokePath: '/oauth/revoke', scope: 'calendar:read calendar:write media:write' },
  },
  filmmakers: {
    id: 'filmmakers',
    name: 'Filmmakers',
    kind: 'browser',
    capabilities: { pushAvailability: true, pullAvailability: true, media: true, profile: true },
    pullIntervalMinutes: 240,
    accountRateLimit: { requests: 100, perSeconds: HOUR },
    // The partner API throttles an IP "for the remainder of" its 5-minute window (docs/rate-limits.md of its API
    // documentation), so its Ratelimit-Reset is at most 5 minutes ahead; one more minute lets a wait reach the
    // reset even when Filmmakers' clock runs ahead of ours.
    maxRetryWaitMs: 6 * 60_000,
    dispatch: { activitiesPerSecond: 1, maxConcurrent: 2 },
    // The brief's "JPEG/PNG up to 6 MB and 4000x4000, cropped 4:5 (8x10)".
    media: { formats: ['jpeg', 'png'], maxEdge: 4000, minEdge: 500, aspect: { width: 4, height: 5 }, maxBytes: 6 * 1024 * 1024 },
    video: { contentTypes: ['video/mp4', 'video/quicktime'], maxBytes: 500 * 1024 * 1024 },
    profile: FILMMAKERS_PROFILE,
    browser: {
      loginPath: '/login',
      calendarPath: '/calendar',
      mediaPath: '/media',
      profilePath: '/profile',
      // Read-only profiles, pictures and showreels (no calendar); documented as 300 requests per 5 minutes per IP,
      // 250 (pagination.md) or 25 (api-reference.md) entries a page by default, 1000 at most.
      partnerApiPath: '/api/v1',
      partnerApiPerPage: 1000,
      // docs/rate-limits.md: "300 requests per 5 minutes per IP address".
      partnerApiQuota: { requests: 300, perSeconds: 300 },
      // The portal's answer to a wrong e-mail or password (simulators/portal/server.ts shows the same).
      wrongPassword: { selector: '.form-error', text: 'E-mail address or password is incorrect' },
      selectors: {
        loginEmail: '#login-email', loginPassword: '#login-password', loginSubmit: '#login button[type=submit]', formError: '.form-error',
        cookieBanner: '#cookie-consent', cookieAccept: '#cookie-consent button.accept',
        entryRow: '#availability tbody tr.entry', entryId: 'input[name=entryId]', entryFrom: 'td.from', entryTo: 'td.to',
        entryState: 'td.state', entryComment: 'td.comment', entryDelete: 'form.delete-entry button[type=submit]',
        addFrom: '#new-from', addTo: '#new-to', addState: '#new-state', addComment: '#new-comment', addSubmit: '#add-entry button[type=submit]',
        mediaItem: '#media li.media-item', mediaId: 'input[name=mediaId]', mediaFileName: '.file-name', mediaThumbnail: '.thumbnail',
        mediaDimensions: '.dimensions', mediaMainMarker: '.main-photo', mediaMakeMain: 'form.make-main button[type=submit]',
        mediaQuota: '#media-quota', uploadFile: '#media-file', uploadCredit: '#media-credit', uploadSubmit: '#upload-media button[type=submit]',
        formNotice: '.form-notice', mediaDelete: 'form.delete-media button[type=submit]',
        profilePlayingAgeFrom: '#profile-playing-age-from', profilePlayingAgeTo: '#profile-playing-age-to', profileHeight: '#profile-height',
        profileEyeColour: '#profile-eye-colour', profileLanguages: '#profile-languages', profileSkills: '#profile-skills',
        profileSubmit: '#profile-form button[type=submit]',
      },
    },
  },
  'casting-network': {
    id: 'casting-network',
    name: 'Casting Network',
    kind: 'browser',
    capabilities: { pushAvailability: true, pullAvailability: true, media: true, profile: false },
    pullIntervalMinutes: 240,
    accountRateLimit: { requests: 500, perSeconds: HOUR },
    dispatch: { activitiesPerSecond: 1, maxConcurrent: 2 },
    // The brief's "at least 500x500, up to 40 MB, portraits 4:5" (no maximum edge published; 6000 chosen).
    media: { formats: ['jpeg', 'png'], maxEdge: 6000, minEdge: 500, aspect: { width: 4, height: 5 }, maxBytes: 40 * 1024 * 1024 },
    // Published: video mov/mkv/mp4 (mkv is not offered: castsync cannot tell it by signature reliably).
    video: { contentTypes: ['video/mp4', 'video/quicktime'], maxBytes: 500 * 1024 * 1024 },
    browser: {
      loginPath: '/login',
      calendarPath: '/calendar',
      mediaPath: '/media',
      // The portal's answer to a wrong e-mail or password (simulators/portal/server.ts shows the same).
      wrongPassword: { selector: '.form-error', text: 'E-mail address or password is incorrect' },
      selectors: {
        loginEmail: '#login-email', loginPassword: '#login-password', loginSubmit: '#login button[type=submit]', formError: '.form-error',
        cookieBanner: '#cookie-consent', cookieAccept: '#cookie-consent button.accept',
        entryRow: '#availability tbody tr.entry', entryId: 'input[name=entryId]', entryFrom: 'td.from', entryTo: 'td.to',
        entryState: 'td.state', entryComment: 'td.comment', entryDelete: 'form.delete-entry button[type=submit]',
        addFrom: '#new-from', addTo: '#new-to', addState: '#new-state', addComment: '#new-comment', addSubmit: '#add-entry button[type=submit]',
        mediaItem: '#media li.media-item', mediaId: 'input[name=mediaId]', mediaFileName: '.file-name', mediaThumbnail: '.thumbnail',
        mediaDimensions: '.dimensions', mediaMainMarker: '.main-photo', mediaMakeMain: 'form.make-main button[type=submit]',
        mediaQuota: '#media-quota', uploadFile: '#media-file', uploadCredit: '#media-credit', uploadSubmit: '#upload-media button[type=submit]',
        formNotice: '.form-notice',
        // Casting Networks: media can be hidden, not deleted.
        mediaHide: 'form.hide-media button[type=submit]', mediaShow: 'form.show-media button[type=submit]', mediaHiddenMarker: '.hidden-marker',
      },
    },
  },
  schauspielervideos: {
    id: 'schauspielervideos',
    name: 'Schauspielervideos',
    kind: 'browser',
    capabilities: { pushAvailability: false, pullAvailability: false, media: true, profile: false },
    accountRateLimit: { requests: 100, perSeconds: HOUR },
    dispatch: { activitiesPerSecond: 1, maxConcurrent: 2 },
    // Published: JPG/PNG up to 10 MB, portrait 3:4 (1350x1800 recommended), at least one edge of 1200 px.
    media: { formats: ['jpeg', 'png'], maxEdge: 1800, minEdge: 1200, minEdgeOf: 'longer', aspect: { width: 3, height: 4 }, maxBytes: 10 * 1024 * 1024 },
    // Published: up to 5 public showreels, each at most 20 minutes.
    video: { contentTypes: ['video/mp4', 'video/quicktime'], maxBytes: 500 * 1024 * 1024, maxDurationSeconds: 20 * 60, maxCount: 5 },
    browser: {
      loginPath: '/login',
      calendarPath: '/calendar',
      mediaPath: '/media',
      // The portal's answer to a wrong e-mail or password (simulators/portal/server.ts shows the same).
      wrongPassword: { selector: '.form-error', text: 'E-mail address or password is incorrect' },
      selectors: {
        loginEmail: '#login-email', loginPassword: '#login-password', loginSubmit: '#login button[type=submit]', formError: '.form-error',
        cookieBanner: '#cookie-consent', cookieAccept: '#cookie-consent button.accept',
        entryRow: '#availability tbody tr.entry', entryId: 'input[name=entryId]', entryFrom: 'td.from', entryTo: 'td.to',
        entryState: 'td.state', entryComment: 'td.comment', entryDelete: 'form.delete-entry button[type=submit]',
        addFrom: '#new-from', addTo: '#new-to', addState: '#new-state', addComment: '#new-comment', addSubmit: '#add-entry button[type=submit]',
        mediaItem: '#media li.media-item', mediaId: 'input[name=mediaId]', mediaFileName: '.file-name', mediaThumbnail: '.thumbnail',
        mediaDimensions: '.dimensions', mediaMainMarker: '.main-photo', mediaMakeMain: 'form.make-main button[type=submit]',
        mediaQuota: '#media-quota', uploadFile: '#media-file', uploadCredit: '#media-credit', uploadSubmit: '#upload-media button[type=submit]',
        formNotice: '.form-notice', mediaDelete: 'form.delete-media button[type=submit]',
      },
    },
  },
  'agentur-iris-mueller': {
    id: 'agentur-iris-mueller',
    name: 'Agentur Iris Müller',
    kind: 'email',
    capabilities: { pushAvailability: true, pullAvailability: false, media: false, profile: false },
    accountRateLimit: null,
    // An agency reads e-mail and sets no limit (the brief: "none"): 20 messages a second to one agency lets a
    // burst of its actors' changes out within seconds; an SMTP relay allowing fewer is set per deployment
    // (CASTSYNC_DISPATCH_PER_SECOND_<ID>). Five at once per worker, over the pooled SMTP connections.
    dispatch: { activitiesPerSecond: 20, maxConcurrent: 5 },
    email: { ...CASTSYNC_SENDER, subjectPrefix: 'Verfügbarkeit' },
  },
  'agentur-sarah-weiss': {
    id: 'agentur-sarah-weiss',
    name: 'Agentur Sarah Weiss',
    kind: 'email',
    capabilities: { pushAvailability: true, pullAvailability: false, media: false, profile: false },
    accountRateLimit: null,
    // An agency reads e-mail and sets no limit (the brief: "none"): 20 messages a second to one agency lets a
    // burst of its actors' changes out within seconds; an SMTP relay allowing fewer is set per deployment
    // (CASTSYNC_DISPATCH_PER_SECOND_<ID>). Five at once per worker, over the pooled SMTP connections.
    dispatch: { activitiesPerSecond: 20, maxConcurrent: 5 },
    email: { ...CASTSYNC_SENDER, subjectPrefix: 'Verfügbarkeit' },
  },
} satisfies Record<string, PlatformEntry>;

export type PlatformId = keyof typeof platformCatalog;

export const platformIds = Object.keys(platformCatalog) as PlatformId[];

export function isPlatformId(value: string): value is PlatformId {
  return Object.hasOwn(platformCatalog, value);
}

export function getPlatform(id: string): PlatformEntry {
  if (!isPlatformId(id)) throw new Error(`unknown platform "${id}"`);
  return platformCatalog[id];
}

/**
 * The task queue names live with the rest of the Temporal plumbing (workflows/plumbing.ts), where workflows may import
 * them; the catalog hands them on for platform code, which looks here for what belongs to a platform.
 */
export { platformTaskQueue, WORKFLOW_TASK_QUEUE } from '../workflows/plumbing.js';

/** A full comparison of every connection once a day, unless its catalog entry says otherwise (reconcileIntervalHours). */
export const DEFAULT_RECONCILE_INTERVAL_HOURS = 24;

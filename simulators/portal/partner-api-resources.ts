// The resources of Filmmakers' partner API built from the portal simulator's own state (the profile form and the
// media page), so a change made on the portal shows in the API. Every field name and shape is the documentation's
// (denkungsart/filmmakers-api, file cited beside each); values the portal does not hold are null, never made up.
// Pure functions apart from the clock kept in ResourceClock.
import type { PortalMediaItem } from './media-pages.js';
import { eyeColorKey, languagesObject } from './partner-api-attributes.js';
import type { PortalProfile } from './profile-pages.js';

/** One actor whose profile a token may read: the portal account's state as the API sees it. */
export interface PartnerApiActor {
  profileId: string;
  name: string;
  profile(): PortalProfile;
  media(): PortalMediaItem[];
}

/**
 * Documented timestamps the portal does not keep: when a picture first appeared and when the profile last changed
 * (docs/actor-profiles.md `created_at`, `updated_at`). Recorded the first time the API sees a state, so they move
 * when, and only when, something changed on the portal.
 */
export class ResourceClock {
  private readonly seen = new Map<string, string>();
  private readonly profileVersions = new Map<string, { fingerprint: string; at: string }>();

  createdAt(mediaId: string): string {
    if (!this.seen.has(mediaId)) this.seen.set(mediaId, new Date().toISOString());
    return this.seen.get(mediaId)!;
  }

  updatedAt(actor: PartnerApiActor): string {
    const fingerprint = JSON.stringify([actor.name, actor.profile(), actor.media()]);
    const known = this.profileVersions.get(actor.profileId);
    if (known?.fingerprint === fingerprint) return known.at;
    const at = new Date().toISOString();
    this.profileVersions.set(actor.profileId, { fingerprint, at });
    return at;
  }
}

/** docs/actor-profiles.md "Get All Actor Profiles": `fields` may name these; `name,gender` when it names none. */
export const LIST_FIELDS = ['age', 'gender', 'gender_new', 'first_name', 'last_name', 'name', 'main_profession', 'professions', 'languages', 'representative', 'updated_at'] as const;
const DEFAULT_LIST_FIELDS = ['name', 'gender'];

/** One entry of the profile list: `id` always, then the requested fields (unknown names are ignored). */
export function listedProfile(actor: PartnerApiActor, fields: string | undefined, clock: ResourceClock): Record<string, unknown> {
  const wanted = fields ? fields.split(',').map((f) => f.trim()).filter((f) => (LIST_FIELDS as readonly string[]).includes(f)) : DEFAULT_LIST_FIELDS;
  const all = summaryFields(actor, clock);
  return { id: Number(actor.profileId), ...Object.fromEntries(wanted.map((field) => [field, all[field] ?? null])) };
}

function summaryFields(actor: PartnerApiActor, clock: ResourceClock): Record<string, unknown> {
  const [firstName, ...rest] = actor.name.split(' ');
  return {
    name: actor.name,
    first_name: firstName ?? null,
    last_name: rest.join(' ') || null,
    // The portal asks for no gender, age or profession: the API has nothing to say about them.
    gender: null,
    gender_new: null,
    age: null,
    main_profession: null,
    professions: [],
    languages: languagesObject(actor.profile()),
    representative: null,
    updated_at: clock.updatedAt(actor),
  };
}

/**
 * docs/actor-profiles.md "Get a Specific Actor Profile": the fields the portal holds, under their documented names.
 * The portal's free-text skills have no documented field (`special_skills` is keyed by the attribute ids of
 * docs/attributes.md), so the API leaves them out, as the real one would for anything it does not hold.
 */
export function actorProfile(actor: PartnerApiActor, base: string, clock: ResourceClock): Record<string, unknown> {
  const profile = actor.profile();
  const media = actor.media().filter((item) => !item.hidden);
  const videos = media.filter((item) => item.type === 'video');
  // The example of a single profile has first_name and last_name but no name.
  const summary = summaryFields(actor, clock);
  delete summary.name;
  return {
    id: Number(actor.profileId),
    ...summary,
    filmmakers_url: `${base}/actors/${actor.profileId}`,
    acting_age_from: profile.playingAgeFrom,
    acting_age_to: profile.playingAgeTo,
    height: profile.heightCm,
    // docs/actor-profiles.md: a key of the eye colour list (`"eye_color": "braun"`), see partner-api-attributes.ts.
    eye_color: eyeColorKey(profile),
    profile_visibility: 'public',
    pictures: media.filter((item) => item.type === 'photo').map((item) => picture(item, base, clock)),
    // One showreel per video on the portal, each holding that one video as its medium.
    showreels: videos.map((item) => ({ name: item.fileName, url: `${base}/actors/${actor.profileId}/showreels/${item.id}`, type: 'video' })),
    showreel_ids: videos.map((item) => Number(item.id)),
    showreel_medium_ids: videos.map((item) => Number(item.id)),
  };
}

/** docs/actor-profiles.md `pictures[]`: id, copyright, created_at, url, versions, orientation, dimensions, main_picture. */
function picture(item: PortalMediaItem, base: string, clock: ResourceClock): Record<string, unknown> {
  const url = fileUrl(item, base);
  return {
    id: Number(item.id),
    copyright: item.credit,
    created_at: clock.createdAt(item.id),
    url,
    // The portal keeps one file; every documented version points at it.
    versions: { original: url, large: url, thumb: url, thumb_large: url },
    orientation: orientation(item),
    dimensions: item.width !== null && item.height !== null ? [item.width, item.height] : null,
    main_picture: item.main,
    year: null,
    recorded_at: null,
  };
}

function orientation(item: PortalMediaItem): string | null {
  if (item.width === null || item.height === null) return null;
  if (item.width === item.height) return 'square';
  return item.width > item.height ? 'landscape' : 'portrait';
}

/** docs/showreels.md: one showreel, found through the profile's `showreel_ids`. */
export function showreel(item: PortalMediaItem, position: number): Record<string, unknown> {
  return {
    id: Number(item.id),
    showreel_type: 'video',
    name: item.fileName,
    position,
    poster_copyright: item.credit,
    download: false,
    showreel_medium_ids: [Number(item.id)],
    poster: null,
  };
}

/** docs/showreel-media.md: one video, found through `showreel_medium_ids`. */
export function showreelMedium(item: PortalMediaItem, base: string): Record<string, unknown> {
  return {
    id: Number(item.id),
    type: 'ShowreelVideo',
    name: item.fileName,
    director: null,
    role: null,
    year: null,
    download: false,
    duration: null,
    skills: [],
    vita_entry_id: null,
    skill: null,
    picture: null,
    asset: null,
    proxies: { sd: fileUrl(item, base) },
  };
}

function fileUrl(item: PortalMediaItem, base: string): string {
  return `${base}/media/${item.id}/file`;
}

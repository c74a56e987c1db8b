// What POST /api/platforms/:platformId/connect takes, by platform kind, and how it becomes the connection's
// AuthData: the fields a kind needs, the optional read-only partner API token of a platform that has one
// (Filmmakers) with the actor's profile id beside it. The token itself is tried by the connect-time check
// (activities/connection-check.ts), before the login.
import type { PlatformEntry } from '../../adapters/catalog.js';
import type { AuthData } from '../../adapters/types.js';
import { HttpError } from '../schemas.js';

export interface ConnectBody {
  apiKey?: string;
  /** Optional for browser platforms with a read-only partner API (Filmmakers): profile and media reads use it. */
  partnerApiToken?: string;
  /** With partnerApiToken: the actor's profile id, needed when the token (an agency's) reads several profiles. */
  partnerApiProfileId?: string;
  email?: string;
  password?: string;
  agencyEmail?: string;
}

export const connectBodyProperties = {
  apiKey: { type: 'string', minLength: 1, maxLength: 500 },
  email: { type: 'string', format: 'email', maxLength: 320 },
  password: { type: 'string', minLength: 1, maxLength: 500 },
  agencyEmail: { type: 'string', format: 'email', maxLength: 320 },
  partnerApiToken: { type: 'string', minLength: 1, maxLength: 500, description: 'Filmmakers: the read-only partner API token, used for profile and media reads' },
  partnerApiProfileId: {
    type: 'string',
    maxLength: 40,
    description: "Filmmakers, with partnerApiToken: the actor's profile id in the partner API (digits), needed when the token is an agency's and reads several profiles",
  },
} as const;

export const credentialFieldsByKind: Record<PlatformEntry['kind'], (keyof ConnectBody)[]> = {
  rest: ['apiKey'],
  browser: ['email', 'password'],
  email: ['agencyEmail'],
  oauth: [],
};

/** docs/actor-profiles.md of Filmmakers' API: a profile's `id` is a number; taken as its digits. */
const PROFILE_ID = /^[1-9]\d{0,11}$/;

/** Refuses (400) a body with fields the platform does not take, without those it needs, or with a bad profile id. */
export function checkCredentialFields(platform: PlatformEntry, body: ConnectBody) {
  const needed = credentialFieldsByKind[platform.kind];
  const optional: (keyof ConnectBody)[] = platform.browser?.partnerApiPath ? ['partnerApiToken', 'partnerApiProfileId'] : [];
  const given = Object.keys(body) as (keyof ConnectBody)[];
  const foreign = given.filter((field) => !needed.includes(field) && !optional.includes(field));
  if (foreign.length) throw new HttpError(400, `${platform.name} does not take ${foreign.join(', ')}${needed.length ? `; it needs ${needed.join(' and ')}` : ''}`);
  const missing = needed.filter((field) => !body[field]);
  if (missing.length) throw new HttpError(400, `${platform.name} needs ${missing.join(' and ')}`);
  if (body.partnerApiProfileId !== undefined) {
    if (!body.partnerApiToken) throw new HttpError(400, 'partnerApiProfileId goes with partnerApiToken: give the token too, or leave the profile id out');
    if (!PROFILE_ID.test(body.partnerApiProfileId.trim())) {
      throw new HttpError(400, `partnerApiProfileId must be the number of the actor's profile in ${platform.name}'s partner API (digits only, such as 162)`);
    }
  }
}

/** The connection's credentials from a checked body. */
export function credentialsOf(platform: PlatformEntry, body: ConnectBody): AuthData {
  if (platform.kind === 'rest') return { apiKey: body.apiKey };
  if (platform.kind !== 'browser') return {};
  const profileId = body.partnerApiProfileId?.trim();
  return { email: body.email, password: body.password, partnerApiToken: body.partnerApiToken, ...(profileId ? { partnerApiProfileId: profileId } : {}) };
}

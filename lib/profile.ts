// The actor's profile as castsync keeps it: the fields casting platforms ask for (design.md, "Profile data"), each
// optional, each public or private. Vocabularies use our own English keys; each platform's words, units and limits
// are mapped from them (adapters/profile-mapping.ts, with the data in the catalog). The JSON schemas below validate
// the API's bodies (api/routes/profile.ts); what a schema cannot say (from <= to, repeats, ISO codes, blank text)
// is checked by profileProblem(). Pure: no I/O, so the mapping and workflows' helpers may import it.
import { controlCharacterProblem } from './text-rules.js';

export const EYE_COLOURS = ['blue', 'blue-grey', 'blue-green', 'grey', 'green', 'hazel', 'amber', 'brown', 'dark-brown', 'black'] as const;
export const HAIR_COLOURS = [
  'black', 'dark-brown', 'brown', 'light-brown', 'dark-blond', 'blond', 'light-blond', 'red', 'auburn', 'grey', 'salt-and-pepper', 'white',
] as const;
export const HAIR_LENGTHS = ['bald', 'shaved', 'very-short', 'short', 'chin-length', 'shoulder-length', 'long', 'very-long'] as const;
export const BUILDS = ['slim', 'athletic', 'average', 'muscular', 'stocky', 'curvy', 'plus-size'] as const;
/** The voice types casting forms use (German: Stimmlage). */
export const VOICE_PITCHES = ['soprano', 'mezzo-soprano', 'alto', 'tenor', 'baritone', 'bass'] as const;
export const LANGUAGE_LEVELS = ['native', 'fluent', 'good', 'basic'] as const;
/** Instruments, sports, dances, singing: how well; optional, a list may name a skill without one. */
export const SKILL_LEVELS = ['professional', 'good', 'basic'] as const;
/** EU driving licence classes (Directive 2006/126/EC), plus the German tractor class T. */
export const DRIVING_LICENCES = ['AM', 'A1', 'A2', 'A', 'B', 'BE', 'C1', 'C1E', 'C', 'CE', 'D1', 'D1E', 'D', 'DE', 'T'] as const;
export const CREDIT_CATEGORIES = ['film', 'tv', 'theatre', 'commercial', 'education', 'award'] as const;
export const ROLE_TYPES = ['lead', 'supporting', 'small', 'guest', 'ensemble', 'voice'] as const;
export const VISIBILITIES = ['public', 'private'] as const;

export type EyeColour = (typeof EYE_COLOURS)[number];
export type HairColour = (typeof HAIR_COLOURS)[number];
export type HairLength = (typeof HAIR_LENGTHS)[number];
export type Build = (typeof BUILDS)[number];
export type VoicePitch = (typeof VOICE_PITCHES)[number];
export type LanguageLevel = (typeof LANGUAGE_LEVELS)[number];
export type SkillLevel = (typeof SKILL_LEVELS)[number];
export type DrivingLicence = (typeof DRIVING_LICENCES)[number];
export type CreditCategory = (typeof CREDIT_CATEGORIES)[number];
export type RoleType = (typeof ROLE_TYPES)[number];
export type Visibility = (typeof VISIBILITIES)[number];

export interface LanguageSkill {
  name: string;
  level: LanguageLevel;
}

export interface Skill {
  name: string;
  level?: SkillLevel;
}

export interface AgencyLink {
  name: string;
  url: string;
}

export interface Credit {
  category: CreditCategory;
  year: number;
  title: string;
  role?: string;
  roleType?: RoleType;
  director?: string;
  company?: string;
}

export interface ProfileFields {
  /** The ages the actor can play, in years. */
  playingAge?: { from: number; to: number };
  yearOfBirth?: number;
  heightCm?: number;
  weightKg?: number;
  eyeColour?: EyeColour;
  hairColour?: HairColour;
  hairLength?: HairLength;
  build?: Build;
  voicePitch?: VoicePitch;
  /** ISO 3166-1 alpha-2 codes. */
  nationalities?: string[];
  languages?: LanguageSkill[];
  dialects?: LanguageSkill[];
  accents?: LanguageSkill[];
  instruments?: Skill[];
  sports?: Skill[];
  dances?: Skill[];
  /** Singing styles (musical, jazz, opera, ...). */
  singing?: Skill[];
  drivingLicences?: DrivingLicence[];
  specialSkills?: string[];
  unions?: string[];
  /** ISO 3166-1 alpha-2 codes, or EU for the whole European Union. */
  workPermits?: string[];
  /** Cities where the actor can stay (German: Wohnmöglichkeiten), so a production saves the hotel. */
  residences?: string[];
  agencyLinks?: AgencyLink[];
  credits?: Credit[];
}

export type ProfileFieldName = keyof ProfileFields;

/** Per top-level field; a field left out is public. */
export type ProfileVisibility = Partial<Record<ProfileFieldName, Visibility>>;

export interface ProfileData {
  fields: ProfileFields;
  visibility: ProfileVisibility;
  /** 0 before the first save; every change adds one. */
  version: number;
}

/** Every field, in display order (also the order in which a platform's merged lists are filled). */
export const PROFILE_FIELD_NAMES = [
  'playingAge', 'yearOfBirth', 'heightCm', 'weightKg', 'eyeColour', 'hairColour', 'hairLength', 'build', 'voicePitch',
  'nationalities', 'languages', 'dialects', 'accents', 'specialSkills', 'sports', 'dances', 'instruments', 'singing',
  'drivingLicences', 'unions', 'workPermits', 'residences', 'agencyLinks', 'credits',
] as const satisfies readonly ProfileFieldName[];

export const PROFILE_LIMITS = {
  /** Entries of any list but credits. */
  listItems: 50,
  credits: 200,
  name: 60,
  text: 120,
  title: 200,
  url: 500,
  years: { min: 1900, max: 2100 },
  age: { min: 0, max: 100 },
  heightCm: { min: 50, max: 250 },
  weightKg: { min: 20, max: 300 },
} as const;

const L = PROFILE_LIMITS;

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const whole = (bounds: { min: number; max: number }, description?: string) =>
  ({ type: 'integer', minimum: bounds.min, maximum: bounds.max, ...(description ? { description } : {}) }) as const;
const oneOf = <T extends readonly string[]>(values: T) => ({ type: 'string', enum: values }) as const;
const list = <T extends object>(items: T, maxItems: number = L.listItems) => ({ type: 'array', maxItems, items }) as const;
const entry = <P extends Record<string, object>, R extends readonly string[]>(properties: P, required: R) =>
  ({ type: 'object', additionalProperties: false, required, properties }) as const;

const languageSkill = entry({ name: text(L.name), level: oneOf(LANGUAGE_LEVELS) }, ['name', 'level']);
const skill = entry({ name: text(L.name), level: oneOf(SKILL_LEVELS) }, ['name']);
const countryCode = { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. DE' } as const;

/** Each field's schema, the one place its limits are written. */
export const profileFieldSchemas = {
  playingAge: { ...entry({ from: whole(L.age), to: whole(L.age) }, ['from', 'to']), description: 'Years; from must not be above to' },
  yearOfBirth: whole(L.years),
  heightCm: whole(L.heightCm, 'Centimetres'),
  weightKg: whole(L.weightKg, 'Kilograms'),
  eyeColour: oneOf(EYE_COLOURS),
  hairColour: oneOf(HAIR_COLOURS),
  hairLength: oneOf(HAIR_LENGTHS),
  build: oneOf(BUILDS),
  voicePitch: oneOf(VOICE_PITCHES),
  nationalities: list(countryCode),
  languages: list(languageSkill),
  dialects: list(languageSkill),
  accents: list(languageSkill),
  instruments: list(skill),
  sports: list(skill),
  dances: list(skill),
  singing: list(skill),
  drivingLicences: list(oneOf(DRIVING_LICENCES)),
  specialSkills: list(text(L.name)),
  unions: list(text(L.text)),
  workPermits: { ...list(countryCode), description: 'ISO 3166-1 alpha-2 codes, or EU for the whole European Union' },
  residences: { ...list(text(L.text)), description: 'Cities where the actor can stay' },
  agencyLinks: list(entry({ name: text(L.text), url: { type: 'string', format: 'uri', pattern: '^https?://[^/?#\\s]+', maxLength: L.url, description: 'http(s) with a host' } }, ['name', 'url'])),
  credits: list(
    entry(
      {
        category: oneOf(CREDIT_CATEGORIES),
        year: whole(L.years),
        title: text(L.title),
        role: text(L.title),
        roleType: oneOf(ROLE_TYPES),
        director: text(L.text),
        company: text(L.title),
      },
      ['category', 'year', 'title'],
    ),
    L.credits,
  ),
} as const satisfies Record<ProfileFieldName, object>;

export const profileFieldsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Every field is optional',
  properties: profileFieldSchemas,
} as const;

/** For merging (PATCH): every field may also be null, which removes it. */
export const profileFieldsPatchSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Fields to set; null removes a field; fields left out stay as they are',
  properties: Object.fromEntries(Object.entries(profileFieldSchemas).map(([name, schema]) => [name, nullable(schema)])),
} as const;

export const profileVisibilitySchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Per field: public (the default) or private; private fields are cleared on every platform',
  properties: Object.fromEntries(PROFILE_FIELD_NAMES.map((name) => [name, oneOf(VISIBILITIES)])),
} as const;

function nullable(schema: object): object {
  const s = schema as { type: string; enum?: readonly unknown[] };
  return { ...s, type: [s.type, 'null'], ...(s.enum ? { enum: [...s.enum, null] } : {}) };
}

export const isPrivate = (visibility: ProfileVisibility, field: ProfileFieldName) => visibility[field] === 'private';
export const isListField = (field: ProfileFieldName) => profileFieldSchemas[field].type === 'array';

/**
 * What the schema cannot check, as a message for a 400 (null when the fields are fine): playing age from <= to, a
 * year of birth not in the future, country codes that exist, no entry listed twice, no blank text or line breaks.
 */
export function profileProblem(fields: ProfileFields, now = new Date()): string | null {
  const { playingAge, yearOfBirth } = fields;
  if (playingAge && playingAge.from > playingAge.to) return `fields.playingAge: from (${playingAge.from}) must not be above to (${playingAge.to})`;
  if (yearOfBirth !== undefined && yearOfBirth > now.getUTCFullYear()) return `fields.yearOfBirth ${yearOfBirth} is in the future`;
  return countryProblem(fields) ?? repeatProblem(fields) ?? textProblem(fields, 'fields');
}

function countryProblem(fields: ProfileFields): string | null {
  for (const name of ['nationalities', 'workPermits'] as const) {
    const known = name === 'workPermits' ? WORK_PERMIT_AREAS : COUNTRY_CODES;
    const unknown = fields[name]?.find((code) => !known.has(code));
    if (unknown !== undefined) return `fields.${name}: "${unknown}" is not an ISO 3166-1 alpha-2 country code${name === 'workPermits' ? ' (or EU)' : ''}`;
  }
  return null;
}

/** Lists name each thing once; names compare without case, as the platforms do. */
function repeatProblem(fields: ProfileFields): string | null {
  for (const name of PROFILE_FIELD_NAMES) {
    const value = fields[name];
    if (!Array.isArray(value) || name === 'credits') continue;
    const seen = new Set<string>();
    for (const item of value as (string | { name: string })[]) {
      const key = typeof item === 'string' ? item : name === 'agencyLinks' ? (item as AgencyLink).url : item.name;
      if (seen.has(key.toLowerCase())) return `fields.${name} lists "${key}" twice`;
      seen.add(key.toLowerCase());
    }
  }
  return null;
}

/** Platform forms take one entry a line and trim what they get: a line break or a blank name would not survive. */
function textProblem(value: unknown, path: string): string | null {
  if (typeof value === 'string') {
    if (!value.trim()) return `${path} is blank`;
    const problem = controlCharacterProblem(value, false);
    if (problem) return `${path} ${problem}`;
    return null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const problem = textProblem(item, `${path}[${index}]`);
      if (problem) return problem;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
  }
  return null;
}

/** ISO 3166-1 alpha-2 (the 249 assigned codes), plus XK for Kosovo, which passports and casting forms use. */
const COUNTRY_CODES: ReadonlySet<string> = new Set(
  `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF
  CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH
  GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW
  KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG
  NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN
  SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT
  ZA ZM ZW XK`.split(/\s+/),
);
const WORK_PERMIT_AREAS: ReadonlySet<string> = new Set([...COUNTRY_CODES, 'EU']);

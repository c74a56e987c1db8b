// Profile drift needs the partner API's closed lists: a profile carries keys of the platform's own vocabulary
// (docs/actor-profiles.md: `"eye_color": "braun"`, `"languages": { "deutsch": "muttersprachlich" }`), and the
// portal's form (what castsync sends) takes words. docs/attributes.md publishes the lists: GET /attributes names
// them, GET /attributes/{key}?locale=en gives one as key -> label. The labels in English are matched with the form's
// words; anything that does not match is unknown, never a difference, so a spelling castsync cannot read never
// pushes the profile back on every pull.
//
// The docs do not name the lists of eye colours and language levels (their example shows `accent_skill`,
// `accents`, `dialect_skill`, `dialects`, ... and names "languages"): each is looked for under both readings
// (the profile field's name and its plural; `<x>_skill` as beside accents and dialects, and its plural) in the
// names GET /attributes gives, and a list not found leaves its field uncompared.
import type { PlatformEntry } from '../catalog.js';
import type { ChoiceRule, LevelledRule } from '../profile-mapping.js';
import type { PlatformProfileValues } from '../types.js';
import { LANGUAGE_LEVELS } from '../../lib/profile.js';

/** Key -> English label, of each list drift needs; null when the API has no such list. */
export interface PartnerApiVocabulary {
  eyeColors: Record<string, string> | null;
  languages: Record<string, string> | null;
  languageLevels: Record<string, string> | null;
}

/** Where each list may be found, in the order tried (see above). */
export const VOCABULARY_ATTRIBUTES = {
  eyeColors: ['eye_color', 'eye_colors'],
  languages: ['languages'],
  languageLevels: ['language_skill', 'language_skills'],
} as const satisfies Record<keyof PartnerApiVocabulary, readonly string[]>;

/** The lists change when the platform adds a word, rarely: read again after this long, not on every check. */
const VOCABULARY_TTL_MS = 60 * 60_000;
const cache = new Map<string, { at: number; vocabulary: PartnerApiVocabulary }>();

/** The vocabulary of the API at this address, read through `read` (one request a list) unless read recently. */
export async function cachedVocabulary(apiUrl: string, read: () => Promise<PartnerApiVocabulary>, now = Date.now()): Promise<PartnerApiVocabulary> {
  const known = cache.get(apiUrl);
  if (known && now - known.at < VOCABULARY_TTL_MS) return known.vocabulary;
  const vocabulary = await read();
  cache.set(apiUrl, { at: now, vocabulary });
  return vocabulary;
}

/** A list's name among those the API names, under either reading; undefined when none is there. */
export function attributeName(names: string[], list: keyof PartnerApiVocabulary): string | undefined {
  return VOCABULARY_ATTRIBUTES[list].find((name) => names.includes(name));
}

/**
 * The profile's eye colour and languages in the portal form's words, for the fields whose keys the vocabulary
 * reads; a field with a key it does not (or no list at all) is left out: unknown, not compared.
 */
export function vocabularyValues(platform: PlatformEntry, fields: Record<string, unknown>, vocabulary: PartnerApiVocabulary): PlatformProfileValues {
  const values: PlatformProfileValues = {};
  const eye = eyeColourOf(platform, fields.eye_color, vocabulary);
  if (eye !== undefined) values.eyeColour = eye;
  const languages = languagesOf(platform, fields.languages, vocabulary);
  if (languages !== undefined) values.languages = languages;
  return values;
}

/** "Dark brown" -> "dark-brown": a label as the form's words are written. */
const asWord = (label: string) => label.trim().toLowerCase().replace(/\s+/g, '-');

function eyeColourOf(platform: PlatformEntry, key: unknown, vocabulary: PartnerApiVocabulary): string | null | undefined {
  if (key === null || key === undefined || key === '') return null;
  const rule = platform.profile?.fields.eyeColour as ChoiceRule<string> | undefined;
  const label = typeof key === 'string' ? vocabulary.eyeColors?.[key] : undefined;
  if (!rule || label === undefined) return undefined;
  const words = rule.vocabulary ? Object.values(rule.vocabulary).map(String) : [];
  const word = asWord(label);
  return words.includes(word) ? word : undefined;
}

/**
 * `{ key: levelKey }` as the form's `[{ language, level }]`: the language's English name (the form takes names
 * as typed, compared without regard to case) and the level whose label starts with one of the form's level words
 * ("Native speaker" -> native). Every entry must be read, or the whole list is unknown.
 */
function languagesOf(platform: PlatformEntry, value: unknown, vocabulary: PartnerApiVocabulary): { language: string; level: string }[] | undefined {
  const rule = platform.profile?.fields.languages as LevelledRule<string> | undefined;
  if (!rule || rule.kind !== 'levelled' || !vocabulary.languages || !vocabulary.languageLevels) return undefined;
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const levelWords = rule.levels ? Object.values(rule.levels).map(String) : [...LANGUAGE_LEVELS];
  const read: { language: string; level: string }[] = [];
  for (const [key, levelKey] of Object.entries(value as Record<string, unknown>)) {
    const language = vocabulary.languages[key];
    const levelLabel = typeof levelKey === 'string' ? vocabulary.languageLevels[levelKey] : undefined;
    const level = levelLabel === undefined ? undefined : levelWords.find((word) => asWord(levelLabel).split('-')[0] === word.toLowerCase());
    if (language === undefined || level === undefined) return undefined;
    read.push({ language, level });
  }
  return read;
}

/** Two language lists as sets of (language, level), without regard to case or order. */
export function sameLanguages(sent: unknown, seen: unknown): boolean {
  const set = (list: unknown) =>
    new Set(
      (Array.isArray(list) ? list : []).map((entry: { language?: unknown; level?: unknown }) => `${String(entry?.language ?? '').trim().toLowerCase()}\u0000${String(entry?.level ?? '').toLowerCase()}`),
    );
  const a = set(sent);
  const b = set(seen);
  return a.size === b.size && [...a].every((entry) => b.has(entry));
}

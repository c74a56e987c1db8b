// The closed lists of Filmmakers' partner API (docs/attributes.md): GET /attributes names them, GET
// /attributes/{key} gives one as key/value pairs, the values localized by `locale` (docs/api-reference.md, "Common
// Parameters": en, de, fr, it, es, pl, ro, ru, tr; en by default). Profiles carry the keys (docs/actor-profiles.md:
// `"eye_color": "braun"`, `"languages": { "deutsch": "muttersprachlich" }`), so the portal's form words become keys
// here and a client needs these lists to read them.
//
// What the docs leave open, and what the simulator does instead:
// - The attribute names. The docs' example list shows `accent_skill`, `accents`, `dialect_skill`, `dialects`, ...
//   and names "languages" as a closed list; eye colour and the language levels are not named. The simulator serves
//   `eye_color` (the profile's field name) and `language_skill` (as `accent_skill` goes with `accents`); a client
//   must not rely on these two names (castsync's also accepts `eye_colors` and `language_skills`).
// - The keys and labels. Only the keys in the docs' profile example are documented (braun, deutsch, englisch,
//   muttersprachlich, fliessend); the other keys and every label are the simulator's own, in English and German.
//   Other documented locales answer in English (the simulator has no other translations).
import type { PortalProfile } from './profile-pages.js';

type Labels = { en: string; de: string };

/** The portal form's eye colour words (lib/profile.ts EYE_COLOURS) -> key, labels. */
const EYE_COLORS: Record<string, [string, Labels]> = {
  blue: ['blau', { en: 'Blue', de: 'Blau' }],
  'blue-grey': ['blaugrau', { en: 'Blue-grey', de: 'Blaugrau' }],
  'blue-green': ['blaugruen', { en: 'Blue-green', de: 'Blaugrün' }],
  grey: ['grau', { en: 'Grey', de: 'Grau' }],
  green: ['gruen', { en: 'Green', de: 'Grün' }],
  hazel: ['haselnuss', { en: 'Hazel', de: 'Haselnuss' }],
  amber: ['bernstein', { en: 'Amber', de: 'Bernstein' }],
  brown: ['braun', { en: 'Brown', de: 'Braun' }],
  'dark-brown': ['dunkelbraun', { en: 'Dark brown', de: 'Dunkelbraun' }],
  black: ['schwarz', { en: 'Black', de: 'Schwarz' }],
};

/** The portal form's language levels (lib/profile.ts LANGUAGE_LEVELS) -> key, labels. */
const LANGUAGE_SKILLS: Record<string, [string, Labels]> = {
  native: ['muttersprachlich', { en: 'Native speaker', de: 'Muttersprachlich' }],
  fluent: ['fliessend', { en: 'Fluent', de: 'Fließend' }],
  good: ['gut', { en: 'Good', de: 'Gut' }],
  basic: ['grundkenntnisse', { en: 'Basic knowledge', de: 'Grundkenntnisse' }],
};

/** The languages the simulator's list holds, by key. */
const LANGUAGES: Record<string, Labels> = {
  deutsch: { en: 'German', de: 'Deutsch' },
  englisch: { en: 'English', de: 'Englisch' },
  franzoesisch: { en: 'French', de: 'Französisch' },
  italienisch: { en: 'Italian', de: 'Italienisch' },
  spanisch: { en: 'Spanish', de: 'Spanisch' },
  polnisch: { en: 'Polish', de: 'Polnisch' },
  tuerkisch: { en: 'Turkish', de: 'Türkisch' },
  russisch: { en: 'Russian', de: 'Russisch' },
  niederlaendisch: { en: 'Dutch', de: 'Niederländisch' },
  schwedisch: { en: 'Swedish', de: 'Schwedisch' },
};

const ATTRIBUTES: Record<string, Record<string, Labels>> = {
  eye_color: Object.fromEntries(Object.values(EYE_COLORS)),
  language_skill: Object.fromEntries(Object.values(LANGUAGE_SKILLS)),
  languages: LANGUAGES,
};

/** docs/attributes.md "Get All Attributes": the names, as an array. */
export function attributeNames(): string[] {
  return Object.keys(ATTRIBUTES).sort();
}

/** docs/attributes.md "Get Key/Value Pairs for Attributes": one list in a locale, or null for an unknown name. */
export function attributeValues(name: string, locale: string | undefined): Record<string, string> | null {
  const list = ATTRIBUTES[name];
  if (!list) return null;
  const language = locale === 'de' ? 'de' : 'en';
  return Object.fromEntries(Object.entries(list).map(([key, labels]) => [key, labels[language]]));
}

/** The portal's eye colour as the API's key. */
export function eyeColorKey(profile: PortalProfile): string | null {
  return profile.eyeColour ? (EYE_COLORS[profile.eyeColour]?.[0] ?? null) : null;
}

/**
 * docs/actor-profiles.md `languages`, `{ "language": "skill level" }` as keys. The portal's languages are free
 * text: one the list holds (by its English or German name) is its key; any other is written as typed, lower case,
 * which no list holds (a client must treat it as unknown, as it would a key added to the real list later).
 */
export function languagesObject(profile: PortalProfile): Record<string, string> {
  return Object.fromEntries(
    profile.languages.map(({ language, level }) => {
      const name = language.toLowerCase();
      const key = Object.entries(LANGUAGES).find(([, labels]) => labels.en.toLowerCase() === name || labels.de.toLowerCase() === name)?.[0] ?? name;
      return [key, LANGUAGE_SKILLS[level]?.[0] ?? level];
    }),
  );
}

// How our profile becomes one platform's: the rules are data in the catalog (which fields a platform has, under
// which names, in which units and words), and mapProfileFor applies them. Pure: no I/O, importable anywhere.
//
// A push replaces the platform's whole profile, so every field the platform has is sent: with our value, or cleared
// (null, or an empty list) when we have none or the actor made it private — a private value must not show on a
// public profile. A public value the platform cannot take is left out and reported in `unrepresentable`, in words a
// person understands, so the user learns what the platform does not show.
import type { PlatformEntry } from './catalog.js';
import type { PlatformProfileValues } from './types.js';
import {
  PROFILE_FIELD_NAMES,
  isListField,
  isPrivate,
  type Build,
  type CreditCategory,
  type DrivingLicence,
  type EyeColour,
  type HairColour,
  type HairLength,
  type LanguageLevel,
  type ProfileFieldName,
  type ProfileFields,
  type ProfileVisibility,
  type RoleType,
  type SkillLevel,
  type VoicePitch,
} from '../lib/profile.js';

/** Our word -> the platform's. A word left out is one the platform does not have. */
export type Vocabulary<K extends string> = Readonly<Partial<Record<K, string | number>>>;

/** What text a platform takes in a list; `pattern` is a unicode RegExp source, `says` tells a person the rule. */
export interface TextRule {
  maxLength: number;
  pattern?: string;
  says: string;
}

/** Sent as it is. */
export interface ValueRule {
  kind: 'value';
  key: string;
}

/** A measurement in the platform's unit, rounded to whole units (ours are centimetres and kilograms). */
export interface MeasureRule<U extends string> {
  kind: 'measure';
  key: string;
  unit: U;
}

/** The playing age's two ends, each in a field of its own. */
export interface RangeRule {
  kind: 'range';
  fromKey: string;
  toKey: string;
}

/** One word of a vocabulary; no vocabulary: the platform uses our words. */
export interface ChoiceRule<K extends string> {
  kind: 'choice';
  key: string;
  vocabulary?: Vocabulary<K>;
}

/** A list of words (vocabulary as for a choice) or of texts. */
export interface ListRule<K extends string = string> {
  kind: 'list';
  key: string;
  vocabulary?: Vocabulary<K>;
  maxItems?: number;
}

/** `{ name, level }` entries, sent as `{ [nameKey]: name, [levelKey]: level }` (a skill without a level: null). */
export interface LevelledRule<L extends string> {
  kind: 'levelled';
  key: string;
  nameKey: string;
  levelKey: string;
  levels?: Vocabulary<L>;
  maxItems?: number;
  text?: TextRule;
}

/**
 * Names only, without levels. Several of our lists may go into one list of the platform (same key); they are
 * appended in PROFILE_FIELD_NAMES order and a name already there is not repeated.
 */
export interface NamesRule {
  kind: 'names';
  key: string;
  /** What the platform calls the list ("skills"); default: our field's name. */
  label?: string;
  maxItems?: number;
  text?: TextRule;
}

/** Credits as `{ category, year, title, role, roleType, director, company }`, in the platform's words. */
export interface CreditsRule {
  kind: 'credits';
  key: string;
  /** The categories the platform takes; credits of the others are left out. */
  categories: Vocabulary<CreditCategory>;
  roleTypes: Vocabulary<RoleType>;
  maxItems?: number;
}

type LanguageListRule = LevelledRule<LanguageLevel> | NamesRule;
type SkillListRule = LevelledRule<SkillLevel> | NamesRule;
type TextListRule = ListRule | NamesRule;

/** One platform's profile: for each of our fields, how it holds it. A field left out: the platform has none for it. */
export interface ProfileMapping {
  fields: {
    playingAge?: RangeRule;
    yearOfBirth?: ValueRule;
    heightCm?: MeasureRule<'cm' | 'in'>;
    weightKg?: MeasureRule<'kg' | 'lb'>;
    eyeColour?: ChoiceRule<EyeColour>;
    hairColour?: ChoiceRule<HairColour>;
    hairLength?: ChoiceRule<HairLength>;
    build?: ChoiceRule<Build>;
    voicePitch?: ChoiceRule<VoicePitch>;
    nationalities?: ListRule;
    languages?: LanguageListRule;
    dialects?: LanguageListRule;
    accents?: LanguageListRule;
    specialSkills?: TextListRule;
    sports?: SkillListRule;
    dances?: SkillListRule;
    instruments?: SkillListRule;
    singing?: SkillListRule;
    drivingLicences?: ListRule<DrivingLicence>;
    unions?: TextListRule;
    workPermits?: ListRule;
    residences?: TextListRule;
    agencyLinks?: ValueRule;
    credits?: CreditsRule;
  };
}

/** A type, not an interface: it is stored as JSON (PlatformProfileState.unrepresentable), which needs an index signature. */
export type Unrepresentable = {
  /** Our top-level field. */
  field: string;
  reason: string;
};

export interface MappedProfile {
  values: PlatformProfileValues;
  unrepresentable: Unrepresentable[];
}

type FieldRule = NonNullable<ProfileMapping['fields'][ProfileFieldName]>;

/** Each field's name in a sentence: one of it, and several. */
const LABELS: Record<ProfileFieldName, [one: string, many: string]> = {
  playingAge: ['playing age', 'playing ages'],
  yearOfBirth: ['year of birth', 'years of birth'],
  heightCm: ['height', 'heights'],
  weightKg: ['weight', 'weights'],
  eyeColour: ['eye colour', 'eye colours'],
  hairColour: ['hair colour', 'hair colours'],
  hairLength: ['hair length', 'hair lengths'],
  build: ['build', 'builds'],
  voicePitch: ['voice pitch', 'voice pitches'],
  nationalities: ['nationality', 'nationalities'],
  languages: ['language', 'languages'],
  dialects: ['dialect', 'dialects'],
  accents: ['accent', 'accents'],
  specialSkills: ['special skill', 'special skills'],
  sports: ['sport', 'sports'],
  dances: ['dance', 'dances'],
  instruments: ['instrument', 'instruments'],
  singing: ['singing style', 'singing styles'],
  drivingLicences: ['driving licence class', 'driving licence classes'],
  unions: ['union', 'unions'],
  workPermits: ['work permit', 'work permits'],
  residences: ['city to stay in', 'cities to stay in'],
  agencyLinks: ['agency link', 'agency links'],
  credits: ['credit', 'credits'],
};

const UNIT_FACTORS: Record<string, number> = { cm: 1, in: 1 / 2.54, kg: 1, lb: 2.2046226218 };

/** The platform's profile values made from ours, and what of ours it cannot show. */
export function mapProfileFor(platform: PlatformEntry, profile: { fields: ProfileFields; visibility: ProfileVisibility }): MappedProfile {
  const mapper = new ProfileMapper(platform.name);
  const rules: ProfileMapping['fields'] = platform.profile?.fields ?? {};
  for (const field of PROFILE_FIELD_NAMES) {
    const value = isPrivate(profile.visibility, field) ? undefined : (profile.fields[field] as unknown);
    const rule = rules[field];
    if (rule) mapper.write(field, rule, value);
    else if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      mapper.report(field, `${platform.name} has no field for ${label(field, isListField(field) ? 'many' : 'one')}`);
    }
  }
  return { values: mapper.values, unrepresentable: mapper.unrepresentable };
}

type Named = string | { name: string; level?: string };

class ProfileMapper {
  readonly values: PlatformProfileValues = {};
  readonly unrepresentable: Unrepresentable[] = [];

  constructor(private readonly platformName: string) {}

  report(field: ProfileFieldName, reason: string) {
    this.unrepresentable.push({ field, reason });
  }

  /** Writes the field's value the platform's way; an undefined value (none, or private) clears it. */
  write(field: ProfileFieldName, rule: FieldRule, value: unknown) {
    switch (rule.kind) {
      case 'value':
        this.values[rule.key] = value === undefined ? (isListField(field) ? [] : null) : structuredClone(value);
        return;
      case 'measure':
        this.values[rule.key] = value === undefined ? null : Math.round((value as number) * UNIT_FACTORS[rule.unit]!);
        return;
      case 'range': {
        const range = value as { from: number; to: number } | undefined;
        this.values[rule.fromKey] = range?.from ?? null;
        this.values[rule.toKey] = range?.to ?? null;
        return;
      }
      case 'choice':
        this.values[rule.key] = value === undefined ? null : this.word(field, rule.vocabulary, value as string);
        return;
      case 'list':
        this.values[rule.key] = this.limited(field, rule.maxItems, this.words(field, rule.vocabulary, (value as string[] | undefined) ?? []));
        return;
      case 'levelled':
        this.values[rule.key] = this.levelled(field, rule, (value as { name: string; level?: string }[] | undefined) ?? []);
        return;
      case 'names':
        this.appendNames(field, rule, (value as Named[] | undefined) ?? []);
        return;
      case 'credits':
        this.values[rule.key] = this.credits(rule, (value as ProfileFields['credits']) ?? []);
        return;
    }
  }

  /** The platform's word for ours, or null (reported) when it has none. */
  private word(field: ProfileFieldName, vocabulary: Vocabulary<string> | undefined, ours: string): string | number | null {
    const theirs = vocabulary ? vocabulary[ours] : ours;
    if (theirs === undefined) {
      this.report(field, `${possessive(this.platformName)} ${label(field, 'many')} have no '${ours}'`);
      return null;
    }
    return theirs;
  }

  private words(field: ProfileFieldName, vocabulary: Vocabulary<string> | undefined, ours: string[]): (string | number)[] {
    return ours.map((word) => this.word(field, vocabulary, word)).filter((word) => word !== null);
  }

  /** At most `max` items; the rest reported. */
  private limited<T>(field: ProfileFieldName, max: number | undefined, items: T[]): T[] {
    if (max === undefined || items.length <= max) return items;
    this.report(field, `${this.platformName} takes at most ${max} ${label(field, 'many')}; ${count(items.length - max, field)} left out`);
    return items.slice(0, max);
  }

  private levelled(field: ProfileFieldName, rule: LevelledRule<string>, entries: { name: string; level?: string }[]): Record<string, unknown>[] {
    const sent: Record<string, unknown>[] = [];
    for (const entry of entries) {
      if (!this.fits(field, rule.text, `${label(field, 'one')} names`, entry.name)) continue;
      let level: string | number | null = null;
      if (entry.level !== undefined) {
        level = rule.levels ? (rule.levels[entry.level] ?? null) : entry.level;
        if (level === null) {
          this.report(field, `${possessive(this.platformName)} ${label(field, 'one')} levels have no '${entry.level}'; ${entry.name} left out`);
          continue;
        }
      }
      sent.push({ [rule.nameKey]: entry.name, [rule.levelKey]: level });
    }
    return this.limited(field, rule.maxItems, sent);
  }

  private appendNames(field: ProfileFieldName, rule: NamesRule, entries: Named[]) {
    const list = (this.values[rule.key] ??= []) as string[];
    const listLabel = rule.label ?? label(field, 'many');
    let overflow = 0;
    for (const entry of entries) {
      const name = typeof entry === 'string' ? entry : entry.name;
      if (!this.fits(field, rule.text, listLabel, name)) continue;
      if (list.some((there) => there.toLowerCase() === name.toLowerCase())) continue;
      if (rule.maxItems !== undefined && list.length >= rule.maxItems) overflow += 1;
      else list.push(name);
    }
    const levelled = entries.filter((e) => typeof e !== 'string' && e.level !== undefined).length;
    if (levelled) this.report(field, `${this.platformName} takes ${listLabel} without a level; the levels of ${count(levelled, field)} left out`);
    if (overflow) this.report(field, `${this.platformName} takes at most ${rule.maxItems} ${listLabel}; ${count(overflow, field)} left out`);
  }

  /** Whether a text meets the platform's rule for it; one that does not is reported. */
  private fits(field: ProfileFieldName, rule: TextRule | undefined, what: string, text: string): boolean {
    if (!rule || (text.length <= rule.maxLength && (!rule.pattern || new RegExp(rule.pattern, 'u').test(text)))) return true;
    this.report(field, `${this.platformName} takes ${what} of ${rule.says}; "${text}" left out`);
    return false;
  }

  private credits(rule: CreditsRule, credits: NonNullable<ProfileFields['credits']>): Record<string, unknown>[] {
    const leftOut = new Map<string, number>();
    const withoutRoleType = new Map<string, number>();
    const sent: Record<string, unknown>[] = [];
    for (const credit of credits) {
      const category = rule.categories[credit.category];
      if (category === undefined) {
        leftOut.set(credit.category, (leftOut.get(credit.category) ?? 0) + 1);
        continue;
      }
      const roleType = credit.roleType === undefined ? null : (rule.roleTypes[credit.roleType] ?? null);
      if (credit.roleType !== undefined && roleType === null) withoutRoleType.set(credit.roleType, (withoutRoleType.get(credit.roleType) ?? 0) + 1);
      sent.push({
        category,
        year: credit.year,
        title: credit.title,
        role: credit.role ?? null,
        roleType,
        director: credit.director ?? null,
        company: credit.company ?? null,
      });
    }
    const taken = andList(Object.keys(rule.categories));
    for (const [category, n] of leftOut) this.report('credits', `${this.platformName} takes credits of ${taken} only; ${n} ${category} ${n === 1 ? 'credit' : 'credits'} left out`);
    for (const [roleType, n] of withoutRoleType) {
      this.report('credits', `${this.platformName} has no role type '${roleType}'; ${n} ${n === 1 ? 'credit' : 'credits'} sent without one`);
    }
    return this.limited('credits', rule.maxItems, sent);
  }
}

function label(field: ProfileFieldName, number: 'one' | 'many'): string {
  return LABELS[field][number === 'one' ? 0 : 1];
}

/** "1 dance", "3 dances". */
function count(n: number, field: ProfileFieldName): string {
  return `${n} ${label(field, n === 1 ? 'one' : 'many')}`;
}

/** "Agentur Connection's", "Filmmakers'". */
function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

/** "film, tv and theatre". */
function andList(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

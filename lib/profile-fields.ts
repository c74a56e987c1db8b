// The profile's fields as a form needs them (GET /api/profile/fields): each field's label, group and kind of
// control, its allowed values and limits, and the very JSON schema the profile route validates it with, so the
// dashboard's form and the API never disagree about what a field takes.
import { PROFILE_FIELD_NAMES, profileFieldSchemas, type ProfileFieldName } from './profile.js';

/** Display order, grouping and labels (every field is in exactly one group). */
const GROUPS: [string, Partial<Record<ProfileFieldName, string>>][] = [
  ['About you', { playingAge: 'Playing age', yearOfBirth: 'Year of birth', heightCm: 'Height (cm)', weightKg: 'Weight (kg)', eyeColour: 'Eye colour', hairColour: 'Hair colour', hairLength: 'Hair length', build: 'Build', voicePitch: 'Voice pitch' }],
  ['Languages', { languages: 'Languages', dialects: 'Dialects', accents: 'Accents' }],
  ['Skills', { specialSkills: 'Special skills', sports: 'Sports', dances: 'Dances', instruments: 'Instruments', singing: 'Singing', drivingLicences: 'Driving licences' }],
  ['Work', { nationalities: 'Nationalities', workPermits: 'Work permits', unions: 'Unions', residences: 'Can stay in (cities)', agencyLinks: 'Agency links' }],
  ['Credits', { credits: 'Credits' }],
];

const COLUMN_LABELS: Record<string, string> = { category: 'Category', year: 'Year', title: 'Title', role: 'Role', roleType: 'Role type', director: 'Director', company: 'Company' };

/**
 * How a field is edited: a number, a choice from its values, a line of text, a from–to range, a set of checkboxes
 * (a list from a fixed vocabulary), lines (a list, one entry a line) or a table (a list of records, a row each).
 */
export const PROFILE_FIELD_KINDS = ['number', 'choice', 'text', 'range', 'set', 'lines', 'table'] as const;
export type ProfileFieldKind = (typeof PROFILE_FIELD_KINDS)[number];

interface JsonSchema {
  type?: string;
  enum?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  maxLength?: number;
  description?: string;
  required?: readonly string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

export interface ProfileFieldDescription {
  key: ProfileFieldName;
  label: string;
  group: string;
  kind: ProfileFieldKind;
  description: string | null;
  /** The values a choice or set takes (null: any text within the limits). */
  values: string[] | null;
  minimum: number | null;
  maximum: number | null;
  /** A list's longest length. */
  maxItems: number | null;
  /** A table's columns, in order. */
  columns: { key: string; label: string; required: boolean; values: string[] | null }[] | null;
  /** The JSON schema PUT /api/profile validates this field with. */
  schema: object;
}

function kindOf(schema: JsonSchema): ProfileFieldKind {
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'string') return schema.enum ? 'choice' : 'text';
  if (schema.type === 'object') return 'range';
  if (schema.items?.enum) return 'set';
  if (schema.items?.type === 'object' && Object.keys(schema.items.properties ?? {}).length > 2) return 'table';
  return 'lines';
}

const words = (name: string) => name.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());

function describe(key: ProfileFieldName, group: string, label: string): ProfileFieldDescription {
  const schema = profileFieldSchemas[key] as JsonSchema;
  const kind = kindOf(schema);
  const bounded = kind === 'range' ? Object.values(schema.properties ?? {})[0] : schema;
  const item = schema.items;
  return {
    key,
    label,
    group,
    kind,
    description: schema.description ?? item?.description ?? null,
    values: [...(schema.enum ?? item?.enum ?? [])].length ? [...(schema.enum ?? item?.enum ?? [])] : null,
    minimum: bounded?.minimum ?? null,
    maximum: bounded?.maximum ?? null,
    maxItems: schema.maxItems ?? null,
    columns:
      kind === 'table' && item?.properties
        ? Object.entries(item.properties).map(([column, columnSchema]) => ({
            key: column,
            label: COLUMN_LABELS[column] ?? words(column),
            required: item.required?.includes(column) ?? false,
            values: columnSchema.enum ? [...columnSchema.enum] : null,
          }))
        : null,
    schema,
  };
}

/** Every profile field, in display order. */
export function profileFieldDescriptions(): ProfileFieldDescription[] {
  const placed = GROUPS.flatMap(([group, labels]) => Object.entries(labels).map(([key, label]) => describe(key as ProfileFieldName, group, label)));
  // A field added to lib/profile.ts without a place here still shows, under "Other".
  const others = PROFILE_FIELD_NAMES.filter((key) => !placed.some((field) => field.key === key)).map((key) => describe(key, 'Other', words(key)));
  return [...placed, ...others];
}

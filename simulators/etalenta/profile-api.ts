// The profile endpoint of the simulated REST platforms: GET /v1/profile answers the account's profile, PUT
// /v1/profile replaces it whole. Each platform has its own shape, units and words (nothing is published; these are
// the platform's side of the catalog's profile mappings in adapters/catalog.ts), written out here on their own so
// that a mapping that sends something the platform does not take is refused, as a real API would refuse it:
// 422 { error } naming the field. Every field must be sent (null or [] clears it): a PUT replaces the profile.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export type SimProfile = Record<string, unknown>;

const DRIVING_LICENCES = ['AM', 'A1', 'A2', 'A', 'B', 'BE', 'C1', 'C1E', 'C', 'CE', 'D1', 'D1E', 'D', 'DE', 'T'];

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });
const nullableText = (maxLength: number) => ({ type: ['string', 'null'], minLength: 1, maxLength });
const whole = (minimum: number, maximum: number) => ({ type: ['integer', 'null'], minimum, maximum });
const word = (words: (string | number)[]) => ({ enum: [...words, null] });
const list = (items: object, maxItems = 50) => ({ type: 'array', maxItems, items });
const entry = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const country = { type: 'string', pattern: '^[A-Z]{2}$' };
const profileSchema = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });

/** e-TALENTA: German words, languages rated 1 (beginner) to 5 (native), centimetres and kilograms. */
const ETALENTA = profileSchema({
  playingAgeMin: whole(0, 100),
  playingAgeMax: whole(0, 100),
  birthYear: whole(1900, 2100),
  heightCm: whole(50, 250),
  weightKg: whole(20, 300),
  eyeColour: word(['blau', 'blaugrau', 'blaugruen', 'grau', 'gruen', 'haselnuss', 'bernstein', 'braun', 'dunkelbraun', 'schwarz']),
  hairColour: word(['schwarz', 'dunkelbraun', 'braun', 'hellbraun', 'dunkelblond', 'blond', 'hellblond', 'rot', 'rotbraun', 'grau', 'grau-meliert', 'weiss']),
  hairLength: word(['glatze', 'rasiert', 'sehr-kurz', 'kurz', 'kinnlang', 'schulterlang', 'lang', 'sehr-lang']),
  build: word(['schlank', 'sportlich', 'normal', 'muskuloes', 'kraeftig', 'kurvig', 'mollig']),
  voicePitch: word(['sopran', 'mezzosopran', 'alt', 'tenor', 'bariton', 'bass']),
  nationalities: list(country),
  languages: list(entry({ name: text(60), level: { type: 'integer', minimum: 1, maximum: 5 } })),
  dialects: list(entry({ name: text(60), level: { type: 'integer', minimum: 1, maximum: 5 } })),
  specialSkills: list(text(60)),
  sports: list(entry({ name: text(60), level: word(['profi', 'gut', 'grundkenntnisse']) })),
  dances: list(entry({ name: text(60), level: word(['profi', 'gut', 'grundkenntnisse']) })),
  instruments: list(entry({ name: text(60), level: word(['profi', 'gut', 'grundkenntnisse']) })),
  singing: list(entry({ name: text(60), level: word(['profi', 'gut', 'grundkenntnisse']) })),
  drivingLicences: list({ enum: DRIVING_LICENCES }),
  unions: list(text(120)),
  workPermits: list(country),
  residences: list(text(120)),
  agencies: list(entry({ name: text(120), url: { type: 'string', pattern: '^https?://', maxLength: 500 } })),
  credits: list(
    entry({
      category: { enum: ['film', 'tv', 'theater'] },
      year: { type: 'integer', minimum: 1900, maximum: 2100 },
      title: text(200),
      role: nullableText(200),
      roleType: word(['hauptrolle', 'nebenrolle', 'kleine-rolle', 'episodenrolle', 'ensemble']),
      director: nullableText(120),
      company: nullableText(200),
    }),
    200,
  ),
});

/** Agentur Connection: inches and pounds, few words for eyes and hair, skills without levels, no credits. */
const AGENTUR_CONNECTION = profileSchema({
  ageFrom: whole(0, 100),
  ageTo: whole(0, 100),
  birthYear: whole(1900, 2100),
  heightIn: whole(20, 100),
  weightLb: whole(40, 700),
  eyeColor: word(['blue', 'green', 'grey', 'brown', 'hazel']),
  hairColor: word(['black', 'brown', 'blond', 'red', 'grey', 'white']),
  hairLength: word(['bald', 'short', 'medium', 'long']),
  build: word(['slim', 'athletic', 'average', 'muscular', 'heavyset', 'curvy', 'plus-size']),
  citizenships: list(country),
  languages: list(entry({ language: text(60), fluency: { enum: ['native', 'fluent', 'conversational', 'basic'] } })),
  skills: list(text(60)),
  sports: list(text(60)),
  dances: list(text(60)),
  instruments: list(text(60)),
  singing: list(text(60)),
  driverLicenses: list({ enum: DRIVING_LICENCES }),
  unions: list(text(120)),
  workAuthorizations: list(country),
  localHireCities: list(text(120)),
});

interface PlatformRules {
  schema: { properties: Record<string, { type?: string | string[] }> };
  /** The two ends of the playing age. */
  range: [string, string];
}

const RULES: Record<string, PlatformRules> = {
  etalenta: { schema: ETALENTA, range: ['playingAgeMin', 'playingAgeMax'] },
  'agentur-connection': { schema: AGENTUR_CONNECTION, range: ['ageFrom', 'ageTo'] },
};

const ajv = new Ajv.default({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, allowUnionTypes: true });

/** The profiles of one simulated platform's accounts, checked by that platform's rules. */
export class SimProfiles {
  private readonly rules: PlatformRules;
  private readonly validate: ValidateFunction;
  private readonly stored = new Map<string, { profile: SimProfile; updatedAt: string | null }>();

  /** The platform whose rules apply: e-TALENTA's unless it is Agentur Connection. */
  constructor(readonly platformId = 'etalenta') {
    this.rules = RULES[platformId] ?? RULES.etalenta!;
    this.validate = ajv.compile(this.rules.schema);
  }

  /** What the platform shows: every field, null or [] where nothing was set. */
  of(apiKey: string): SimProfile {
    return structuredClone(this.stored.get(apiKey)?.profile ?? this.empty());
  }

  updatedAt(apiKey: string): string | null {
    return this.stored.get(apiKey)?.updatedAt ?? null;
  }

  /** Replaces the account's profile; answers why not when the platform refuses it (and keeps the old one). */
  replace(apiKey: string, body: unknown): string | null {
    if (!this.validate(body)) return describe(this.validate.errors?.[0]);
    const profile = body as SimProfile;
    const [fromKey, toKey] = this.rules.range;
    const [from, to] = [profile[fromKey], profile[toKey]];
    if ((from === null) !== (to === null)) return `${fromKey} and ${toKey} go together: send both or neither`;
    if (typeof from === 'number' && typeof to === 'number' && from > to) return `${fromKey} (${from}) is above ${toKey} (${to})`;
    this.stored.set(apiKey, { profile: structuredClone(profile), updatedAt: new Date().toISOString() });
    return null;
  }

  private empty(): SimProfile {
    const properties = this.rules.schema.properties;
    return Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, schema.type === 'array' ? [] : null]));
  }
}

/** GET and PUT /v1/profile, inside the simulator's API scope (its faults, key check and quota apply). */
export function simProfileRoutes(api: FastifyInstance, profiles: SimProfiles, apiKeyOf: (request: FastifyRequest) => string) {
  const answer = (apiKey: string) => ({ profile: profiles.of(apiKey), updatedAt: profiles.updatedAt(apiKey) });
  api.get('/v1/profile', async (request) => answer(apiKeyOf(request)));
  api.put('/v1/profile', async (request, reply) => {
    const apiKey = apiKeyOf(request);
    const problem = profiles.replace(apiKey, request.body);
    if (problem) return reply.code(422).send({ error: problem });
    return answer(apiKey);
  });
}

/** Ajv's first complaint in the words of an API's error message. */
function describe(error: ErrorObject | undefined): string {
  if (!error) return 'the profile is not valid';
  const field = error.instancePath.slice(1).replace(/\//g, '.') || 'the profile';
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (error.keyword === 'required') return `${params.missingProperty} is missing: a PUT replaces the whole profile, so send null or [] to clear a field`;
  if (error.keyword === 'additionalProperties') return `${field === 'the profile' ? '' : `${field}: `}unknown field ${params.additionalProperty}`;
  if (error.keyword === 'enum') return `${field} must be one of ${params.allowedValues!.filter((v) => v !== null).join(', ')}${params.allowedValues!.includes(null) ? ' (or null)' : ''}`;
  return `${field} ${error.message}`;
}

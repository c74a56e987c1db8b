// Our profile in each platform's shape (adapters/profile-mapping.ts with the catalog's rules): units, vocabularies,
// private fields cleared and not reported, what a platform cannot show reported in words a person understands. The
// mapped values are then checked by the platforms' own sides: the portal's form reader (Filmmakers) and the REST
// simulator's profile API (e-TALENTA, Agentur Connection), through the REST adapter, with its refusals and faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCredentialStore } from '../adapters/adapter-context.js';
import { platformCatalog, type PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import { mapProfileFor } from '../adapters/profile-mapping.js';
import { RestAdapter } from '../adapters/rest/rest-adapter.js';
import { EYE_COLOURS, type ProfileFields, type ProfileVisibility } from '../lib/profile.js';
import { RestPlatformSimulator } from '../simulators/etalenta/server.js';
import { SimProfiles } from '../simulators/etalenta/profile-api.js';
import { EMPTY_PROFILE, EYE_COLOURS as PORTAL_EYE_COLOURS, profileFormOf, readProfileForm, type PortalProfile } from '../simulators/portal/profile-pages.js';

const { etalenta, filmmakers } = platformCatalog;
const agenturConnection = platformCatalog['agentur-connection'];

/** A profile with every field set, as a busy actor's would be. */
const full: ProfileFields = {
  playingAge: { from: 28, to: 38 },
  yearOfBirth: 1990,
  heightCm: 183,
  weightKg: 68,
  eyeColour: 'dark-brown',
  hairColour: 'auburn',
  hairLength: 'chin-length',
  build: 'stocky',
  voicePitch: 'baritone',
  nationalities: ['DE', 'IT'],
  languages: [{ name: 'German', level: 'native' }, { name: 'English', level: 'fluent' }, { name: 'Italian', level: 'basic' }],
  dialects: [{ name: 'Bavarian', level: 'good' }],
  accents: [{ name: 'Irish', level: 'good' }],
  specialSkills: ['Stage combat', 'Juggling'],
  sports: [{ name: 'Fencing', level: 'professional' }, { name: 'Riding' }],
  dances: [{ name: 'Tango', level: 'good' }],
  instruments: [{ name: 'Piano', level: 'basic' }],
  singing: [{ name: 'Musical', level: 'good' }],
  drivingLicences: ['B', 'BE', 'A'],
  unions: ['BFFS'],
  workPermits: ['EU', 'CH'],
  residences: ['Berlin', 'Munich'],
  agencyLinks: [{ name: 'Agentur Beispiel', url: 'https://agentur.example/actor' }],
  credits: [
    { category: 'film', year: 2024, title: 'Das Boot II', role: 'Hans', roleType: 'lead', director: 'A. Director', company: 'UFA' },
    { category: 'tv', year: 2023, title: 'Tatort', role: 'Kommissar', roleType: 'guest' },
    { category: 'theatre', year: 2022, title: 'Faust', role: 'Mephisto', roleType: 'supporting', company: 'Schaubühne' },
    { category: 'commercial', year: 2021, title: 'Car ad' },
    { category: 'commercial', year: 2020, title: 'Coffee ad' },
    { category: 'education', year: 2015, title: 'Ernst Busch' },
  ],
};

const map = (platform: PlatformEntry, fields: ProfileFields, visibility: ProfileVisibility = {}) => mapProfileFor(platform, { fields, visibility });
const reasons = (result: ReturnType<typeof map>) => result.unrepresentable.map((u) => `${u.field}: ${u.reason}`);

describe('e-TALENTA', () => {
  it('takes most fields in its own words and rates languages 1 to 5', () => {
    const { values } = map(etalenta, full);
    expect(values).toEqual({
      playingAgeMin: 28,
      playingAgeMax: 38,
      birthYear: 1990,
      heightCm: 183,
      weightKg: 68,
      eyeColour: 'dunkelbraun',
      hairColour: 'rotbraun',
      hairLength: 'kinnlang',
      build: 'kraeftig',
      voicePitch: 'bariton',
      nationalities: ['DE', 'IT'],
      languages: [{ name: 'German', level: 5 }, { name: 'English', level: 4 }, { name: 'Italian', level: 2 }],
      dialects: [{ name: 'Bavarian', level: 3 }],
      specialSkills: ['Stage combat', 'Juggling'],
      sports: [{ name: 'Fencing', level: 'profi' }, { name: 'Riding', level: null }],
      dances: [{ name: 'Tango', level: 'gut' }],
      instruments: [{ name: 'Piano', level: 'grundkenntnisse' }],
      singing: [{ name: 'Musical', level: 'gut' }],
      drivingLicences: ['B', 'BE', 'A'],
      unions: ['BFFS'],
      workPermits: ['EU', 'CH'],
      residences: ['Berlin', 'Munich'],
      agencies: [{ name: 'Agentur Beispiel', url: 'https://agentur.example/actor' }],
      credits: [
        { category: 'film', year: 2024, title: 'Das Boot II', role: 'Hans', roleType: 'hauptrolle', director: 'A. Director', company: 'UFA' },
        { category: 'tv', year: 2023, title: 'Tatort', role: 'Kommissar', roleType: 'episodenrolle', director: null, company: null },
        { category: 'theater', year: 2022, title: 'Faust', role: 'Mephisto', roleType: 'nebenrolle', director: null, company: 'Schaubühne' },
      ],
    });
  });

  it('reports the accents and the credits it cannot take', () => {
    expect(reasons(map(etalenta, full))).toEqual([
      'accents: e-TALENTA has no field for accents',
      'credits: e-TALENTA takes credits of film, tv and theatre only; 2 commercial credits left out',
      'credits: e-TALENTA takes credits of film, tv and theatre only; 1 education credit left out',
    ]);
    const voice = map(etalenta, { credits: [{ category: 'film', year: 2020, title: 'Animated', role: 'Fox', roleType: 'voice' }] });
    expect(voice.values.credits).toEqual([{ category: 'film', year: 2020, title: 'Animated', role: 'Fox', roleType: null, director: null, company: null }]);
    expect(reasons(voice)).toEqual(["credits: e-TALENTA has no role type 'voice'; 1 credit sent without one"]);
  });
});

describe('Agentur Connection', () => {
  it('converts height to inches and weight to pounds, rounded', () => {
    const cases: [number, number, number, number][] = [
      [183, 68, 72, 150],
      [160, 50, 63, 110],
      [50, 20, 20, 44],
      [250, 300, 98, 661],
    ];
    for (const [heightCm, weightKg, heightIn, weightLb] of cases) {
      expect(map(agenturConnection, { heightCm, weightKg }).values).toMatchObject({ heightIn, weightLb });
    }
  });

  it('merges near shades into its few words and takes skills without levels', () => {
    const { values } = map(agenturConnection, full);
    expect(values).toEqual({
      ageFrom: 28,
      ageTo: 38,
      birthYear: 1990,
      heightIn: 72,
      weightLb: 150,
      eyeColor: 'brown',
      hairColor: 'red',
      hairLength: 'medium',
      build: 'heavyset',
      citizenships: ['DE', 'IT'],
      languages: [{ language: 'German', fluency: 'native' }, { language: 'English', fluency: 'fluent' }, { language: 'Italian', fluency: 'basic' }],
      skills: ['Stage combat', 'Juggling'],
      sports: ['Fencing', 'Riding'],
      dances: ['Tango'],
      instruments: ['Piano'],
      singing: ['Musical'],
      driverLicenses: ['B', 'BE', 'A'],
      unions: ['BFFS'],
      workAuthorizations: ['EU', 'CH'],
      localHireCities: ['Berlin', 'Munich'],
    });
    expect(map(agenturConnection, { languages: [{ name: 'French', level: 'good' }] }).values.languages).toEqual([{ language: 'French', fluency: 'conversational' }]);
  });

  it('reports an eye colour it has no word for, and the fields it lacks', () => {
    const amber = map(agenturConnection, { eyeColour: 'amber' });
    expect(amber.values.eyeColor).toBeNull();
    expect(reasons(amber)).toEqual(["eyeColour: Agentur Connection's eye colours have no 'amber'"]);
    expect(reasons(map(agenturConnection, full))).toEqual([
      'voicePitch: Agentur Connection has no field for voice pitch',
      'dialects: Agentur Connection has no field for dialects',
      'accents: Agentur Connection has no field for accents',
      'sports: Agentur Connection takes sports without a level; the levels of 1 sport left out',
      'dances: Agentur Connection takes dances without a level; the levels of 1 dance left out',
      'instruments: Agentur Connection takes instruments without a level; the levels of 1 instrument left out',
      'singing: Agentur Connection takes singing styles without a level; the levels of 1 singing style left out',
      'agencyLinks: Agentur Connection has no field for agency links',
      'credits: Agentur Connection has no field for credits',
    ]);
  });
});

describe('Filmmakers', () => {
  it('fills exactly the portal form: playing age, height, eye colour, languages, skills', () => {
    const { values } = map(filmmakers, full);
    expect(values).toEqual({
      playingAgeFrom: 28,
      playingAgeTo: 38,
      heightCm: 183,
      eyeColour: 'dark-brown',
      languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }, { language: 'Italian', level: 'basic' }],
      skills: ['Stage combat', 'Juggling', 'Fencing', 'Riding', 'Tango', 'Piano'],
    } satisfies PortalProfile);
    expect(Object.keys(values).sort()).toEqual(Object.keys(EMPTY_PROFILE).sort());
  });

  it('reports every field it has none for', () => {
    expect(reasons(map(filmmakers, full))).toEqual([
      'yearOfBirth: Filmmakers has no field for year of birth',
      'weightKg: Filmmakers has no field for weight',
      'hairColour: Filmmakers has no field for hair colour',
      'hairLength: Filmmakers has no field for hair length',
      'build: Filmmakers has no field for build',
      'voicePitch: Filmmakers has no field for voice pitch',
      'nationalities: Filmmakers has no field for nationalities',
      'dialects: Filmmakers has no field for dialects',
      'accents: Filmmakers has no field for accents',
      'sports: Filmmakers takes skills without a level; the levels of 1 sport left out',
      'dances: Filmmakers takes skills without a level; the levels of 1 dance left out',
      'instruments: Filmmakers takes skills without a level; the levels of 1 instrument left out',
      'singing: Filmmakers has no field for singing styles',
      'drivingLicences: Filmmakers has no field for driving licence classes',
      'unions: Filmmakers has no field for unions',
      'workPermits: Filmmakers has no field for work permits',
      'residences: Filmmakers has no field for cities to stay in',
      'agencyLinks: Filmmakers has no field for agency links',
      'credits: Filmmakers has no field for credits',
    ]);
  });

  it('is accepted by the portal form as it is, and shows the same profile again', () => {
    const { values } = map(filmmakers, full);
    const { profile, problems } = readProfileForm(profileFormOf(values as unknown as PortalProfile));
    expect(problems).toEqual([]);
    expect(profile).toEqual(values);
  });

  it('offers only eye colours the portal has, and reports ours it lacks', () => {
    for (const colour of EYE_COLOURS) {
      const { values, unrepresentable } = map(filmmakers, { eyeColour: colour });
      if ((PORTAL_EYE_COLOURS as readonly string[]).includes(colour)) expect(values.eyeColour).toBe(colour);
      else {
        expect(values.eyeColour).toBeNull();
        expect(unrepresentable).toEqual([{ field: 'eyeColour', reason: `Filmmakers' eye colours have no '${colour}'` }]);
      }
    }
  });

  it('keeps within the portal\'s limits: 30 skills, 20 languages, language names it can read', () => {
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`);
    const fields: ProfileFields = {
      specialSkills: many('Skill', 25),
      sports: many('Sport', 4).map((name) => ({ name })),
      dances: many('Dance', 3).map((name) => ({ name })),
      languages: [...many('Language', 22).map((name) => ({ name, level: 'good' as const })), { name: 'Swiss German (Bern)', level: 'fluent' }],
    };
    const result = map(filmmakers, fields);
    expect(result.values.skills).toEqual([...fields.specialSkills!, ...fields.sports!.map((s) => s.name), fields.dances![0]!.name]);
    expect(result.values.languages).toHaveLength(20);
    expect(reasons(result)).toEqual([
      'languages: Filmmakers takes language names of letters, spaces, \' and - only, at most 40 characters; "Swiss German (Bern)" left out',
      'languages: Filmmakers takes at most 20 languages; 2 languages left out',
      'dances: Filmmakers takes at most 30 skills; 2 dances left out',
    ]);
    const { problems } = readProfileForm(profileFormOf(result.values as unknown as PortalProfile));
    expect(problems).toEqual([]);
  });

  it('sends a skill named in two lists once', () => {
    const { values, unrepresentable } = map(filmmakers, { specialSkills: ['Fencing'], sports: [{ name: 'fencing' }, { name: 'Rowing' }] });
    expect(values.skills).toEqual(['Fencing', 'Rowing']);
    expect(unrepresentable).toEqual([]);
  });
});

describe('every platform', () => {
  const platforms = [etalenta, agenturConnection, filmmakers];
  /** The platform's own list of its fields: the REST simulators' profile, the portal's form. */
  const platformKeys = (platform: PlatformEntry) => Object.keys(platform.kind === 'rest' ? new SimProfiles(platform.id).of('none') : EMPTY_PROFILE).sort();

  it('sends every field the platform has, cleared when we have nothing, and reports nothing for an empty profile', () => {
    for (const platform of platforms) {
      const result = map(platform, {});
      expect(result.unrepresentable, platform.id).toEqual([]);
      expect(Object.keys(result.values).sort(), platform.id).toEqual(platformKeys(platform));
      expect(Object.values(result.values).every((v) => v === null || (Array.isArray(v) && v.length === 0)), platform.id).toBe(true);
      expect(Object.keys(map(platform, full).values).sort(), platform.id).toEqual(platformKeys(platform));
    }
  });

  it('clears private fields and does not report them', () => {
    const everythingPrivate = Object.fromEntries(Object.keys(full).map((field) => [field, 'private'])) as ProfileVisibility;
    for (const platform of platforms) {
      expect(map(platform, full, everythingPrivate), platform.id).toEqual(map(platform, {}));
    }
    const someHidden = map(agenturConnection, { ...full, eyeColour: 'amber', weightKg: 90, credits: [] }, { eyeColour: 'private', weightKg: 'private', voicePitch: 'private' });
    expect(someHidden.values).toMatchObject({ eyeColor: null, weightLb: null, heightIn: 72 });
    expect(someHidden.unrepresentable.map((u) => u.field)).not.toContain('eyeColour');
    expect(someHidden.unrepresentable.map((u) => u.field)).not.toContain('voicePitch');
    const privateSkills = map(filmmakers, full, { specialSkills: 'private', instruments: 'private' });
    expect(privateSkills.values.skills).toEqual(['Fencing', 'Riding', 'Tango']);
    expect(privateSkills.unrepresentable.map((u) => u.field)).not.toContain('instruments');
  });

  it('reports nothing for a field the platform lacks when our list is empty', () => {
    expect(map(filmmakers, { credits: [], nationalities: [] }).unrepresentable).toEqual([]);
  });
});

describe('REST profile API round trip', () => {
  const sims: Record<string, RestPlatformSimulator> = {};
  const apiKey = 'profile-key';
  beforeAll(async () => {
    for (const id of ['etalenta', 'agentur-connection']) {
      sims[id] = new RestPlatformSimulator({ name: id });
      sims[id].addAccount(apiKey);
      await sims[id].start();
    }
  });
  afterAll(() => Promise.all(Object.values(sims).map((s) => s.stop())));

  const adapterFor = (platform: PlatformEntry, key = apiKey) =>
    new RestAdapter({ platform, baseUrl: sims[platform.id]!.url, credentials: { apiKey: key }, credentialStore: memoryCredentialStore({ apiKey: key }) });

  async function refusal(platform: PlatformEntry, values: Record<string, unknown>, key = apiKey): Promise<PlatformError> {
    const error = await adapterFor(platform, key).updateProfile(values).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    return error as PlatformError;
  }

  for (const platform of [etalenta, agenturConnection]) {
    it(`${platform.name} takes the mapped profile in one PUT, and a cleared one`, async () => {
      const sim = sims[platform.id]!;
      const { values } = map(platform, full);
      expect(await adapterFor(platform).updateProfile(values)).toEqual({ requests: 1 });
      expect(sim.profiles.of(apiKey)).toEqual(values);
      const cleared = map(platform, full, { heightCm: 'private', languages: 'private' }).values;
      await adapterFor(platform).updateProfile(cleared);
      expect(sim.profiles.of(apiKey)).toMatchObject({ languages: [] });
      expect(Object.entries(sim.profiles.of(apiKey)).filter(([key, v]) => key.startsWith('height') && v !== null)).toEqual([]);
    });
  }

  it('answers a value the platform does not take with a non-retryable validation error naming it, and keeps the profile', async () => {
    const sim = sims['agentur-connection']!;
    const good = map(agenturConnection, full).values;
    await adapterFor(agenturConnection).updateProfile(good);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, eyeColor: 'amber' }, 'eyeColor must be one of blue, green, grey, brown, hazel (or null)'],
      [{ ...good, heightIn: 183 }, 'heightIn must be <= 100'],
      [{ ...good, heightCm: 183 }, 'unknown field heightCm'],
      [{ ...good, ageFrom: 40, ageTo: 30 }, 'ageFrom (40) is above ageTo (30)'],
      [{ ...good, ageTo: null }, 'ageFrom and ageTo go together'],
      [{ ...good, languages: [{ language: 'German', fluency: 5 }] }, 'languages.0.fluency must be one of native, fluent, conversational, basic'],
      [Object.fromEntries(Object.entries(good).filter(([key]) => key !== 'skills')), 'skills is missing'],
    ];
    for (const [values, message] of cases) {
      const error = await refusal(agenturConnection, values);
      expect(error.type).toBe(ErrorType.validation);
      expect(error.retryable).toBe(false);
      expect(error.details.status).toBe(422);
      expect(error.message).toContain('Agentur Connection refused the data (422)');
      expect(error.message).toContain(message);
      expect(sim.profiles.of(apiKey)).toEqual(good);
    }
    const etalentaRefusal = await refusal(etalenta, { ...map(etalenta, full).values, hairColour: 'auburn' });
    expect(etalentaRefusal.message).toContain('hairColour must be one of schwarz, dunkelbraun');
  });

  it('retries after 429 and 5xx, and stops on a revoked key', async () => {
    const sim = sims.etalenta!;
    const before = sim.profiles.of(apiKey);
    const { values } = map(etalenta, { ...full, heightCm: 190 });
    sim.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 7 } };
    const limited = await refusal(etalenta, values);
    expect(limited).toMatchObject({ type: ErrorType.rateLimited, retryable: true, details: { status: 429, retryAfterMs: 7000 } });
    sim.faults = { failNext: { count: 1, status: 503 } };
    const failed = await refusal(etalenta, values);
    expect(failed).toMatchObject({ type: ErrorType.server, retryable: true, details: { status: 503 } });
    expect(sim.profiles.of(apiKey)).toEqual(before);
    sim.faults = {};
    await adapterFor(etalenta).updateProfile(values);
    expect(sim.profiles.of(apiKey)).toMatchObject({ heightCm: 190 });

    const revokedKey = 'revoked-key';
    sim.addAccount(revokedKey).revoked = true;
    const revoked = await refusal(etalenta, values, revokedKey);
    expect(revoked).toMatchObject({ type: ErrorType.auth, retryable: false, details: { status: 401 } });
    expect(sim.profiles.of(revokedKey)).toEqual(new SimProfiles('etalenta').of('none'));
  });

  it('serves the stored profile on GET /v1/profile to its own account only', async () => {
    const sim = sims.etalenta!;
    const other = 'other-key';
    sim.addAccount(other);
    const get = (key: string) => fetch(`${sim.url}/v1/profile`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<{ profile: Record<string, unknown> }>);
    expect((await get(apiKey)).profile).toEqual(sim.profiles.of(apiKey));
    expect((await get(other)).profile).toEqual(new SimProfiles('etalenta').of('none'));
  });
});

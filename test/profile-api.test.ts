// The profile API on the real stack: read, replace and merge with a version that grows with each change (and not
// with a save that changes nothing), 409 on a stale version, every kind of bad input refused with a 400 that names
// the problem and changes nothing, an audit event naming the changed fields (never their values), the user's
// profile sync workflow signalled in Temporal, per-platform sync state, and other users seeing none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_FIELD_NAMES, type ProfileFieldName, type ProfileFields } from '../lib/profile.js';
import { syncWorkflowId } from '../workflows/plumbing.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
const users: TestUser[] = [];
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'], workers: false });
});
afterAll(async () => {
  // No worker runs here: stop the sync workflows the saves started, so no later test file's workers pick them up.
  await Promise.allSettled(users.map((u) => stack.temporal.workflow.getHandle(syncWorkflowId('profile', u.id)).terminate('test finished')));
  await stack?.stop();
});

async function newUser(platforms: string[] = []) {
  const user = await stack.createUser({ platforms });
  users.push(user);
  return user;
}

const profile: ProfileFields = {
  playingAge: { from: 28, to: 38 },
  yearOfBirth: 1990,
  heightCm: 183,
  weightKg: 80,
  eyeColour: 'hazel',
  languages: [{ name: 'German', level: 'native' }, { name: 'English', level: 'fluent' }],
  sports: [{ name: 'Fencing', level: 'professional' }, { name: 'Riding' }],
  drivingLicences: ['B', 'BE'],
  nationalities: ['DE'],
  workPermits: ['EU', 'CH'],
  agencyLinks: [{ name: 'Agentur Beispiel', url: 'https://agentur.example/me' }],
  credits: [{ category: 'film', year: 2024, title: 'Secret Project', role: 'Hans', roleType: 'lead', director: 'A. Director' }],
};

type Method = 'GET' | 'PUT' | 'PATCH';
const call = (user: TestUser, method: Method, payload?: object, url = '/api/profile') => stack.app.inject({ method, url, headers: user.auth, payload });

async function auditOf(user: TestUser) {
  return stack.db.auditEvent.findMany({ where: { userId: user.id, action: 'profile.update' }, orderBy: { createdAt: 'asc' } });
}

/** How many change signals the user's profile sync workflow has received. */
async function signalsTo(user: TestUser): Promise<number> {
  await stack.outboxDelivered(user.id);
  const history = await stack.temporal.workflow.getHandle(syncWorkflowId('profile', user.id)).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
}

describe('reading and saving', () => {
  it('answers an empty profile with version 0 before the first save', async () => {
    const user = await newUser();
    const res = await call(user, 'GET');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ fields: {}, visibility: {}, version: 0, updatedAt: null });
  });

  it('replaces, merges and removes fields; each change adds one to the version, is audited and signals the sync', async () => {
    const user = await newUser();
    const put = await call(user, 'PUT', { fields: profile, visibility: { yearOfBirth: 'private' }, version: 0 });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ fields: profile, visibility: { yearOfBirth: 'private' }, version: 1, syncRequested: { state: 'queued' } });
    expect(Date.parse(put.json().updatedAt)).not.toBeNaN();
    expect((await call(user, 'GET')).json()).toEqual({ fields: profile, visibility: { yearOfBirth: 'private' }, version: 1, updatedAt: put.json().updatedAt });

    const patch = await call(user, 'PATCH', { fields: { heightCm: 185, weightKg: null, hairColour: 'auburn' }, visibility: { hairColour: 'private' }, version: 1 });
    expect(patch.statusCode, patch.body).toBe(200);
    const { weightKg, ...rest } = profile;
    expect(weightKg).toBe(80);
    expect(patch.json()).toMatchObject({
      fields: { ...rest, heightCm: 185, hairColour: 'auburn' },
      visibility: { yearOfBirth: 'private', hairColour: 'private' },
      version: 2,
      syncRequested: { state: 'queued' },
    });
    expect(patch.json().fields).not.toHaveProperty('weightKg');

    const audit = await auditOf(user);
    expect(audit.map((a) => [a.actor, a.target, a.details])).toEqual([
      ['user', 'profile', { fields: Object.keys(profile).sort(byFieldOrder), visibility: ['yearOfBirth'] }],
      ['user', 'profile', { fields: ['heightCm', 'weightKg', 'hairColour'].sort(byFieldOrder), visibility: ['hairColour'] }],
    ]);
    expect(audit.every((a) => a.requestId)).toBe(true);
    // Only what the audit says, not its random ids: a UUID may well hold '185'.
    const auditText = JSON.stringify(audit.map((a) => [a.actor, a.action, a.target, a.details]));
    for (const value of ['Secret Project', 'hazel', 'auburn', '185', 'agentur.example']) expect(auditText).not.toContain(value);
    expect(await signalsTo(user)).toBe(2);
  });

  it('does not count a save that changes nothing: same version, no audit event, no push', async () => {
    const user = await newUser();
    await call(user, 'PUT', { fields: profile });
    const again = await call(user, 'PUT', { fields: { ...profile }, visibility: {} });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ version: 1, syncRequested: null });
    const same = await call(user, 'PATCH', { fields: { heightCm: profile.heightCm } });
    expect(same.json()).toMatchObject({ version: 1, syncRequested: null });
    const removingNothing = await call(user, 'PATCH', { fields: { voicePitch: null } });
    expect(removingNothing.json()).toMatchObject({ version: 1, syncRequested: null });
    expect(await auditOf(user)).toHaveLength(1);
    expect(await signalsTo(user)).toBe(1);
  });

  it('changes only visibility with a PATCH of visibility alone', async () => {
    const user = await newUser();
    await call(user, 'PUT', { fields: profile });
    const res = await call(user, 'PATCH', { visibility: { credits: 'private' } });
    expect(res.json()).toMatchObject({ fields: profile, visibility: { credits: 'private' }, version: 2 });
    expect((await auditOf(user)).at(-1)!.details).toEqual({ fields: [], visibility: ['credits'] });
  });
});

describe('stale versions', () => {
  it('answers 409 for a version that is not current, and changes nothing', async () => {
    const user = await newUser();
    await call(user, 'PUT', { fields: profile, version: 0 });
    await call(user, 'PATCH', { fields: { heightCm: 184 } });
    const before = await snapshot(user);
    const cases: [Method, object, RegExp][] = [
      ['PATCH', { fields: { heightCm: 190 }, version: 1 }, /version 1 is not current \(now 2\); reload and try again/],
      ['PUT', { fields: {}, version: 0 }, /version 0 is not current \(now 2\)/],
      ['PUT', { fields: {}, version: 7 }, /version 7 is not current \(now 2\)/],
    ];
    for (const [method, payload, message] of cases) {
      const res = await call(user, method, payload);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().message).toMatch(message);
    }
    expect(await snapshot(user)).toBe(before);
    const current = await call(user, 'PATCH', { fields: { heightCm: 190 }, version: 2 });
    expect(current.json()).toMatchObject({ version: 3, fields: { heightCm: 190 } });
  });

  it('answers 409 to a first save that expects an existing version', async () => {
    const user = await newUser();
    const res = await call(user, 'PUT', { fields: profile, version: 1 });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/version 1 is not current \(now 0\)/);
    expect(await stack.db.profile.findUnique({ where: { userId: user.id } })).toBeNull();
  });
});

/** The user's stored profile and audit trail: what a refused request must leave as it was. */
async function snapshot(user: TestUser) {
  const [row, audit] = await Promise.all([stack.db.profile.findUnique({ where: { userId: user.id } }), stack.db.auditEvent.count({ where: { userId: user.id } })]);
  return JSON.stringify({ row, audit });
}

describe('bad input', () => {
  const many = (n: number, make: (i: number) => unknown) => Array.from({ length: n }, (_, i) => make(i));
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['playing age from above to', { playingAge: { from: 40, to: 30 } }, /^fields\.playingAge: from \(40\) must not be above to \(30\)$/],
    ['a playing age over 100', { playingAge: { from: 30, to: 101 } }, /body\/fields\/playingAge\/to must be <= 100/],
    ['a playing age without its end', { playingAge: { from: 30 } }, /body\/fields\/playingAge must have required property 'to'/],
    ['a height over 250 cm', { heightCm: 300 }, /body\/fields\/heightCm must be <= 250/],
    ['a weight under 20 kg', { weightKg: 10 }, /body\/fields\/weightKg must be >= 20/],
    ['a height as text', { heightCm: '183' }, /body\/fields\/heightCm must be integer/],
    ['a height with a fraction', { heightCm: 183.5 }, /body\/fields\/heightCm must be integer/],
    ['a year of birth in the future', { yearOfBirth: 2099 }, /^fields\.yearOfBirth 2099 is in the future$/],
    ['a year of birth before 1900', { yearOfBirth: 1850 }, /body\/fields\/yearOfBirth must be >= 1900/],
    ['an unknown eye colour', { eyeColour: 'purple' }, /body\/fields\/eyeColour must be equal to one of the allowed values/],
    ['an unknown language level', { languages: [{ name: 'German', level: 'perfect' }] }, /body\/fields\/languages\/0\/level must be equal to one of the allowed values/],
    ['a language without a level', { languages: [{ name: 'German' }] }, /body\/fields\/languages\/0 must have required property 'level'/],
    ['a language named twice', { languages: [{ name: 'German', level: 'native' }, { name: 'german', level: 'good' }] }, /^fields\.languages lists "german" twice$/],
    ['an unknown skill level', { dances: [{ name: 'Tango', level: 'legendary' }] }, /body\/fields\/dances\/0\/level must be equal to one of the allowed values/],
    ['a blank skill name', { sports: [{ name: '   ' }] }, /^fields\.sports\[0\]\.name is blank$/],
    ['a line break in a special skill', { specialSkills: ['Juggling\nfire'] }, /^body\/fields\/specialSkills\/0 must not contain line breaks or control characters$/],
    ['a name over 60 characters', { instruments: [{ name: 'x'.repeat(61) }] }, /body\/fields\/instruments\/0\/name must NOT have more than 60 characters/],
    ['51 sports', { sports: many(51, (i) => ({ name: `Sport ${i}` })) }, /body\/fields\/sports must NOT have more than 50 items/],
    ['201 credits', { credits: many(201, (i) => ({ category: 'film', year: 2000, title: `Film ${i}` })) }, /body\/fields\/credits must NOT have more than 200 items/],
    ['an unknown credit category', { credits: [{ category: 'podcast', year: 2020, title: 'X' }] }, /body\/fields\/credits\/0\/category must be equal to one of the allowed values/],
    ['a credit without a title', { credits: [{ category: 'film', year: 2020 }] }, /body\/fields\/credits\/0 must have required property 'title'/],
    ['a credit year before 1900', { credits: [{ category: 'film', year: 1850, title: 'X' }] }, /body\/fields\/credits\/0\/year must be >= 1900/],
    ['an unknown role type', { credits: [{ category: 'film', year: 2020, title: 'X', roleType: 'hero' }] }, /credits\/0\/roleType must be equal to one of the allowed values/],
    ['an unknown driving licence class', { drivingLicences: ['Z'] }, /body\/fields\/drivingLicences\/0 must be equal to one of the allowed values/],
    ['a country code that does not exist', { nationalities: ['XX'] }, /^fields\.nationalities: "XX" is not an ISO 3166-1 alpha-2 country code$/],
    ['a country code in lower case', { nationalities: ['de'] }, /body\/fields\/nationalities\/0 must match pattern/],
    ['a work permit for no country', { workPermits: ['QQ'] }, /^fields\.workPermits: "QQ" is not an ISO 3166-1 alpha-2 country code \(or EU\)$/],
    ['EU as a nationality', { nationalities: ['EU'] }, /"EU" is not an ISO 3166-1 alpha-2 country code$/],
    ['an agency link that is not http', { agencyLinks: [{ name: 'A', url: 'ftp://agentur.example' }] }, /body\/fields\/agencyLinks\/0\/url must match pattern/],
    ['an agency link without a host', { agencyLinks: [{ name: 'A', url: 'http://' }] }, /body\/fields\/agencyLinks\/0\/url must match pattern/],
    ['an agency link that is no URL', { agencyLinks: [{ name: 'A', url: 'https://agentur example/me' }] }, /body\/fields\/agencyLinks\/0\/url must match format "uri"/],
    ['an unknown field', { shoeSize: 44 }, /body\/fields must NOT have additional properties/],
    ['a list where one value belongs', { eyeColour: ['blue'] }, /body\/fields\/eyeColour must be string/],
  ];

  for (const [name, fields, message] of cases) {
    it(`refuses ${name} with 400 in PUT and PATCH, and changes nothing`, async () => {
      const user = await newUser();
      await call(user, 'PUT', { fields: profile });
      const before = await snapshot(user);
      for (const method of ['PUT', 'PATCH'] as const) {
        const res = await call(user, method, { fields });
        expect(res.statusCode, `${method} ${res.body}`).toBe(400);
        expect(res.json().message).toMatch(message);
      }
      expect(await snapshot(user)).toBe(before);
    });
  }

  it('refuses bad bodies: no fields in a PUT, nothing to change, bad visibility, bad versions, null where it removes nothing', async () => {
    const user = await newUser();
    await call(user, 'PUT', { fields: profile });
    const before = await snapshot(user);
    const cases: [Method, unknown, RegExp][] = [
      ['PUT', { visibility: {} }, /body must have required property 'fields'/],
      ['PUT', { fields: { heightCm: null } }, /body\/fields\/heightCm must be integer/],
      ['PATCH', {}, /^nothing to change: send fields, visibility or both$/],
      ['PATCH', { version: 1 }, /^nothing to change/],
      ['PATCH', { visibility: { heightCm: 'secret' } }, /body\/visibility\/heightCm must be equal to one of the allowed values/],
      ['PATCH', { visibility: { shoeSize: 'private' } }, /body\/visibility must NOT have additional properties/],
      ['PATCH', { visibility: null }, /body\/visibility must be object/],
      ['PATCH', { fields: { heightCm: 190 }, version: -1 }, /body\/version must be >= 0/],
      ['PATCH', { fields: { heightCm: 190 }, version: '1' }, /body\/version must be integer/],
      ['PATCH', { fields: { heightCm: 190 }, colour: 'red' }, /body must NOT have additional properties/],
      ['PATCH', { fields: { playingAge: { from: 50, to: 20 } } }, /from \(50\) must not be above to \(20\)/],
    ];
    for (const [method, payload, message] of cases) {
      const res = await call(user, method, payload as object);
      expect(res.statusCode, `${method} ${JSON.stringify(payload)}: ${res.body}`).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    const notJson = await stack.app.inject({ method: 'PUT', url: '/api/profile', headers: { ...user.auth, 'content-type': 'application/json' }, payload: '{"fields": ' });
    expect(notJson.statusCode).toBe(400);
    expect(await snapshot(user)).toBe(before);
  });
});

describe('each user sees only their own', () => {
  it('keeps profiles apart and needs a token', async () => {
    const alice = await newUser();
    const bob = await newUser();
    await call(alice, 'PUT', { fields: profile });
    expect((await call(bob, 'GET')).json()).toEqual({ fields: {}, visibility: {}, version: 0, updatedAt: null });
    const bobs = await call(bob, 'PATCH', { fields: { heightCm: 170 } });
    expect(bobs.json()).toMatchObject({ fields: { heightCm: 170 }, version: 1 });
    expect((await call(alice, 'GET')).json()).toMatchObject({ fields: profile, version: 1 });
    expect(await auditOf(bob)).toHaveLength(1);
    const anonymous = await stack.app.inject({ method: 'GET', url: '/api/profile' });
    expect(anonymous.statusCode).toBe(401);
    const forged = await stack.app.inject({ method: 'PUT', url: '/api/profile', headers: { authorization: 'Bearer not-a-token' }, payload: { fields: {} } });
    expect(forged.statusCode).toBe(401);
  });
});

describe('OpenAPI', () => {
  it('documents the profile routes with their vocabularies', async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/api/profile', '/api/profile/platforms']) expect(doc.paths[path], path).toBeDefined();
    expect(Object.keys(doc.paths['/api/profile'])).toEqual(expect.arrayContaining(['get', 'put', 'patch']));
    expect(doc.paths['/api/profile'].put.tags).toEqual(['profile']);
    const putFields = doc.paths['/api/profile'].put.requestBody.content['application/json'].schema.properties.fields;
    expect(putFields.properties.eyeColour.enum).toContain('dark-brown');
  });
});

describe('per-platform state', () => {
  it('lists the connected platforms that keep a profile, with what each last took', async () => {
    const user = await newUser(['etalenta', 'agentur-connection']);
    await stack.connect(user.id, 'filmmakers', { email: 'actor@example.test', password: 'secret-password' });
    await stack.connect(user.id, 'jobwork', { accessToken: 'a', refreshToken: 'r' });
    await stack.db.platformConnection.update({ where: { userId_platformId: { userId: user.id, platformId: 'filmmakers' } }, data: { syncProfile: false } });
    await call(user, 'PUT', { fields: profile });
    await call(user, 'PATCH', { fields: { heightCm: 186 } });
    const unrepresentable = [{ field: 'accents', reason: 'e-TALENTA has no field for accents' }];
    const syncedAt = new Date('2027-01-02T03:04:05Z');
    await stack.db.platformProfileState.createMany({
      data: [
        { userId: user.id, platformId: 'etalenta', syncedVersion: 2, syncedAt, unrepresentable },
        { userId: user.id, platformId: 'filmmakers', syncedVersion: 1, syncedAt, lastError: 'Filmmakers refused the profile' },
      ],
    });

    const res = await call(user, 'GET', undefined, '/api/profile/platforms');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      version: 2,
      platforms: [
        { platformId: 'agentur-connection', name: 'Agentur Connection', syncProfile: true, syncedVersion: null, syncedAt: null, unrepresentable: [], lastError: null, inStep: false },
        { platformId: 'etalenta', name: 'e-TALENTA', syncProfile: true, syncedVersion: 2, syncedAt: syncedAt.toISOString(), unrepresentable, lastError: null, inStep: true },
        {
          platformId: 'filmmakers',
          name: 'Filmmakers',
          syncProfile: false,
          syncedVersion: 1,
          syncedAt: syncedAt.toISOString(),
          unrepresentable: [],
          lastError: 'Filmmakers refused the profile',
          inStep: false,
        },
      ],
    });

    const other = await newUser(['etalenta']);
    await stack.db.platformConnection.update({ where: { userId_platformId: { userId: other.id, platformId: 'etalenta' } }, data: { connected: false } });
    expect((await call(other, 'GET', undefined, '/api/profile/platforms')).json()).toEqual({ version: 0, platforms: [] });
  });
});

function byFieldOrder(a: string, b: string) {
  return PROFILE_FIELD_NAMES.indexOf(a as ProfileFieldName) - PROFILE_FIELD_NAMES.indexOf(b as ProfileFieldName);
}

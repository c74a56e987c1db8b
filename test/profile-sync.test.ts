// The profile reaching the platforms through Temporal: one edit is pushed to every connected platform that keeps
// a profile, each in its own shape (units, vocabularies), through the REST API and the browser portal's form;
// values a platform cannot show are reported in the sync log, not dropped silently; a burst of edits coalesces
// into few pushes that end with the final state; a platform outage is retried.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
const PROFILE_PLATFORMS = ['agentur-connection', 'etalenta', 'filmmakers'];
const filmmakersLogin = { email: 'actor@filmmakers.example', password: 'correct horse' };

beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'], portalPlatforms: ['filmmakers'], workerPlatforms: PROFILE_PLATFORMS });
  stack.portals.filmmakers!.addAccount(filmmakersLogin.email, filmmakersLogin.password);
});
afterAll(async () => {
  await stack?.stop();
});

async function connectedUser(): Promise<TestUser> {
  const user = await stack.createUser(); // the REST platforms
  await stack.connect(user.id, 'filmmakers', filmmakersLogin);
  return user;
}

const profileOn = {
  etalenta: (user: TestUser) => stack.simulators.etalenta!.profiles.of(user.apiKeys.etalenta!),
  'agentur-connection': (user: TestUser) => stack.simulators['agentur-connection']!.profiles.of(user.apiKeys['agentur-connection']!),
  filmmakers: () => stack.portals.filmmakers!.profile(filmmakersLogin.email),
};

/** Every profile platform confirmed the profile's current version. */
async function inStep(user: TestUser) {
  return waitFor(async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/profile/platforms', headers: user.auth });
    const { platforms } = res.json();
    return platforms.length === PROFILE_PLATFORMS.length && platforms.every((p: { inStep: boolean }) => p.inStep) ? platforms : null;
  }, { what: 'every platform to confirm the profile', timeoutMs: 60_000 });
}

it('pushes one edit to every profile platform in its own shape, and reports what a platform cannot show', async () => {
  const user = await connectedUser();
  const res = await stack.app.inject({
    method: 'PUT',
    url: '/api/profile',
    headers: user.auth,
    payload: {
      fields: {
        playingAge: { from: 30, to: 40 },
        heightCm: 180,
        weightKg: 75,
        eyeColour: 'amber',
        languages: [{ name: 'German', level: 'native' }, { name: 'English', level: 'fluent' }],
        specialSkills: ['Stage combat'],
        credits: [{ category: 'film', year: 2024, title: 'Das Boot II', role: 'Hans', roleType: 'lead' }, { category: 'commercial', year: 2021, title: 'Car ad' }],
      },
      visibility: { weightKg: 'private' },
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().syncRequested).toMatchObject({ state: 'queued' });
  const platforms = await inStep(user);

  expect(profileOn.filmmakers()).toMatchObject({ playingAgeFrom: 30, playingAgeTo: 40, heightCm: 180, eyeColour: 'amber', languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }], skills: ['Stage combat'] });
  // Agentur Connection: imperial units; the private weight is cleared, not sent.
  expect(profileOn['agentur-connection'](user)).toMatchObject({ heightIn: 71, weightLb: null });
  expect(profileOn.etalenta(user)).toMatchObject({ heightCm: 180, weightKg: null });

  const reasonsOf = (platformId: string) => platforms.find((p: { platformId: string }) => p.platformId === platformId).unrepresentable.map((u: { reason: string }) => u.reason).join(' | ');
  expect(reasonsOf('agentur-connection')).toContain("Agentur Connection's eye colours have no 'amber'");
  expect(reasonsOf('etalenta')).toMatch(/commercial/);
  expect(reasonsOf('filmmakers')).toMatch(/credits/i);
  expect(reasonsOf('filmmakers')).not.toMatch(/weight/i); // private fields are not reported

  const logs = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'update_profile' } });
  expect(new Set(logs.map((l) => l.platformId))).toEqual(new Set(PROFILE_PLATFORMS));
  const agentur = logs.find((l) => l.platformId === 'agentur-connection')!;
  expect(agentur).toMatchObject({ status: 'partial', errorType: 'unrepresentable' });
  expect(agentur.errorMessage).toContain("'amber'");
});

it('coalesces a burst of edits into few pushes per platform that end with the final state', async () => {
  const user = await connectedUser();
  for (let height = 170; height < 180; height++) {
    const res = await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: height } } });
    expect(res.statusCode, res.body).toBe(200);
  }
  await inStep(user);
  expect(profileOn.etalenta(user).heightCm).toBe(179);
  expect(profileOn['agentur-connection'](user).heightIn).toBe(70);
  expect(profileOn.filmmakers()!.heightCm).toBe(179);
  const pushes = await stack.db.syncLog.groupBy({ by: ['platformId'], where: { userId: user.id, operation: 'update_profile' }, _count: true });
  console.log('10 profile edits ->', pushes.map((p) => `${p.platformId}: ${p._count} pushes`).join(', '));
  for (const p of pushes) expect(p._count, p.platformId).toBeLessThanOrEqual(5);
});

it('retries a platform outage and still delivers the profile', async () => {
  const user = await connectedUser();
  await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 175 } } });
  await inStep(user);
  stack.simulators.etalenta!.faults = { failNext: { count: 2, status: 503 } };
  const res = await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 176 } } });
  expect(res.statusCode).toBe(200);
  await inStep(user);
  expect(profileOn.etalenta(user).heightCm).toBe(176);
  const attempts = await stack.db.syncLog.findMany({ where: { userId: user.id, platformId: 'etalenta', operation: 'update_profile' }, orderBy: { startedAt: 'asc' } });
  expect(attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 'success'], [1, 'failed'], [2, 'failed'], [3, 'success']]);
  expect(attempts[1]!.errorType).toBe('PlatformServerError');
});

// GET /api/profile/fields, which the dashboard builds its profile form from, says what PUT /api/profile takes:
// every field once, in its group, and each value it lists is accepted while one it does not list (or one past its
// limits) is refused with a 400 that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_FIELD_NAMES } from '../lib/profile.js';
import { syncWorkflowId } from '../workflows/plumbing.js';
import { startStack, type Stack, type TestUser } from './support/stack.js';

interface FieldDescription {
  key: string;
  label: string;
  group: string;
  kind: string;
  values: string[] | null;
  minimum: number | null;
  maximum: number | null;
  maxItems: number | null;
  columns: { key: string; label: string; required: boolean; values: string[] | null }[] | null;
  schema: Record<string, unknown>;
}

let stack: Stack;
let user: TestUser;
let fields: FieldDescription[];
beforeAll(async () => {
  stack = await startStack({ restPlatforms: [], workers: false });
  user = await stack.createUser({ platforms: [] });
  const res = await stack.app.inject({ method: 'GET', url: '/api/profile/fields', headers: user.auth });
  expect(res.statusCode, res.body).toBe(200);
  fields = res.json().fields;
});
afterAll(async () => {
  // No worker runs here: stop the sync workflow the saves started, so no later test file's workers pick it up.
  await stack?.temporal.workflow.getHandle(syncWorkflowId('profile', user.id)).terminate('test finished').catch(() => {});
  await stack?.stop();
});

const field = (key: string) => fields.find((f) => f.key === key)!;
const put = (profileFields: Record<string, unknown>) => stack.app.inject({ method: 'PUT', url: '/api/profile', headers: user.auth, payload: { fields: profileFields } });
const version = async () => (await stack.app.inject({ method: 'GET', url: '/api/profile', headers: user.auth })).json().version as number;

/** PUT answers 200 for the value and 400 (changing nothing) for the other. */
async function acceptsOnly(key: string, good: unknown, bad: unknown) {
  const ok = await put({ [key]: good });
  expect(ok.statusCode, `${key} = ${JSON.stringify(good)}: ${ok.body}`).toBe(200);
  const before = await version();
  const refused = await put({ [key]: bad });
  expect(refused.statusCode, `${key} = ${JSON.stringify(bad)}: ${refused.body}`).toBe(400);
  expect(refused.json().message).toContain(key);
  expect(await version()).toBe(before);
}

describe('GET /api/profile/fields', () => {
  it('describes every field the profile takes, once, with a label, a group and a kind', () => {
    expect(fields.map((f) => f.key).sort()).toEqual([...PROFILE_FIELD_NAMES].sort());
    for (const f of fields) {
      expect(f.label).not.toBe('');
      expect(f.group).not.toBe('Other');
      expect(['number', 'choice', 'text', 'range', 'set', 'lines', 'table']).toContain(f.kind);
    }
    expect(field('eyeColour')).toMatchObject({ label: 'Eye colour', group: 'About you', kind: 'choice' });
    expect(field('heightCm')).toMatchObject({ kind: 'number', minimum: 50, maximum: 250 });
    expect(field('playingAge')).toMatchObject({ kind: 'range', minimum: 0, maximum: 100 });
    expect(field('drivingLicences')).toMatchObject({ kind: 'set' });
    expect(field('credits')).toMatchObject({ kind: 'table', maxItems: 200 });
    expect(field('credits').columns?.filter((c) => c.required).map((c) => c.key)).toEqual(['category', 'year', 'title']);
  });

  it("is the profile route's own schema, as the OpenAPI document publishes it", async () => {
    const doc = (await stack.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const published = doc.paths['/api/profile'].put.requestBody.content['application/json'].schema.properties.fields.properties;
    for (const f of fields) expect(f.schema, f.key).toEqual(published[f.key]);
  });

  it('lists values the profile route accepts and leaves out ones it refuses', async () => {
    for (const f of fields.filter((f) => f.kind === 'choice')) {
      for (const value of f.values!) expect((await put({ [f.key]: value })).statusCode, `${f.key} = ${value}`).toBe(200);
      await acceptsOnly(f.key, f.values![0], 'not-a-listed-value');
    }
    for (const f of fields.filter((f) => f.kind === 'set')) await acceptsOnly(f.key, f.values, [f.values![0], 'ZZ']);
    for (const f of fields.filter((f) => f.kind === 'number')) {
      await acceptsOnly(f.key, f.minimum, f.minimum! - 1);
      await acceptsOnly(f.key, f.key === 'yearOfBirth' ? 2000 : f.maximum, f.maximum! + 1);
    }
    const age = field('playingAge');
    await acceptsOnly('playingAge', { from: age.minimum, to: age.maximum }, { from: age.minimum, to: age.maximum! + 1 });
    const category = field('credits').columns!.find((c) => c.key === 'category')!;
    const credit = { category: category.values![0], year: 2024, title: 'A film' };
    await acceptsOnly('credits', [credit], [{ ...credit, category: 'not-a-category' }]);
  });

  it('is behind the token', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/api/profile/fields' })).statusCode).toBe(401);
  });
});

// One user connected to every platform in the catalog that takes availability, each through its own kind of
// connection and simulator; one change reaches all of them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { platformCatalog, type PlatformEntry } from '../adapters/catalog.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { readAgencyMail } from './support/email.js';
import { grantTokens } from './support/oauth-grant.js';

const pushTargets = Object.values(platformCatalog as Record<string, PlatformEntry>).filter((p) => p.capabilities.pushAvailability);
const oauthSims: Record<string, OAuthPlatformSimulator> = {};
const portals: Record<string, PortalSimulator> = {};
let smtp: SmtpSimulator;
let stack: Stack;

const envKey = (id: string) => `CASTSYNC_PLATFORM_URL_${id.toUpperCase().replace(/-/g, '_')}`;

beforeAll(async () => {
  const env: Record<string, string> = {};
  smtp = new SmtpSimulator();
  await smtp.start();
  for (const platform of pushTargets) {
    if (platform.kind === 'oauth') {
      oauthSims[platform.id] = new OAuthPlatformSimulator({ name: platform.id, displayName: platform.name });
      env[envKey(platform.id)] = await oauthSims[platform.id]!.start();
    } else if (platform.kind === 'browser') {
      portals[platform.id] = new PortalSimulator({ name: platform.name });
      env[envKey(platform.id)] = await portals[platform.id]!.start();
    } else if (platform.kind === 'email') {
      env[envKey(platform.id)] = smtp.url;
    }
  }
  const restPlatforms = pushTargets.filter((p) => p.kind === 'rest').map((p) => p.id);
  stack = await startStack({ restPlatforms, workerPlatforms: pushTargets.map((p) => p.id), env });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([...Object.values(oauthSims), ...Object.values(portals), smtp].map((s) => s?.stop()));
});

it('pushes one change to every connected platform, each through its own kind', async () => {
  expect(new Set(pushTargets.map((p) => p.kind))).toEqual(new Set(['rest', 'oauth', 'browser', 'email']));
  const user = await stack.createUser(); // connected to the REST simulators
  const oauthAccounts: Record<string, string> = {};
  for (const [platformId, sim] of Object.entries(oauthSims)) {
    const { accountId, tokens } = await grantTokens(sim, platformCatalog[platformId as 'jobwork']);
    oauthAccounts[platformId] = accountId;
    await stack.connect(user.id, platformId, tokens);
  }
  for (const [platformId, portal] of Object.entries(portals)) {
    portal.addAccount(`actor@${platformId}.example`, 'correct horse');
    await stack.connect(user.id, platformId, { email: `actor@${platformId}.example`, password: 'correct horse' });
  }
  for (const platform of pushTargets.filter((p) => p.kind === 'email')) {
    await stack.connect(user.id, platform.id, {}, { accountRef: `booking@${platform.id}.example` });
  }
  expect(await stack.db.platformConnection.count({ where: { userId: user.id } })).toBe(pushTargets.length);

  const created = await stack.app.inject({
    method: 'POST',
    url: '/api/availability',
    headers: user.auth,
    payload: { startDate: '2028-02-10', endDate: '2028-02-12', status: 'unavailable', type: 'block' },
  });
  expect(created.statusCode).toBe(201);

  const shows = {
    rest: (id: string) => stack.simulators[id]!.calendar(user.apiKeys[id]!).some((e) => e.from === '2028-02-10' && e.to === '2028-02-12'),
    oauth: (id: string) => oauthSims[id]!.calendar(oauthAccounts[id]!).some((e) => e.start === '2028-02-10' && e.end === '2028-02-12'),
    browser: (id: string) => portals[id]!.entries(`actor@${id}.example`).some((e) => e.from === '2028-02-10' && e.to === '2028-02-12'),
    email: (id: string) => smtp.messagesTo(`booking@${id}.example`).length === 1,
  };
  for (const platform of pushTargets) {
    await waitFor(() => shows[platform.kind](platform.id), { what: `${platform.name} to show the change`, timeoutMs: 60_000 });
  }
  const mail = await readAgencyMail(smtp.messagesTo(`booking@${pushTargets.find((p) => p.kind === 'email')!.id}.example`)[0]!);
  expect(mail.events[0]).toMatchObject({ start: '2028-02-10', end: '2028-02-13' });

  const listed = await waitFor(async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: user.auth });
    const platforms = res.json().items[0].platforms as { platformId: string; state: string }[];
    return platforms.length === pushTargets.length && platforms.every((p) => p.state === 'confirmed') ? platforms : null;
  }, { what: 'every platform to be confirmed' });
  expect(listed.map((p) => p.platformId).sort()).toEqual(pushTargets.map((p) => p.id).sort());
});

// Connecting Filmmakers with its read-only partner API token: the token is tried before anything is stored (no
// browser for a refusal), an agency's token that reads several actor profiles needs the actor's profile id, and the
// refusal names the ids it reads so the user can choose; the id is checked, stored sealed with the token and never
// returned. A connection with a token shows the URL to paste into Filmmakers' webhook settings; one without, none.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { openCredentials } from '../activities/credential-store.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { startStack, type Stack } from './support/stack.js';

const PASSWORD = 'correct horse battery staple';
const TOKENS = Array.from({ length: 6 }, (_, i) => `partner-token-for-connect-${i}`);
let tokensGiven = 0;

let stack: Stack;
let portal: PortalSimulator;

beforeAll(async () => {
  // Every key also reads two other actors of the agency: three profiles in all.
  portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens: TOKENS, agencyProfiles: 2 } });
  await portal.start();
  stack = await startStack({ restPlatforms: [], workerPlatforms: ['filmmakers'], env: { CASTSYNC_PLATFORM_URL_FILMMAKERS: portal.url } });
});
afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
  await portal?.stop();
});

async function actor() {
  const email = `actor-${randomBytes(4).toString('hex')}@portal.test`;
  const token = TOKENS[tokensGiven++]!;
  portal.addAccount(email, PASSWORD, { partnerApiToken: token });
  const user = await stack.createUser({ platforms: [] });
  const connect = (payload: object) => stack.app.inject({ method: 'POST', url: '/api/platforms/filmmakers/connect', headers: user.auth, payload: { email, password: PASSWORD, ...payload } });
  const platform = async () => (await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: user.auth })).json().find((p: { id: string }) => p.id === 'filmmakers');
  const connections = () => stack.db.platformConnection.count({ where: { userId: user.id } });
  return { user, email, token, profileId: portal.profileIdOf(email)!, connect, platform, connections };
}

describe('connecting Filmmakers with a partner API token', () => {
  it('refuses a token that reads several profiles when none is named, saying which ids it reads, before any login', async () => {
    const { email, token, profileId, connect, connections } = await actor();
    const res = await connect({ partnerApiToken: token });
    expect(res.statusCode).toBe(400);
    const ids = [profileId, '90001', '90002'].sort((a, b) => Number(a) - Number(b)).join(', ');
    expect(res.json().message).toBe(`Filmmakers's partner API: the key reads 3 actor profiles (ids ${ids}); give the actor's profile id with the token`);
    expect(res.body).not.toContain(token);
    expect(await connections()).toBe(0);
    expect(portal.loginsOf(email)).toBe(0);

    // A profile the key does not read: refused too, with the ones it does.
    const other = await connect({ partnerApiToken: token, partnerApiProfileId: '123456' });
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toBe(`Filmmakers's partner API: the key cannot read actor profile 123456 (it reads ids ${ids})`);
    expect(await connections()).toBe(0);
  });

  it('refuses a malformed profile id, or one without a token, with a clear 400 and nothing stored', async () => {
    const { email, token, connect, connections } = await actor();
    for (const bad of ['abc', '0', '-5', '12.5', '1 2', '']) {
      const res = await connect({ partnerApiToken: token, partnerApiProfileId: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().message).toBe("partnerApiProfileId must be the number of the actor's profile in Filmmakers's partner API (digits only, such as 162)");
    }
    const alone = await connect({ partnerApiProfileId: '162' });
    expect(alone.statusCode).toBe(400);
    expect(alone.json().message).toBe('partnerApiProfileId goes with partnerApiToken: give the token too, or leave the profile id out');
    expect(await connections()).toBe(0);
    expect(portal.loginsOf(email)).toBe(0);
  });

  it('refuses a token the API does not accept', async () => {
    const { connect, connections } = await actor();
    const res = await connect({ partnerApiToken: 'not-a-filmmakers-token' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/refused the partner API token \(401\)/);
    expect(res.body).not.toContain('not-a-filmmakers-token');
    expect(await connections()).toBe(0);
  });

  it('connects with the profile named: stored sealed with the token, never returned, and the webhook URL is shown', async () => {
    const { user, token, profileId, connect, platform } = await actor();
    const res = await connect({ partnerApiToken: token, partnerApiProfileId: ` ${profileId} ` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.body).not.toContain(token);
    expect(res.body).not.toContain('partnerApiProfileId');
    const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'filmmakers' } });
    expect(Buffer.from(row.credentialsCiphertext!).toString('latin1')).not.toContain(token);
    expect(openCredentials(stack.config, user.id, 'filmmakers', row)).toMatchObject({ partnerApiToken: token, partnerApiProfileId: profileId });

    const listed = await platform();
    expect(JSON.stringify(listed)).not.toContain(token);
    expect(listed.connection.webhookUrl).toBe(`${stack.config.publicUrl}/api/webhooks/filmmakers/${row.connectionRef}`);
  });

  it('shows no webhook URL for a connection without a token (its webhooks could not be verified)', async () => {
    const { connect, platform } = await actor();
    expect((await connect({})).statusCode).toBe(201);
    expect((await platform()).connection).toMatchObject({ connected: true, webhookUrl: null });
  });
});

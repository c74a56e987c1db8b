// Media and profile drift on Filmmakers read through its partner API when the connection holds a token: the check lists the
// actor's pictures and showreel videos with a few HTTP requests, no browser and no sign-in, and opens the same
// media_drift conflicts the media page would (a file of ours gone, a file added on the platform); without a token
// the media page is read as before. A revoked token fails the check as an auth error: the connection needs re-auth.
// A profile field changed on Filmmakers behind castsync's back is pushed back (a manual profile push, through the
// outbox); eye colour and languages too, read through the API's closed lists (docs/attributes.md), languages as a
// set of (language, level) without regard to case, and a key no list holds is never a difference.
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser } from '../adapters/browser/browser-adapter.js';
import { ErrorType } from '../adapters/error-types.js';
import type { AuthData } from '../adapters/types.js';
import { createMediaDriftActivities } from '../activities/media-drift.js';
import { createProfileDriftActivities } from '../activities/profile-drift.js';
import { getPlatform } from '../adapters/catalog.js';
import { attributeName, sameLanguages, vocabularyValues, type PartnerApiVocabulary } from '../adapters/browser/partner-api-vocabulary.js';
import { PortalSimulator } from '../simulators/portal/server.js';
import { image, mp4 } from './support/media-files.js';
import { startStack, type Stack } from './support/stack.js';

/** One partner API token per account (a token reads its own actor's profile). */
const TOKENS = Array.from({ length: 10 }, (_, i) => `partner-token-for-drift-${i}`);
let tokensGiven = 0;
const nextToken = () => TOKENS[tokensGiven++]!;
const PASSWORD = 'correct horse battery staple';

let stack: Stack;
let portal: PortalSimulator;

beforeAll(async () => {
  portal = new PortalSimulator({ name: 'Filmmakers', partnerApi: { tokens: TOKENS } });
  await portal.start();
  stack = await startStack({ restPlatforms: [], workers: false, env: { CASTSYNC_PLATFORM_URL_FILMMAKERS: portal.url } });
});
afterAll(async () => {
  await closeBrowser();
  await stack?.stop();
  await portal?.stop();
});

/** The drift check as its activity runs it (it opens a sync log from the activity's context). */
function checkDrift(userId: string) {
  const { checkMediaDrift } = createMediaDriftActivities(stack.db, stack.config);
  return new MockActivityEnvironment().run(checkMediaDrift, { userId, platformId: 'filmmakers' });
}

/** A user whose Filmmakers account holds one file of ours (`kept`); another of ours (`lost`) was removed there. */
async function userWithMediaOnFilmmakers(credentials: (email: string, token: string) => AuthData) {
  const email = `actor-${randomBytes(4).toString('hex')}@portal.test`;
  const token = nextToken();
  portal.addAccount(email, PASSWORD, { partnerApiToken: token });
  const user = await stack.createUser({ platforms: [] });
  await stack.connect(user.id, 'filmmakers', credentials(email, token));
  const keptOnPortal = portal.addMedia(email, 'headshot.jpg', await image(800, 1000));
  for (const [name, externalId] of [['kept.jpg', keptOnPortal.id], ['lost.jpg', '999999']] as const) {
    const media = await stack.db.media.create({
      data: { userId: user.id, type: 'photo', contentHash: randomBytes(32).toString('hex'), storageKey: `test/${name}`, originalName: name, mimeType: 'image/jpeg', bytes: 1000n },
    });
    await stack.db.platformMediaState.create({ data: { mediaId: media.id, platformId: 'filmmakers', externalId, status: 'success' } });
  }
  return { user, email, keptOnPortal };
}

describe('media drift through the Filmmakers partner API', () => {
  it('finds a file removed and files added on the platform with no browser and no sign-in', async () => {
    const { user, email, keptOnPortal } = await userWithMediaOnFilmmakers((email, token) => ({ email, password: PASSWORD, partnerApiToken: token }));
    const byHand = portal.addMedia(email, 'holiday.jpg', await image(900, 900));
    const reel = portal.addMedia(email, 'reel.mp4', mp4(2));
    const pagesBefore = portal.requests.filter((r) => !r.path.startsWith('/api/')).length;

    const result = await checkDrift(user.id);
    expect(result).toEqual({ checked: true, opened: 3 });
    const conflicts = await stack.db.conflict.findMany({ where: { userId: user.id, kind: 'media_drift' } });
    expect(conflicts.map((c) => c.externalId).sort()).toEqual(['999999', byHand.id, reel.id].sort());
    expect(conflicts.find((c) => c.externalId === '999999')!.ours).toMatchObject({ originalName: 'lost.jpg' });
    expect(conflicts.find((c) => c.externalId === byHand.id)!.theirs).toEqual({ fileName: `picture ${byHand.id}`, type: 'photo' });
    expect(conflicts.some((c) => c.externalId === keptOnPortal.id)).toBe(false);
    expect(portal.loginsOf(email)).toBe(0);
    expect(portal.requests.filter((r) => !r.path.startsWith('/api/')).length).toBe(pagesBefore);

    // Checking again opens nothing new.
    expect(await checkDrift(user.id)).toEqual({ checked: true, opened: 0 });
  });

  it('fails with an auth error when the token was revoked', async () => {
    const revoked = 'partner-token-revoked';
    const { user } = await userWithMediaOnFilmmakers((email) => ({ email, password: PASSWORD, partnerApiToken: revoked }));
    const failure = await checkDrift(user.id).catch((e: unknown) => e);
    expect(JSON.stringify(failure)).not.toContain(revoked);
    expect(failure).toMatchObject({ type: ErrorType.auth, nonRetryable: true });
    // The connection asks the user for new credentials, saying it is the partner API token.
    const connection = await stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: user.id, platformId: 'filmmakers' } } });
    expect(connection).toMatchObject({ status: 'needs_reauth', statusMessage: expect.stringMatching(/partner API token/) });
  });
});

describe('profile drift through the Filmmakers partner API', () => {
  function checkProfile(userId: string) {
    const { checkProfileDrift } = createProfileDriftActivities(stack.db, stack.config);
    return new MockActivityEnvironment().run(checkProfileDrift, { userId, platformId: 'filmmakers' });
  }

  /** A user whose profile castsync pushed to Filmmakers (synced version 1), the portal holding the same values. */
  async function userWithProfileOnFilmmakers({ withToken = true, languages = [] as { language: string; level: 'native' | 'fluent' | 'good' | 'basic' }[] } = {}) {
    const email = `actor-${randomBytes(4).toString('hex')}@portal.test`;
    const token = nextToken();
    portal.addAccount(email, PASSWORD, { partnerApiToken: token });
    const user = await stack.createUser({ platforms: [] });
    await stack.connect(user.id, 'filmmakers', { email, password: PASSWORD, ...(withToken ? { partnerApiToken: token } : {}) });
    const ours = languages.map(({ language, level }) => ({ name: language, level }));
    await stack.db.profile.create({ data: { userId: user.id, fields: { playingAge: { from: 28, to: 36 }, heightCm: 172, eyeColour: 'green', languages: ours } } });
    await stack.db.platformProfileState.create({ data: { userId: user.id, platformId: 'filmmakers', syncedVersion: 1, syncedAt: new Date() } });
    portal.changeProfile(email, { playingAgeFrom: 28, playingAgeTo: 36, heightCm: 172, eyeColour: 'green', languages, skills: [] });
    return { user, email };
  }

  const profilePushes = (userId: string) => stack.db.outboxMessage.findMany({ where: { userId, topic: 'sync', data: 'profile' } });

  it('finds nothing when the platform shows what castsync sent, and pushes back a field changed there, with no browser', async () => {
    const { user, email } = await userWithProfileOnFilmmakers();
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: [] });
    expect(await profilePushes(user.id)).toEqual([]);

    portal.changeProfile(email, { ...portal.profile(email)!, heightCm: 180 });
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: ['heightCm'] });
    expect(await profilePushes(user.id)).toEqual([expect.objectContaining({ manual: true, platformIds: ['filmmakers'] })]);
    expect(portal.loginsOf(email)).toBe(0);
  });

  it('compares eye colour and languages through the API\'s lists: a colour or a level changed there is drift, case is not', async () => {
    const { user, email } = await userWithProfileOnFilmmakers({ languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }] });
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: [] });

    // The same languages, another order and case: no drift.
    portal.changeProfile(email, { ...portal.profile(email)!, languages: [{ language: 'english', level: 'fluent' }, { language: 'GERMAN', level: 'native' }] });
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: [] });

    portal.changeProfile(email, { ...portal.profile(email)!, eyeColour: 'dark-brown', languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'good' }] });
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: ['eyeColour', 'languages'] });
    expect(await profilePushes(user.id)).toHaveLength(1);

    // A language added there is drift too; one no list of the platform holds makes the languages unknown, not drift.
    portal.changeProfile(email, { ...portal.profile(email)!, eyeColour: 'green', languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }, { language: 'French', level: 'basic' }] });
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: ['languages'] });
    portal.changeProfile(email, { ...portal.profile(email)!, languages: [{ language: 'German', level: 'native' }, { language: 'Klingon', level: 'basic' }] });
    expect(await checkProfile(user.id)).toEqual({ checked: true, drifted: [] });
    expect(portal.loginsOf(email)).toBe(0);
  });

  it('without a token: not checked (no browser is started for it), and no attempt logged', async () => {
    const { user, email } = await userWithProfileOnFilmmakers({ withToken: false });
    portal.changeProfile(email, { ...portal.profile(email)!, heightCm: 180 });
    expect(await checkProfile(user.id)).toEqual({ checked: false, drifted: [] });
    expect(await stack.db.syncLog.count({ where: { userId: user.id } })).toBe(0);
    expect(await profilePushes(user.id)).toEqual([]);
    expect(portal.loginsOf(email)).toBe(0);
  });

  it('does not ask a platform castsync never sent the profile to', async () => {
    const { user } = await userWithProfileOnFilmmakers();
    await stack.db.platformProfileState.updateMany({ where: { userId: user.id }, data: { syncedVersion: null } });
    expect(await checkProfile(user.id)).toEqual({ checked: false, drifted: [] });
  });
});

describe("reading Filmmakers' closed lists", () => {
  const filmmakers = getPlatform('filmmakers');
  const vocabulary: PartnerApiVocabulary = {
    eyeColors: { braun: 'Brown', dunkelbraun: 'Dark brown', blaugrau: 'Blue-grey', violett: 'Violet' },
    languages: { deutsch: 'German', englisch: 'English' },
    languageLevels: { muttersprachlich: 'Native speaker', fliessend: 'Fluent', verhandlungssicher: 'Business level' },
  };

  it('finds each list under either reading of its undocumented name, or not at all', () => {
    expect(attributeName(['accents', 'eye_color', 'language_skill', 'languages'], 'eyeColors')).toBe('eye_color');
    expect(attributeName(['eye_colors', 'language_skills', 'languages'], 'languageLevels')).toBe('language_skills');
    expect(attributeName(['eye_colors'], 'eyeColors')).toBe('eye_colors');
    expect(attributeName(['accent_skill', 'accents', 'dances', 'dialect_skill', 'dialects', 'drivers_licenses'], 'eyeColors')).toBeUndefined();
  });

  it("maps keys to the form's words, and leaves out (unknown) what it cannot map", () => {
    const values = (fields: Record<string, unknown>, v = vocabulary) => vocabularyValues(filmmakers, fields, v);
    expect(values({ eye_color: 'dunkelbraun', languages: { deutsch: 'muttersprachlich', englisch: 'fliessend' } })).toEqual({
      eyeColour: 'dark-brown',
      languages: [{ language: 'German', level: 'native' }, { language: 'English', level: 'fluent' }],
    });
    expect(values({ eye_color: null, languages: {} })).toEqual({ eyeColour: null, languages: [] });
    // A colour the form has no word for, a key no list holds, a level no form word starts: unknown.
    expect(values({ eye_color: 'blaugrau' })).not.toHaveProperty('eyeColour');
    expect(values({ eye_color: 'violett' })).not.toHaveProperty('eyeColour');
    expect(values({ eye_color: 'tuerkis' })).not.toHaveProperty('eyeColour');
    expect(values({ languages: { deutsch: 'muttersprachlich', klingonisch: 'fliessend' } })).not.toHaveProperty('languages');
    expect(values({ languages: { deutsch: 'verhandlungssicher' } })).not.toHaveProperty('languages');
    // No such list on the API: nothing compared.
    expect(values({ eye_color: 'braun', languages: { deutsch: 'fliessend' } }, { eyeColors: null, languages: null, languageLevels: null })).toEqual({});
  });

  it('compares languages as a set of (language, level) without regard to case or order', () => {
    const german = { language: 'German', level: 'native' };
    expect(sameLanguages([german, { language: 'English', level: 'fluent' }], [{ language: 'english', level: 'Fluent' }, { language: 'GERMAN', level: 'native' }])).toBe(true);
    expect(sameLanguages([german], [{ language: 'German', level: 'fluent' }])).toBe(false);
    expect(sameLanguages([german], [german, { language: 'English', level: 'good' }])).toBe(false);
    expect(sameLanguages(undefined, [])).toBe(true);
  });
});

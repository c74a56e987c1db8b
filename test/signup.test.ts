// Self-service sign-up: off by default (its routes answer 404, password sign-in is refused); with CASTSYNC_SIGNUP=on
// a sign-up sends a confirmation link through the SMTP relay (the simulator, read as a mail client would), the
// link confirms the address, and e-mail and password then open a dashboard session. Nothing tells a caller which
// addresses have accounts: sign-up answers alike, and every failed password sign-in gets the same message.
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../lib/config.js';
import { hashPassword, verifyPassword } from '../lib/passwords.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let smtp: SmtpSimulator;
let off: Stack;
let on: Stack;
beforeAll(async () => {
  smtp = new SmtpSimulator();
  await smtp.start();
  off = await startStack({ restPlatforms: [], workers: false });
  on = await startStack({ restPlatforms: [], workers: false, env: { CASTSYNC_SIGNUP: 'on', CASTSYNC_SMTP_URL: smtp.url, CASTSYNC_MAIL_FROM: 'castsync <accounts@castsync.example>' } });
});
afterAll(async () => {
  await off?.stop();
  await on?.stop();
  await smtp?.stop();
});

const csrf = { 'x-castsync-csrf': '1' };
const PASSWORD = 'correct horse battery';
const PASSWORD_REFUSED = 'wrong e-mail address or password, or the address is not confirmed yet';
let counter = 0;
const newAddress = () => `signup-${Date.now()}-${++counter}@example.test`;

const signUp = (stack: Stack, payload: object, headers: Record<string, string> = csrf) => stack.app.inject({ method: 'POST', url: '/app/signup', headers, payload });
const signIn = (stack: Stack, payload: object) => stack.app.inject({ method: 'POST', url: '/app/session', headers: csrf, payload });

/** The n-th mail (1-based) to the address, parsed, once it arrived. */
async function mailTo(address: string, n = 1) {
  const message = await waitFor(() => smtp.messagesTo(address)[n - 1], { what: `mail ${n} to ${address}` });
  const parsed = await simpleParser(message.raw);
  return { envelope: message.envelope, subject: parsed.subject ?? '', text: parsed.text ?? '', from: parsed.from?.text ?? '' };
}

const linkIn = (text: string) => new URL(/(http:\/\/\S+\/app\/verify\?token=\S+)/.exec(text)![1]!);
const follow = (stack: Stack, link: URL, accept = 'text/html') => stack.app.inject({ method: 'GET', url: `${link.pathname}${link.search}`, headers: { accept } });

async function signedUp(address: string, password = PASSWORD) {
  const res = await signUp(on, { email: address, name: 'New Actor', password });
  expect(res.statusCode, res.body).toBe(202);
  return linkIn((await mailTo(address, smtp.messagesTo(address).length + 1)).text);
}

describe('sign-up off (the default)', () => {
  it('answers 404 to sign-up and verification, refuses password sign-in, and says so in /app/config', async () => {
    expect((await off.app.inject({ method: 'GET', url: '/app/config' })).json()).toEqual({ signup: false });
    const res = await signUp(off, { email: newAddress(), name: 'X', password: PASSWORD });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('not enabled');
    expect((await off.app.inject({ method: 'GET', url: '/app/verify?token=abc' })).statusCode).toBe(404);
    expect((await off.app.inject({ method: 'GET', url: '/app/verify' })).statusCode).toBe(404);
    expect((await signIn(off, { email: 'someone@example.test', password: PASSWORD })).statusCode).toBe(404);
    expect(await off.db.user.count({ where: { email: { startsWith: 'signup-' } } })).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    // Signing in with a token still works.
    const user = await off.createUser({ platforms: [] });
    expect((await signIn(off, { token: user.token })).statusCode).toBe(200);
  });
});

describe('sign-up on', () => {
  it('signs up, mails a link, confirms the address with it, and opens a session with e-mail and password', async () => {
    expect((await on.app.inject({ method: 'GET', url: '/app/config' })).json()).toEqual({ signup: true });
    const address = newAddress();
    const res = await signUp(on, { email: address.toUpperCase(), name: 'New Actor', password: PASSWORD });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().message).toContain('check your e-mail');

    const mail = await mailTo(address);
    expect(mail.envelope).toEqual({ mailFrom: 'accounts@castsync.example', rcptTo: [address] });
    expect(mail.from).toContain('accounts@castsync.example');
    expect(mail.subject).toBe('Confirm your castsync account');
    const link = linkIn(mail.text);
    expect(link.origin).toBe(on.config.publicUrl);
    const token = link.searchParams.get('token')!;

    const user = await on.db.user.findUniqueOrThrow({ where: { email: address }, include: { emailVerifications: true } });
    expect(user).toMatchObject({ name: 'New Actor', emailVerifiedAt: null, disabledAt: null });
    // The password is kept as a scrypt hash with its parameters and a salt; the link only as its SHA-256.
    expect(user.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(user.passwordHash).not.toContain(PASSWORD);
    expect(user.emailVerifications).toHaveLength(1);
    expect(JSON.stringify(user.emailVerifications)).not.toContain(token);
    const lifetime = user.emailVerifications[0]!.expiresAt.getTime() - user.emailVerifications[0]!.createdAt.getTime();
    expect(Math.abs(lifetime - 24 * 3600_000)).toBeLessThan(5000);

    // Unconfirmed: the right password is refused with the same message as a wrong one.
    const early = await signIn(on, { email: address, password: PASSWORD });
    expect(early.statusCode).toBe(401);
    expect(early.json().message).toBe(PASSWORD_REFUSED);

    const verified = await follow(on, link);
    expect(verified.statusCode).toBe(302);
    expect(verified.headers.location).toBe('/app/?verified=1');
    expect((await on.db.user.findUniqueOrThrow({ where: { email: address } })).emailVerifiedAt).not.toBeNull();
    // The link is used up.
    const again = await follow(on, link, 'application/json');
    expect(again.statusCode).toBe(400);
    expect(again.json().message).toContain('unknown or was already used');

    const session = await signIn(on, { email: ` ${address.toUpperCase()} `, password: PASSWORD });
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json()).toEqual({ name: 'New Actor', email: address });
    const secret = /^castsync_session=([^;]+);/.exec(String(session.headers['set-cookie']))![1]!;
    const me = await on.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `castsync_session=${secret}` } });
    expect(me.json()).toMatchObject({ id: user.id, authenticatedBy: { kind: 'session', tokenId: null } });
    const sessions = await on.db.dashboardSession.findMany({ where: { userId: user.id } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.apiTokenId).toBeNull();
  });

  it('refuses a wrong password, an unknown address and an unconfirmed one with one message', async () => {
    const address = newAddress();
    await follow(on, await signedUp(address));
    const unconfirmed = newAddress();
    await signedUp(unconfirmed);
    const cli = await on.createUser({ platforms: [] }); // made by an operator: a token, no password
    const cliEmail = (await on.db.user.findUniqueOrThrow({ where: { id: cli.id } })).email;
    const attempts = [
      { email: address, password: 'wrong password here' },
      { email: newAddress(), password: PASSWORD },
      { email: unconfirmed, password: PASSWORD },
      { email: cliEmail, password: PASSWORD },
    ];
    for (const attempt of attempts) {
      const res = await signIn(on, attempt);
      expect(res.statusCode, JSON.stringify(attempt)).toBe(401);
      expect(res.json().message).toBe(PASSWORD_REFUSED);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await signIn(on, { email: address, password: PASSWORD })).statusCode).toBe(200);
  });

  it('changes the password only with the current one, and ends every other session', async () => {
    const address = newAddress();
    await follow(on, await signedUp(address));
    const sessionOf = async (password: string) => {
      const res = await signIn(on, { email: address, password });
      expect(res.statusCode, res.body).toBe(200);
      return { cookie: `castsync_session=${/castsync_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]}`, ...csrf };
    };
    const here = await sessionOf(PASSWORD);
    const elsewhere = await sessionOf(PASSWORD);
    const change = (payload: object) => on.app.inject({ method: 'PUT', url: '/api/account/password', headers: here, payload });
    const NEW_PASSWORD = 'a much better passphrase';

    const wrong = await change({ currentPassword: 'not the password', newPassword: NEW_PASSWORD });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toBe('body/currentPassword is not the current password; nothing was changed');
    expect((await change({ newPassword: NEW_PASSWORD })).statusCode).toBe(400); // the current one is needed
    expect((await change({ currentPassword: PASSWORD, newPassword: 'short' })).statusCode).toBe(400);
    expect((await on.app.inject({ method: 'GET', url: '/app/session', headers: elsewhere })).statusCode).toBe(200); // nothing changed yet

    expect((await change({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).statusCode).toBe(204);
    expect((await on.app.inject({ method: 'GET', url: '/app/session', headers: here })).statusCode).toBe(200);
    expect((await on.app.inject({ method: 'GET', url: '/app/session', headers: elsewhere })).statusCode).toBe(401);
    expect((await signIn(on, { email: address, password: PASSWORD })).statusCode).toBe(401);
    expect((await signIn(on, { email: address, password: NEW_PASSWORD })).statusCode).toBe(200);
    const user = await on.db.user.findUniqueOrThrow({ where: { email: address } });
    expect(await on.db.auditEvent.count({ where: { userId: user.id, action: 'account.password_changed' } })).toBe(1);

    // An operator-made account (a token, no password yet) sets its first password without a current one.
    const cli = await on.createUser({ platforms: [] });
    const first = await on.app.inject({ method: 'PUT', url: '/api/account/password', headers: cli.auth, payload: { newPassword: NEW_PASSWORD } });
    expect(first.statusCode, first.body).toBe(204);
    expect(await verifyPassword(NEW_PASSWORD, (await on.db.user.findUniqueOrThrow({ where: { id: cli.id } })).passwordHash!)).toBe(true);
  });

  it('sets a new password with a mailed link, once, within the hour; every session ends; unknown addresses get the same answer', async () => {
    const address = newAddress();
    await follow(on, await signedUp(address));
    const before = await signIn(on, { email: address, password: PASSWORD });
    const session = { cookie: `castsync_session=${/castsync_session=([^;]+)/.exec(String(before.headers['set-cookie']))![1]}` };
    const ask = (email: string) => on.app.inject({ method: 'POST', url: '/app/password-reset', headers: csrf, payload: { email } });
    const confirm = (token: string, newPassword: string) => on.app.inject({ method: 'POST', url: '/app/password-reset/confirm', headers: csrf, payload: { token, newPassword } });

    const stranger = newAddress();
    const unknown = await ask(stranger);
    const known = await ask(address.toUpperCase());
    expect([unknown.statusCode, known.statusCode]).toEqual([202, 202]);
    expect(unknown.json()).toEqual(known.json());
    const mail = await mailTo(address, 2); // the confirmation mail came first
    expect(mail.subject).toBe('Set a new castsync password');
    const link = new URL(/https?:\/\/\S+/.exec(mail.text)![0]);
    expect(link.pathname).toBe('/app/');
    const secret = link.searchParams.get('reset')!;
    expect(JSON.stringify(await on.db.emailVerification.findMany())).not.toContain(secret); // only its hash is kept

    expect((await confirm('not-a-link', 'a brand new passphrase')).json().message).toBe('this password link is unknown or was already used');
    expect((await confirm(secret, 'short')).statusCode).toBe(400);
    expect((await confirm(secret, 'a brand new passphrase')).statusCode).toBe(204);
    expect((await confirm(secret, 'yet another passphrase')).statusCode).toBe(400); // used up
    expect((await on.app.inject({ method: 'GET', url: '/app/session', headers: session })).statusCode).toBe(401);
    expect((await signIn(on, { email: address, password: PASSWORD })).statusCode).toBe(401);
    expect((await signIn(on, { email: address, password: 'a brand new passphrase' })).statusCode).toBe(200);

    // An expired link sets nothing; a confirmation link is no reset link.
    await ask(address);
    const late = new URL(/https?:\/\/\S+/.exec((await mailTo(address, 3)).text)![0]).searchParams.get('reset')!;
    await on.db.emailVerification.updateMany({ where: { purpose: 'reset' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await confirm(late, 'too late passphrase')).json().message).toBe('this password link has expired; ask for a new one');
    expect((await signIn(on, { email: address, password: 'a brand new passphrase' })).statusCode).toBe(200);
    const unconfirmed = newAddress();
    const confirmLink = await signedUp(unconfirmed);
    expect((await confirm(confirmLink.searchParams.get('token')!, 'hijack attempt here')).statusCode).toBe(400);
    expect((await off.app.inject({ method: 'POST', url: '/app/password-reset', headers: csrf, payload: { email: address } })).statusCode).toBe(404);
    expect(smtp.messagesTo(stranger)).toEqual([]);
    const user = await on.db.user.findUniqueOrThrow({ where: { email: address } });
    expect(await on.db.auditEvent.count({ where: { userId: user.id, action: 'account.password_reset' } })).toBe(1);
  });

  it('answers a sign-up for an address with an account exactly as for a new one, and changes nothing', async () => {
    const address = newAddress();
    await follow(on, await signedUp(address));
    const before = await on.db.user.findUniqueOrThrow({ where: { email: address } });
    const res = await signUp(on, { email: address, name: 'Impostor', password: 'another password 123' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual((await signUp(on, { email: newAddress(), name: 'Someone', password: PASSWORD })).json());
    const notice = await mailTo(address, 2);
    expect(notice.subject).toBe('Your castsync account');
    expect(notice.text).not.toContain('/app/verify');
    const after = await on.db.user.findUniqueOrThrow({ where: { email: address } });
    expect(after).toMatchObject({ name: before.name, passwordHash: before.passwordHash });
    expect((await signIn(on, { email: address, password: 'another password 123' })).statusCode).toBe(401);
  });

  it('keeps only the newest link of an unconfirmed address, with the newest password', async () => {
    const address = newAddress();
    const first = await signedUp(address, 'first password 123');
    const second = await signedUp(address, 'second password 123');
    expect((await follow(on, first, 'application/json')).statusCode).toBe(400);
    expect((await follow(on, second, 'application/json')).json()).toEqual({ verified: true });
    expect((await signIn(on, { email: address, password: 'first password 123' })).statusCode).toBe(401);
    expect((await signIn(on, { email: address, password: 'second password 123' })).statusCode).toBe(200);
  });

  it('refuses an expired link (the browser goes back with the reason) and an unknown one', async () => {
    const address = newAddress();
    const link = await signedUp(address);
    await on.db.emailVerification.updateMany({ where: { user: { email: address } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await follow(on, link);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/app/?verifyError=${encodeURIComponent('this confirmation link has expired; sign up again for a new one')}`);
    expect((await on.db.user.findUniqueOrThrow({ where: { email: address } })).emailVerifiedAt).toBeNull();
    expect((await signIn(on, { email: address, password: PASSWORD })).statusCode).toBe(401);
    const unknown = await on.app.inject({ method: 'GET', url: '/app/verify?token=not-a-real-token', headers: { accept: 'application/json' } });
    expect(unknown.statusCode).toBe(400);
    expect((await on.app.inject({ method: 'GET', url: '/app/verify' })).statusCode).toBe(400);
  });

  it('refuses bad sign-ups with a message naming the field, making no account and sending nothing', async () => {
    const address = newAddress();
    const cases: Array<[object, string]> = [
      [{ email: address, name: 'A', password: 'too short' }, 'password'],
      [{ email: address, name: 'A', password: 'x'.repeat(201) }, 'password'],
      [{ email: 'not-an-address', name: 'A', password: PASSWORD }, 'email'],
      [{ email: address, name: '', password: PASSWORD }, 'name'],
      [{ email: address, name: 'nul\u0000name', password: PASSWORD }, 'name'],
      [{ email: address, name: 'A'.repeat(101), password: PASSWORD }, 'name'],
      [{ email: address, password: PASSWORD }, 'name'],
    ];
    for (const [payload, field] of cases) {
      const res = await signUp(on, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message, JSON.stringify(payload)).toContain(field);
    }
    const crossSite = await signUp(on, { email: address, name: 'A', password: PASSWORD }, {});
    expect(crossSite.statusCode).toBe(403);
    expect(await on.db.user.count({ where: { email: address } })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.messagesTo(address)).toHaveLength(0);
  });

  it('takes a token or e-mail and password, not both, not neither', async () => {
    const user = await on.createUser({ platforms: [] });
    expect((await signIn(on, { token: user.token, email: 'a@example.test', password: PASSWORD })).statusCode).toBe(400);
    expect((await signIn(on, {})).statusCode).toBe(400);
    expect((await signIn(on, { email: 'a@example.test' })).statusCode).toBe(400);
    expect((await signIn(on, { token: user.token })).statusCode).toBe(200);
  });
});

describe('settings and password hashes', () => {
  it('refuses sign-up without a mail relay, and values other than on and off', () => {
    expect(loadConfig({}).signupEnabled).toBe(false);
    expect(() => loadConfig({ CASTSYNC_SIGNUP: 'on' })).toThrow(ConfigError);
    expect(() => loadConfig({ CASTSYNC_SIGNUP: 'on' })).toThrow('CASTSYNC_SMTP_URL');
    expect(() => loadConfig({ CASTSYNC_SIGNUP: 'yes', CASTSYNC_SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow('CASTSYNC_SIGNUP must be "on" or "off"');
    expect(() => loadConfig({ CASTSYNC_SMTP_URL: 'http://mail.example' })).toThrow('smtp://');
    expect(loadConfig({ CASTSYNC_SIGNUP: 'on', CASTSYNC_SMTP_URL: 'smtps://u:p@mail.example:465' })).toMatchObject({ signupEnabled: true, smtpUrl: 'smtps://u:p@mail.example:465' });
  });

  it('salts every hash, verifies only the right password, and refuses malformed or tampered hashes', async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD, b)).toBe(true);
    expect(await verifyPassword(`${PASSWORD} `, a)).toBe(false);
    const [, , r, p, salt, key] = a.split('$');
    for (const broken of ['', 'plain', `bcrypt$32768$${r}$${p}$${salt}$${key}`, `scrypt$${2 ** 30}$${r}$${p}$${salt}$${key}`, `scrypt$32768$${r}$${p}$$${key}`, `scrypt$32768$${r}$${p}$${salt}$${key!.slice(2)}`]) {
      expect(await verifyPassword(PASSWORD, broken), broken).toBe(false);
    }
  });
});

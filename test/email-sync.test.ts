// The e-mail kind end to end: changes made through the API reach an agency's inbox (a real SMTP server, the
// simulator) through Temporal, one message per push describing only what changed, with an .ics for its calendar.
// SMTP outages are retried until the message goes out; a rejected address fails once and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { readAgencyMail } from './support/email.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const PLATFORM = 'agentur-iris-mueller';
let smtp: SmtpSimulator;
let stack: Stack;

beforeAll(async () => {
  smtp = new SmtpSimulator();
  await smtp.start();
  stack = await startStack({ restPlatforms: [], workerPlatforms: [PLATFORM], env: { CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: smtp.url } });
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.stop();
});

async function agencyUser(agencyAddress: string): Promise<TestUser> {
  const user = await stack.createUser({ platforms: [] });
  await stack.connect(user.id, PLATFORM, {}, { accountRef: agencyAddress });
  return user;
}

const api = (user: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  stack.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

async function addRange(user: TestUser, payload: object): Promise<string> {
  const res = await api(user, 'POST', '/api/availability', payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/** The n-th message (1-based) the agency received, parsed, once it is there. */
async function nthMail(address: string, n: number) {
  const message = await waitFor(() => smtp.messagesTo(address)[n - 1], { what: `message ${n} to ${address}` });
  return readAgencyMail(message);
}

const attempts = (userId: string) => stack.db.syncLog.findMany({ where: { userId, platformId: PLATFORM }, orderBy: { startedAt: 'asc' } });

const syncStatus = async (user: TestUser) => (await api(user, 'GET', `/api/sync/status/${PLATFORM}`)).json();

describe('e-mail agencies', () => {
  const AGENCY = 'booking@iris-mueller.example';
  let user: TestUser;
  let blockId: string;
  let optionId: string;
  let firstSequence: number;

  beforeAll(async () => {
    user = await agencyUser(AGENCY);
  });

  it('sends a blocked range to the agency as text, HTML and an all-day .ics event', async () => {
    blockId = await addRange(user, { startDate: '2027-03-01', endDate: '2027-03-05', status: 'unavailable', type: 'block' });
    const mail = await nthMail(AGENCY, 1);
    expect(smtp.messagesTo(AGENCY)[0]!.envelope).toEqual({ mailFrom: 'no-reply@castsync.local', rcptTo: [AGENCY] });
    expect(mail.subject).toBe('Verfügbarkeit Test Actor: 1 neu');
    expect(mail.text).toContain('Neu:\n  • Mo, 01.03.2027 – Fr, 05.03.2027: Sperrtage (nicht verfügbar)');
    expect(mail.html).toContain('<li>Mo, 01.03.2027 – Fr, 05.03.2027: Sperrtage (nicht verfügbar)</li>');
    expect(mail.method).toBe('PUBLISH');
    expect(mail.events).toHaveLength(1);
    expect(mail.events[0]).toMatchObject({
      uid: `${blockId}@castsync`,
      start: '2027-03-01',
      end: '2027-03-06', // DTEND is exclusive: the day after the last blocked day
      isAllDay: true,
      status: 'CONFIRMED',
      transp: 'OPAQUE',
      freeBusy: 'BUSY-UNAVAILABLE',
    });
    firstSequence = mail.events[0]!.sequence;

    // The activity records the UID as the entry's external id on this platform.
    const entry = await waitFor(async () => {
      const body = (await api(user, 'GET', `/api/availability/${blockId}`)).json();
      return body.platforms?.[0]?.state === 'confirmed' ? body : null;
    }, { what: 'the confirmed platform state' });
    expect(entry.platforms[0]).toMatchObject({ platformId: PLATFORM, externalId: `${blockId}@castsync` });
  });

  it('sends an option as TENTATIVE with its rank and holder, and nothing else', async () => {
    optionId = await addRange(user, {
      startDate: '2027-04-12',
      endDate: '2027-04-13',
      status: 'tentative',
      type: 'booking',
      optionRank: 2,
      optionHolder: 'Studio Hamburg',
    });
    const mail = await nthMail(AGENCY, 2);
    expect(mail.subject).toBe('Verfügbarkeit Test Actor: 1 neu');
    expect(mail.text).toContain('  • Mo, 12.04.2027 – Di, 13.04.2027: 2. Option für Studio Hamburg');
    expect(mail.text).not.toContain('01.03.2027');
    expect(mail.events).toHaveLength(1);
    expect(mail.events[0]).toMatchObject({
      uid: `${optionId}@castsync`,
      start: '2027-04-12',
      end: '2027-04-14',
      status: 'TENTATIVE',
      freeBusy: 'BUSY-TENTATIVE',
      busyStatus: 'TENTATIVE',
    });
  });

  it('sends an edit as old → new, alone, with a higher SEQUENCE', async () => {
    const res = await api(user, 'PATCH', `/api/availability/${blockId}`, { endDate: '2027-03-07' });
    expect(res.statusCode, res.body).toBe(200);
    const mail = await nthMail(AGENCY, 3);
    expect(mail.subject).toBe('Verfügbarkeit Test Actor: 1 geändert');
    expect(mail.text).toContain(
      'Geändert (bisher → jetzt):\n  • Mo, 01.03.2027 – Fr, 05.03.2027: Sperrtage (nicht verfügbar) → Mo, 01.03.2027 – So, 07.03.2027: Sperrtage (nicht verfügbar)',
    );
    expect(mail.text).not.toContain('Option');
    expect(mail.text).not.toContain('Neu:');
    expect(mail.html).toContain('<del>Mo, 01.03.2027 – Fr, 05.03.2027: Sperrtage (nicht verfügbar)</del>');
    expect(mail.events).toHaveLength(1);
    expect(mail.events[0]).toMatchObject({ uid: `${blockId}@castsync`, start: '2027-03-01', end: '2027-03-08', status: 'CONFIRMED' });
    expect(mail.events[0]!.sequence).toBeGreaterThan(firstSequence);
  });

  it('sends a delete as a CANCELLED event', async () => {
    const res = await api(user, 'DELETE', `/api/availability/${optionId}`);
    expect(res.statusCode, res.body).toBeLessThan(300);
    const mail = await nthMail(AGENCY, 4);
    expect(mail.subject).toBe('Verfügbarkeit Test Actor: 1 gestrichen');
    expect(mail.text).toContain('Gestrichen:\n  • Mo, 12.04.2027 – Di, 13.04.2027: 2. Option für Studio Hamburg');
    expect(mail.events).toHaveLength(1);
    expect(mail.events[0]).toMatchObject({ uid: `${optionId}@castsync`, status: 'CANCELLED', start: '2027-04-12', end: '2027-04-14' });
    await waitFor(
      async () => (await stack.db.platformAvailabilityState.findFirst({ where: { availabilityId: optionId, platformId: PLATFORM } }))?.confirmedDeleted,
      { what: 'the deletion confirmed' },
    );
  });

  it('sends no message on a manual sync when nothing changed', async () => {
    await waitFor(async () => {
      const status = await syncStatus(user);
      return status.sync?.state === 'synced' && !status.sync.queued;
    }, { what: 'the previous pushes to finish' });
    const before = await attempts(user.id);
    const res = await api(user, 'POST', `/api/sync/availability/${PLATFORM}`);
    expect(res.statusCode, res.body).toBe(202);
    const newRow = await waitFor(async () => (await attempts(user.id)).slice(before.length).find((r) => r.status === 'success'), {
      what: 'the manual push',
    });
    expect(newRow.itemsProcessed).toBe(0);
    expect(smtp.messagesTo(AGENCY)).toHaveLength(4);
  });
});

describe('e-mail faults', () => {
  it('retries through an SMTP outage (421) until the message goes out', async () => {
    const address = 'outage@iris-mueller.example';
    const user = await agencyUser(address);
    smtp.faults = { outage: true };
    try {
      await addRange(user, { startDate: '2027-08-01', endDate: '2027-08-01', status: 'unavailable', type: 'block' });
      const failed = await waitFor(async () => (await attempts(user.id)).find((r) => r.status === 'failed'), { what: 'the first failed attempt' });
      expect(failed).toMatchObject({
        attempt: 1,
        errorType: 'PlatformServerError',
        errorMessage: 'Agentur Iris Müller: the mail server is not available (421 Service not available, closing transmission channel)',
      });
    } finally {
      smtp.faults = {};
    }
    // The e-mail policy's first retry comes 5 s later.
    const mail = await nthMail(address, 1);
    expect(mail.text).toContain('So, 01.08.2027: Sperrtag (nicht verfügbar)');
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'the success row' });
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'success'],
    ]);
    expect(smtp.messagesTo(address)).toHaveLength(1);
    const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: PLATFORM } });
    expect(connection).toMatchObject({ status: 'ok', statusMessage: null });
  });

  it('fails a rejected agency address once, without retries, and says so in the log and the status', async () => {
    const address = 'nobody@iris-mueller.example';
    const user = await agencyUser(address);
    smtp.faults = { rejectRecipients: [address] };
    try {
      await addRange(user, { startDate: '2027-09-01', endDate: '2027-09-02', status: 'unavailable', type: 'block' });
      // With the e-mail policy's unlimited attempts, only a non-retryable failure reaches the workflow as 'failed'.
      // The route reads the connection before it queries the workflow, so one answer can pair the new workflow
      // state with the connection as it was a moment earlier: wait for both.
      const status = await waitFor(async () => {
        const body = await syncStatus(user);
        return body.sync?.state === 'failed' && body.connectionStatus === 'failing' ? body : null;
      }, { what: 'the failed state' });
      const expectedMessage = expect.stringMatching(
        /^Agentur Iris Müller: the agency's address nobody@iris-mueller\.example was rejected \(550 5\.1\.1 .*\); correct the address and reconnect$/,
      );
      expect(status).toMatchObject({
        connectionStatus: 'failing',
        statusMessage: expectedMessage,
        sync: { state: 'failed', lastErrorType: 'PlatformValidationError', lastError: expectedMessage },
        lastAttempt: { status: 'failed', attempt: 1, errorType: 'PlatformValidationError', errorMessage: expectedMessage },
      });
      expect(await attempts(user.id)).toHaveLength(1);
      expect(smtp.refusals.filter((r) => r.address === address)).toHaveLength(1);
      expect(smtp.messagesTo(address)).toHaveLength(0);
    } finally {
      smtp.faults = {};
    }
  });
});

// The e-mail adapter against a real SMTP server (the simulator), without Temporal: what one push sends, what it
// leaves out, and how each SMTP failure is typed (retryable or not).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getPlatform } from '../adapters/catalog.js';
import { EmailAdapter } from '../adapters/email/email-adapter.js';
import { PlatformError } from '../adapters/errors.js';
import type { AdapterContext, AvailabilityItem } from '../adapters/types.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { readAgencyMail } from './support/email.js';

const AGENCY = 'booking@iris-mueller.example';
let smtp: SmtpSimulator;

beforeAll(async () => {
  smtp = new SmtpSimulator();
  await smtp.start();
});
afterAll(() => smtp?.stop());
beforeEach(() => smtp.reset());

function adapter(overrides: Partial<AdapterContext> = {}, timeoutMs?: number) {
  const context: AdapterContext = {
    platform: getPlatform('agentur-iris-mueller'),
    baseUrl: smtp.url,
    credentials: {},
    credentialStore: { update: async () => ({}) },
    accountRef: AGENCY,
    userName: 'Lena Berger',
    ...overrides,
  };
  return new EmailAdapter(context, { timeoutMs });
}

const entry = (id: string, fields: Partial<AvailabilityItem> = {}): AvailabilityItem => ({
  id,
  startDate: '2027-03-01',
  endDate: '2027-03-05',
  status: 'unavailable',
  type: 'block',
  optionRank: null,
  optionHolder: null,
  note: null,
  version: 1,
  ...fields,
});

async function failureOf(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('EmailAdapter', () => {
  it('sends one message with every status in words and in a matching all-day .ics', async () => {
    const desired = [
      entry('block-1'),
      entry('option-1', { startDate: '2027-04-10', endDate: '2027-04-10', status: 'tentative', type: 'booking', optionRank: 2, optionHolder: 'Studio Hamburg' }),
      entry('booking-1', { startDate: '2027-05-03', endDate: '2027-05-04', type: 'booking', optionHolder: 'UFA <Serie>', note: 'Drehort Köln' }),
      entry('free-1', { startDate: '2027-06-01', endDate: '2027-06-30', status: 'available', type: 'block' }),
    ];
    const result = await adapter().pushAvailability(desired, { lastConfirmed: [] });
    expect(result).toEqual({
      itemsProcessed: 4,
      requests: 1,
      confirmed: { 'block-1': 'block-1@castsync', 'option-1': 'option-1@castsync', 'booking-1': 'booking-1@castsync', 'free-1': 'free-1@castsync' },
      rejected: [],
    });
    expect(smtp.messages).toHaveLength(1);
    const message = smtp.messages[0]!;
    expect(message.envelope).toEqual({ mailFrom: 'no-reply@castsync.local', rcptTo: [AGENCY] });
    const mail = await readAgencyMail(message);
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'castsync', address: 'no-reply@castsync.local' });
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.subject).toBe('Verfügbarkeit Lena Berger: 4 neu');
    expect(mail.text).toContain('  • Mo, 01.03.2027 – Fr, 05.03.2027: Sperrtage (nicht verfügbar)');
    expect(mail.text).toContain('  • Sa, 10.04.2027: 2. Option für Studio Hamburg');
    expect(mail.text).toContain('  • Mo, 03.05.2027 – Di, 04.05.2027: Festbuchung für UFA <Serie> (Notiz: Drehort Köln)');
    expect(mail.text).toContain('  • Di, 01.06.2027 – Mi, 30.06.2027: verfügbar');
    expect(mail.html).toContain('<li>Mo, 03.05.2027 – Di, 04.05.2027: Festbuchung für UFA &#60;Serie&#62; (Notiz: Drehort Köln)</li>');
    expect(mail.method).toBe('PUBLISH');
    const byUid = Object.fromEntries(mail.events.map((e) => [e.uid, e]));
    expect(byUid['block-1@castsync']).toMatchObject({
      start: '2027-03-01',
      end: '2027-03-06',
      isAllDay: true,
      status: 'CONFIRMED',
      transp: 'OPAQUE',
      freeBusy: 'BUSY-UNAVAILABLE',
      busyStatus: 'OOF',
    });
    expect(byUid['option-1@castsync']).toMatchObject({ start: '2027-04-10', end: '2027-04-11', status: 'TENTATIVE', freeBusy: 'BUSY-TENTATIVE', busyStatus: 'TENTATIVE' });
    expect(byUid['booking-1@castsync']).toMatchObject({ start: '2027-05-03', end: '2027-05-05', status: 'CONFIRMED', freeBusy: 'BUSY', busyStatus: 'BUSY' });
    expect(byUid['free-1@castsync']).toMatchObject({ status: 'CONFIRMED', transp: 'TRANSPARENT', freeBusy: 'FREE' });
  });

  it('describes only what changed since the last confirmed state, with growing SEQUENCEs', async () => {
    const before = [entry('same'), entry('moved', { startDate: '2027-07-01', endDate: '2027-07-01' }), entry('gone', { startDate: '2027-08-01', endDate: '2027-08-02' })];
    const first = adapter();
    await first.pushAvailability(before, { lastConfirmed: [] });
    // An edit bumps the entry's version, which the SEQUENCE follows.
    const after = [before[0]!, { ...before[1]!, endDate: '2027-07-02', version: 2 }, entry('new', { startDate: '2027-09-09', endDate: '2027-09-09', type: 'travel' })];
    const result = await adapter().pushAvailability(after, { lastConfirmed: before });
    expect(result.itemsProcessed).toBe(3);
    expect(Object.keys(result.confirmed).sort()).toEqual(['moved', 'new', 'same']);

    const [firstMail, secondMail] = await Promise.all(smtp.messages.map(readAgencyMail));
    expect(secondMail!.subject).toBe('Verfügbarkeit Lena Berger: 1 neu, 1 geändert, 1 gestrichen');
    expect(secondMail!.text).toContain('Neu:\n  • Do, 09.09.2027: Reisetag');
    expect(secondMail!.text).toContain('Geändert (bisher → jetzt):\n  • Do, 01.07.2027: Sperrtag (nicht verfügbar) → Do, 01.07.2027 – Fr, 02.07.2027: Sperrtage (nicht verfügbar)');
    expect(secondMail!.text).toContain('Gestrichen:\n  • So, 01.08.2027 – Mo, 02.08.2027: Sperrtage (nicht verfügbar)');
    expect(secondMail!.text).not.toContain('01.03.2027');
    expect(secondMail!.events.map((e) => e.uid).sort()).toEqual(['gone@castsync', 'moved@castsync', 'new@castsync']);
    const firstSequence = (uid: string) => firstMail!.events.find((e) => e.uid === uid)!.sequence;
    for (const event of secondMail!.events.filter((e) => e.uid !== 'new@castsync')) {
      expect(event.sequence, event.uid).toBeGreaterThan(firstSequence(event.uid));
    }
    expect(secondMail!.events.find((e) => e.uid === 'gone@castsync')).toMatchObject({ status: 'CANCELLED', start: '2027-08-01', end: '2027-08-03' });
    expect(secondMail!.events.find((e) => e.uid === 'moved@castsync')).toMatchObject({ start: '2027-07-01', end: '2027-07-03' });
  });

  it('sends nothing when nothing changed and still confirms every entry', async () => {
    const desired = [entry('a'), entry('b', { note: 'x' })];
    const result = await adapter().pushAvailability(desired, { lastConfirmed: desired.map((d) => ({ ...d, note: d.note ?? undefined })) });
    expect(result).toEqual({ itemsProcessed: 0, requests: 0, confirmed: { a: 'a@castsync', b: 'b@castsync' }, rejected: [] });
    expect(smtp.messages).toHaveLength(0);
  });

  it('types SMTP failures: rejected or invalid address permanent, outage, refusal and timeout retryable', async () => {
    smtp.faults = { rejectRecipients: [AGENCY] };
    const rejected = await failureOf(adapter().pushAvailability([entry('a')]));
    expect(rejected).toMatchObject({ type: 'PlatformValidationError', retryable: false });
    expect(rejected.message).toMatch(/^Agentur Iris Müller: the agency's address booking@iris-mueller\.example was rejected \(550 5\.1\.1/);

    smtp.faults = {};
    const invalid = await failureOf(adapter({ accountRef: 'iris at example' }).pushAvailability([entry('a')]));
    expect(invalid).toMatchObject({ type: 'PlatformValidationError', retryable: false });
    expect(invalid.message).toContain(`the agency's address was rejected: "iris at example" is not a valid e-mail address`);

    smtp.faults = { outage: true };
    const outage = await failureOf(adapter().pushAvailability([entry('a')]));
    expect(outage).toMatchObject({ type: 'PlatformServerError', retryable: true });
    expect(outage.message).toBe('Agentur Iris Müller: the mail server is not available (421 Service not available, closing transmission channel)');

    const refused = await failureOf(adapter({ baseUrl: 'smtp://127.0.0.1:9' }).pushAvailability([entry('a')]));
    expect(refused).toMatchObject({ type: 'PlatformNetworkError', retryable: true });
    expect(refused.message).toContain('ECONNREFUSED');

    smtp.faults = { slowMs: 1500 };
    const slow = await failureOf(adapter({}, 300).pushAvailability([entry('a')]));
    expect(slow).toMatchObject({ type: 'PlatformTimeoutError', retryable: true });
    expect(smtp.messages).toHaveLength(0);
  });

  it('authenticates by address and server, and refuses to pull', async () => {
    await expect(adapter().authenticate()).resolves.toBe(true);
    await expect(adapter({ accountRef: null }).authenticate()).resolves.toBe(false);
    smtp.faults = { outage: true };
    expect(await failureOf(adapter().authenticate())).toMatchObject({ type: 'PlatformServerError', retryable: true });
    const pull = await failureOf(adapter().pullAvailability());
    expect(pull).toMatchObject({ type: 'PlatformClientError', retryable: false });
    expect(pull.message).toContain('cannot be read back');
  });
});

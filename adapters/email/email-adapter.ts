// The e-mail kind (Agentur Iris Müller, Agentur Sarah Weiss): agencies that only read e-mail. A push sends ONE
// message to the agency's address (the connection's accountRef) over SMTP with what changed since the platform's
// last confirmed state, and an .ics of those changes. Nothing changed: nothing is sent. Nothing can be read back.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailSettings } from '../catalog.js';
import { ErrorType } from '../error-types.js';
import { PlatformError } from '../errors.js';
import type { AdapterContext, AvailabilityItem, PlatformAdapter, PlatformAvailabilityItem, SyncResult } from '../types.js';
import { changeCount, diffAvailability } from './availability-changes.js';
import { eventUid } from './availability-ics.js';
import { composeAvailabilityMail } from './availability-mail.js';
import { invalidAddress, recipientRejected, smtpFailure } from './smtp-errors.js';
import { smtpTransportOptions } from '../../lib/smtp.js';
import { pooledTransport, type SmtpPool } from './smtp-pool.js';

export interface EmailAdapterOptions {
  /** Limit for connecting, the greeting and each reply; the e-mail activity's own timeout is one minute. */
  timeoutMs?: number;
}

const DEFAULT_SETTINGS: EmailSettings = { senderName: 'castsync', senderAddress: 'no-reply@castsync.local', subjectPrefix: 'Verfügbarkeit' };
const DEFAULT_TIMEOUT_MS = 20_000;
// Deliberately plain: local part without spaces or brackets, a domain of at least two labels (IDN allowed).
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+$/u;

export function isValidAddress(address: string | null | undefined): address is string {
  return typeof address === 'string' && address.length <= 254 && ADDRESS.test(address);
}

export class EmailAdapter implements PlatformAdapter {
  readonly platform;
  private readonly settings: EmailSettings;
  private readonly timeoutMs: number;

  constructor(
    private readonly context: AdapterContext,
    options: EmailAdapterOptions = {},
  ) {
    this.platform = context.platform;
    this.settings = context.platform.email ?? DEFAULT_SETTINGS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The agency's address is plausible and its mail server answers; an outage throws a retryable error. */
  async authenticate(): Promise<boolean> {
    if (!isValidAddress(this.context.accountRef)) return false;
    await this.withTransport(this.context.accountRef, (transport) => transport.verify());
    return true;
  }

  async pushAvailability(desired: AvailabilityItem[], known?: { lastConfirmed: AvailabilityItem[] }): Promise<SyncResult> {
    const recipient = this.recipient();
    const changes = diffAvailability(desired, known?.lastConfirmed ?? []);
    // Once the message is accepted the agency has every desired entry, under the UID its calendar knows it by.
    const confirmed = Object.fromEntries(desired.map((item) => [item.id, eventUid(item.id)]));
    const itemsProcessed = changeCount(changes);
    if (itemsProcessed === 0) return { itemsProcessed: 0, requests: 0, confirmed, rejected: [] };

    const actorName = this.context.userName || 'castsync';
    const mail = composeAvailabilityMail(changes, actorName, this.settings.subjectPrefix);
    this.context.onProgress?.(`sending ${itemsProcessed} changes to ${this.platform.name}`);
    const info = await this.withPooledTransport(recipient, (transport) =>
      transport.sendMail({
        from: { name: this.settings.senderName, address: this.settings.senderAddress },
        to: recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: [mail.calendar],
        // RFC 3834: an automatic message, so agencies' autoresponders stay quiet.
        headers: { 'Auto-Submitted': 'auto-generated' },
      }),
    );
    if (info.rejected.length > 0) throw recipientRejected(this.platform.name, recipient, info.response);
    return { itemsProcessed, requests: 1, confirmed, rejected: [] };
  }

  async pullAvailability(): Promise<PlatformAvailabilityItem[]> {
    throw new PlatformError(ErrorType.client, `${this.platform.name} is reached by e-mail, which cannot be read back: pulling is not supported`, false);
  }

  private recipient(): string {
    const address = this.context.accountRef;
    if (!isValidAddress(address)) throw invalidAddress(this.platform.name, address);
    return address;
  }

  /** A push sends over the worker's open connections to the server (smtp-pool.ts); failures become PlatformErrors. */
  private async withPooledTransport<T>(recipient: string, use: (transport: SmtpPool) => Promise<T>): Promise<T> {
    const pool = pooledTransport(transportUrl(this.context.baseUrl, this.platform.name), this.timeoutMs);
    try {
      return await use(pool);
    } catch (error) {
      throw smtpFailure(this.platform.name, recipient, this.timeoutMs, error);
    }
  }

  /** A connection of its own, closed afterwards (checking the server at connect talks to it, not to a pool). */
  private async withTransport<T>(recipient: string, use: (transport: Transporter<SMTPTransport.SentMessageInfo>) => Promise<T>): Promise<T> {
    const transport = nodemailer.createTransport(transportOptions(this.context.baseUrl, this.timeoutMs, this.platform.name));
    try {
      return await use(transport);
    } catch (error) {
      throw smtpFailure(this.platform.name, recipient, this.timeoutMs, error);
    } finally {
      transport.close();
    }
  }
}

/** smtp://host:port (or smtps:// for implicit TLS; user:password@ in the URL for a relay that wants AUTH). */
function transportUrl(baseUrl: string, platformName: string): string {
  const { protocol } = new URL(baseUrl);
  if (protocol !== 'smtp:' && protocol !== 'smtps:') {
    throw new PlatformError(ErrorType.client, `${platformName}: base URL must be smtp:// or smtps://, not ${protocol}//`, false);
  }
  return baseUrl;
}

function transportOptions(baseUrl: string, timeoutMs: number, platformName: string): SMTPTransport.Options {
  return smtpTransportOptions(transportUrl(baseUrl, platformName), timeoutMs);
}

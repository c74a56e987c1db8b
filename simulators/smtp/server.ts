// A local stand-in for the agencies' mail server (the e-mail kind): a real SMTP server that keeps every message
// it accepts, so tests and the demo can read what an agency would receive. Local only: no TLS, no AUTH.
// Faults are set per test through `faults`: recipients answered 550 at RCPT TO, an outage that answers every
// connection with 421, and slow replies.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMessage {
  receivedAt: Date;
  envelope: { mailFrom: string | null; rcptTo: string[] };
  /** The RFC 5322 source exactly as received (headers and body). */
  raw: Buffer;
}

export interface SmtpFaults {
  /** Addresses answered 550 at RCPT TO (compared case-insensitively): an address the agency's server does not know. */
  rejectRecipients?: string[];
  /** Answer every new connection with 421 and close it, as a server does during an outage or maintenance. */
  outage?: boolean;
  /** Delay before the greeting and before the answer to the message data. */
  slowMs?: number;
}

export interface SmtpSimulatorOptions {
  port?: number;
  host?: string;
  /** Largest message accepted (SIZE extension); default 10 MB. */
  maxBytes?: number;
}

/** Events the tests can count: connections refused by the outage, recipients rejected. */
export interface SmtpRefusal {
  at: Date;
  kind: 'outage' | 'recipient';
  address?: string;
}

export class SmtpSimulator {
  readonly messages: ReceivedMessage[] = [];
  readonly refusals: SmtpRefusal[] = [];
  faults: SmtpFaults = {};
  url = '';
  private readonly server: SMTPServer;

  constructor(private readonly options: SmtpSimulatorOptions = {}) {
    this.server = new SMTPServer({
      name: 'smtp.castsync.local',
      banner: 'castsync SMTP simulator',
      secure: false,
      // Loopback only, so neither STARTTLS nor AUTH is offered; clients send plainly and anonymously.
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      allowInsecureAuth: true,
      size: options.maxBytes ?? 10 * 1024 * 1024,
      logger: false,
      closeTimeout: 1000,
      onConnect: (session, callback) => void this.handleConnect(session, callback),
      // A connection opened before an outage meets it too (castsync's worker keeps its connections open).
      onMailFrom: (_address, _session, callback) => this.handleMailFrom(callback),
      onRcptTo: (address, session, callback) => this.handleRecipient(address.address, callback),
      onData: (stream, session, callback) => void this.handleData(stream, session, callback),
    });
    // Client hang-ups and protocol errors end that one connection; they must not crash the test process.
    this.server.on('error', () => {});
  }

  /** Starts listening; returns the smtp:// URL to give the adapter. */
  async start(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.server.address() as AddressInfo;
    this.url = `smtp://${host}:${port}`;
    return this.url;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Messages whose envelope names this recipient, oldest first. */
  messagesTo(address: string): ReceivedMessage[] {
    const wanted = address.toLowerCase();
    return this.messages.filter((m) => m.envelope.rcptTo.some((r) => r.toLowerCase() === wanted));
  }

  reset(): void {
    this.messages.length = 0;
    this.refusals.length = 0;
    this.faults = {};
  }

  private async handleConnect(_session: SMTPServerSession, callback: (err?: Error | null) => void) {
    await this.delay();
    if (this.faults.outage) {
      this.refusals.push({ at: new Date(), kind: 'outage' });
      return callback(smtpReply(421, 'Service not available, closing transmission channel'));
    }
    callback();
  }

  private handleMailFrom(callback: (err?: Error | null) => void) {
    if (!this.faults.outage) return callback();
    this.refusals.push({ at: new Date(), kind: 'outage' });
    callback(smtpReply(421, 'Service not available, closing transmission channel'));
  }

  private handleRecipient(address: string, callback: (err?: Error | null) => void) {
    const rejected = (this.faults.rejectRecipients ?? []).some((r) => r.toLowerCase() === address.toLowerCase());
    if (!rejected) return callback();
    this.refusals.push({ at: new Date(), kind: 'recipient', address });
    callback(smtpReply(550, `5.1.1 <${address}>: Recipient address rejected: User unknown`));
  }

  private async handleData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      return callback(error as Error);
    }
    if (stream.sizeExceeded) return callback(smtpReply(552, '5.3.4 Message too big'));
    await this.delay();
    this.messages.push({
      receivedAt: new Date(),
      envelope: {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      },
      raw: Buffer.concat(chunks),
    });
    callback();
  }

  private async delay() {
    const ms = this.faults.slowMs;
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** smtp-server answers a callback error with its responseCode and message. */
function smtpReply(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

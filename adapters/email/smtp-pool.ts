// The worker's SMTP connections, kept open between pushes: one pool per mail server (its URL and the adapter's
// timeout). A new connection per push spent the connect and the server's greeting on every message (against the SMTP
// simulator, which looks up the client's name as mail servers do, 104 ms of the 105 a message took; 2 ms over an open
// connection). A pooled connection lives until the server closes it or it idles for the socket timeout; one that
// fails a message is closed and the next message opens a new one, so an outage still ends every push that meets it.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { smtpTransportOptions } from '../../lib/smtp.js';

export type SmtpPool = Transporter<SMTPPool.SentMessageInfo>;

const pools = new Map<string, SmtpPool>();

/** The pooled transport for this server; messages beyond its connections wait in its queue. */
export function pooledTransport(baseUrl: string, timeoutMs: number): SmtpPool {
  const key = `${timeoutMs} ${baseUrl}`;
  let pool = pools.get(key);
  if (!pool) {
    const options: SMTPPool.Options & { maxRequeues: number } = {
      ...smtpTransportOptions(baseUrl, timeoutMs),
      pool: true,
      // As many as the e-mail platforms' dispatch lets a worker run at once (catalog: maxConcurrent 5); a message
      // takes a few milliseconds over an open connection, so five carry far more than the 20 a second dispatched.
      maxConnections: 5,
      // A connection the server closed while idle fails the message once it is in flight: it is sent once more on
      // a new connection; a second close fails the push (retried by Temporal like any network error).
      maxRequeues: 1,
    };
    pool = nodemailer.createTransport(options);
    pools.set(key, pool);
  }
  return pool;
}

/** Closes every pooled connection (the worker's shutdown). */
export function closeSmtpPools(): void {
  for (const pool of pools.values()) pool.close();
  pools.clear();
}

// nodemailer transport options from one smtp:// or smtps://user:pass@host:port URL: the agencies' relay
// (adapters/email) and castsync's own mail (sign-up links) are configured the same way.
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export function smtpTransportOptions(smtpUrl: string, timeoutMs: number): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port) || (secure ? 465 : 25),
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
  };
}

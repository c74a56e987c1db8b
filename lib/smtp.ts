// nodemailer transport options from one smtp:// or smtps://user:pass@host:port URL: the agencies' relay
// (adapters/email) and castsync's own mail (sign-up links) are configured the same way.
import net from 'node:net';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export function smtpTransportOptions(smtpUrl: string, timeoutMs: number): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || (secure ? 465 : 25);
  return {
    host,
    port,
    secure,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    // An implicit-TLS (smtps://) connection keeps nodemailer's own socket.
    ...(secure ? {} : { getSocket: (_options, give) => connectNoDelay(host, port, timeoutMs, give) }),
  };
}

type GiveSocket = (error: Error | null, socket?: { connection: net.Socket }) => void;

/**
 * A plain connection (STARTTLS upgrades this same socket) with Nagle's algorithm off. With it on, the message's last
 * small write (the ending ".") waited until the server had acknowledged the body, which a server that delays its
 * ACKs does 40 ms later: every message took that much longer (against the SMTP simulator 148 ms, 105 ms without).
 * nodemailer has no option for it, only this hook, which must hand over a connected socket: so the connect and its
 * timeout are ours, failing with the codes nodemailer's own would (ECONNREFUSED and the like, ETIMEDOUT).
 */
function connectNoDelay(host: string, port: number, timeoutMs: number, give: GiveSocket): void {
  const socket = net.connect({ host, port });
  const failed = (error: Error) => {
    clearTimeout(timer);
    socket.destroy();
    give(error);
  };
  const timer = setTimeout(() => failed(Object.assign(new Error(`Connection timeout to ${host}:${port}`), { code: 'ETIMEDOUT' })), timeoutMs);
  socket.once('error', failed);
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.off('error', failed);
    socket.setNoDelay(true);
    give(null, { connection: socket });
  });
}

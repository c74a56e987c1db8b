// npm start with CASTSYNC_SIGNUP=on: the SMTP simulator keeps castsync's own mail in memory, so the confirmation
// links it receives are printed on the console, where the developer can open them. Development only.
import { simpleParser } from 'mailparser';
import type { SmtpSimulator } from '../simulators/smtp/server.js';

const POLL_MS = 1000;

export function printSignupLinks(smtp: SmtpSimulator): () => void {
  let seen = smtp.messages.length;
  const timer = setInterval(() => {
    const fresh = smtp.messages.slice(seen);
    seen = smtp.messages.length;
    for (const message of fresh) {
      void simpleParser(message.raw).then((mail) => {
        const link = /https?:\/\/\S+\/app\/verify\?token=\S+/.exec(mail.text ?? '')?.[0];
        if (link) console.log(`· sign-up mail to ${message.envelope.rcptTo.join(', ')}: confirm at ${link}`);
      });
    }
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

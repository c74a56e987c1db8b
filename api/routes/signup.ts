// Self-service sign-up for the dashboard (lib/signup.ts) and the password reset by mail, on only with
// CASTSYNC_SIGNUP=on: otherwise these routes answer 404 as if they did not exist. GET /app/config tells the page
// whether to offer them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidAddress } from '../../adapters/email/email-adapter.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { AccountError } from '../../lib/accounts.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../lib/passwords.js';
import { requestPasswordReset, resetPassword, signUp, smtpMailer, verifyEmail, type Mailer, type VerifyOutcome } from '../../lib/signup.js';
import { CSRF_HEADER, sameSiteRequest } from '../auth.js';
import { errorSchema, HttpError, noContent } from '../schemas.js';

export interface SignupDeps {
  db: Db;
  config: Config;
  /** Default: the SMTP relay of CASTSYNC_SMTP_URL. */
  mailer?: Mailer;
}

const tags = ['dashboard'];
const SIGNUP_ANSWER = { message: 'check your e-mail: we sent a link to confirm the address' };
const VERIFY_MESSAGES: Record<Exclude<VerifyOutcome, 'verified'>, string> = {
  invalid: 'this confirmation link is unknown or was already used',
  expired: 'this confirmation link has expired; sign up again for a new one',
};
const RESET_ANSWER = { message: 'check your e-mail: if the address has a confirmed account, we sent a link to set a new password' };
const RESET_MESSAGES: Record<Exclude<VerifyOutcome, 'verified'>, string> = {
  invalid: 'this password link is unknown or was already used',
  expired: 'this password link has expired; ask for a new one',
};
const messageAnswer = { type: 'object', properties: { message: { type: 'string' } } } as const;

export const signupBody = {
  type: 'object',
  additionalProperties: false,
  required: ['email', 'name', 'password'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    password: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
  },
} as const;

export async function signupRoutes(app: FastifyInstance, { db, config, mailer = smtpMailer(config) }: SignupDeps) {
  const signupOnly = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!config.signupEnabled) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'sign-up is not enabled on this server' });
    if (!sameSiteRequest(request)) return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `send the "${CSRF_HEADER}: 1" header` });
  };

  app.get('/app/config', { schema: { tags, summary: 'What the dashboard offers on this server', response: { 200: { type: 'object', properties: { signup: { type: 'boolean' } } } } } }, () => ({
    signup: config.signupEnabled,
  }));

  app.post<{ Body: { email: string; name: string; password: string } }>(
    '/app/signup',
    {
      onRequest: signupOnly,
      schema: {
        tags,
        summary: 'Sign up (when CASTSYNC_SIGNUP=on): sends a link that confirms the address; answers alike whether or not the address has an account',
        body: signupBody,
        response: { 202: messageAnswer, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      if (!isValidAddress(request.body.email.trim())) throw new HttpError(400, 'body/email is not an e-mail address');
      let mail;
      try {
        mail = await signUp(db, config.publicUrl, request.body);
      } catch (error) {
        if (error instanceof AccountError) throw new HttpError(error.statusCode, error.message);
        throw error;
      }
      // Sent after answering, so the time to answer does not tell which mail (if any) goes out.
      if (mail) void mailer(mail).catch((error: unknown) => request.log.error({ err: error }, 'sign-up mail could not be sent'));
      return reply.code(202).send(SIGNUP_ANSWER);
    },
  );

  app.post<{ Body: { email: string } }>(
    '/app/password-reset',
    {
      onRequest: signupOnly,
      schema: {
        tags,
        summary: 'Forgot the password: mails a link to set a new one (valid for an hour); answers alike whether or not the address has an account',
        body: { type: 'object', additionalProperties: false, required: ['email'], properties: { email: { type: 'string', minLength: 3, maxLength: 254 } } },
        response: { 202: messageAnswer, 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      if (!isValidAddress(request.body.email.trim())) throw new HttpError(400, 'body/email is not an e-mail address');
      const mail = await requestPasswordReset(db, config.publicUrl, request.body.email);
      if (mail) void mailer(mail).catch((error: unknown) => request.log.error({ err: error }, 'password reset mail could not be sent'));
      return reply.code(202).send(RESET_ANSWER);
    },
  );

  app.post<{ Body: { token: string; newPassword: string } }>(
    '/app/password-reset/confirm',
    {
      onRequest: signupOnly,
      schema: {
        tags,
        summary: 'Set a new password with the link from the reset mail; every session of the account ends',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['token', 'newPassword'],
          properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, newPassword: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH } },
        },
        response: { 204: noContent('The password is set; sign in with it'), 400: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const outcome = await resetPassword(db, request.body.token, request.body.newPassword);
      if (outcome !== 'reset') throw new HttpError(400, RESET_MESSAGES[outcome]);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { token: string } }>(
    '/app/verify',
    {
      onRequest: signupOnly, // a GET: the CSRF header is not asked for
      schema: {
        tags,
        summary: 'The link in the sign-up mail: confirms the address; browsers go back to the dashboard, JSON clients get 200 or 400',
        querystring: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 200: { type: 'object', properties: { verified: { type: 'boolean' } } }, 302: { description: 'Browsers (Accept: text/html) go back to the dashboard' }, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const outcome = await verifyEmail(db, request.query.token);
      const browser = request.headers.accept?.includes('text/html');
      if (outcome === 'verified') return browser ? reply.redirect('/app/?verified=1') : { verified: true };
      if (browser) return reply.redirect(`/app/?verifyError=${encodeURIComponent(VERIFY_MESSAGES[outcome])}`);
      throw new HttpError(400, VERIFY_MESSAGES[outcome]);
    },
  );
}

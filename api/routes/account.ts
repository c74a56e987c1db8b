// The signed-in user's account: who it is, everything castsync holds about it as one archive, and leaving (the
// account deleted with everything that names it). Both the export and the deletion are in the audit trail.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { accountArchive, accountSummary } from '../../lib/account-export.js';
import { deleteAccount, SyncServiceUnavailableError } from '../../lib/account-deletion.js';
import { byUser, recordAudit } from '../../lib/audit.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import type { MediaStorage } from '../../lib/media-storage.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { bearerSecurity } from '../auth.js';
import type { OAuthFlow } from '../oauth.js';
import { errorSchema, fileAnswer, HttpError } from '../schemas.js';

export interface AccountRouteDeps {
  db: Db;
  config: Config;
  temporal: Client;
  oauth: OAuthFlow;
  outbox: SyncOutbox;
  storage: MediaStorage;
}

const tags = ['account'];

const accountSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    timeZone: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export async function accountRoutes(app: FastifyInstance, deps: AccountRouteDeps) {
  const { db, storage } = deps;

  async function currentAccount(userId: string) {
    const account = await accountSummary(db, userId);
    if (!account) throw new HttpError(404, 'the account no longer exists');
    return account;
  }

  app.get('/api/account', { schema: { tags, summary: 'Your account', security: bearerSecurity, response: { 200: accountSchema, 401: errorSchema } } }, async (request) => currentAccount(request.userId));

  app.get(
    '/api/account/export',
    {
      schema: {
        tags,
        summary: 'Everything castsync holds about you, as one zip archive (no secrets; README.txt inside says what each file is)',
        security: bearerSecurity,
        response: { 200: fileAnswer('The archive (application/zip), streamed', ['application/zip']), 401: errorSchema },
      },
    },
    async (request, reply) => {
      const account = await currentAccount(request.userId);
      await recordAudit(db, { ...byUser(request), action: 'account.exported' });
      const archive = await accountArchive(db, storage, request.userId);
      archive.on('error', (error) => request.log.error({ err: error }, 'the account export failed while streaming'));
      const day = new Date().toISOString().slice(0, 10);
      const name = `castsync-export-${account.email.replace(/[^A-Za-z0-9._-]/g, '_')}-${day}.zip`;
      return reply.header('content-type', 'application/zip').header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(archive);
    },
  );

  app.delete<{ Body: { confirm: string } }>(
    '/api/account',
    {
      schema: {
        tags,
        summary: 'Delete your account: every platform disconnected (OAuth grants revoked), workflows, schedules, credentials, media and rows deleted',
        description: 'Confirm with the account\'s e-mail address. Answers 503 and keeps the account when the sync service does not answer; calling again finishes an interrupted deletion.',
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['confirm'],
          properties: { confirm: { type: 'string', maxLength: 320, description: "the account's e-mail address" } },
        },
        response: { 204: { type: 'null', description: 'the account is gone' }, 400: errorSchema, 401: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      const account = await currentAccount(request.userId);
      if (request.body.confirm.trim().toLowerCase() !== account.email.toLowerCase()) {
        throw new HttpError(400, `confirm must be this account's e-mail address; "${request.body.confirm}" is not it, so nothing was deleted`);
      }
      try {
        await deleteAccount(deps, { userId: request.userId, requestId: request.id, log: request.log });
      } catch (error) {
        if (!(error instanceof SyncServiceUnavailableError)) throw error;
        throw new HttpError(503, `${error.message}: the account is kept; try again later, and the deletion continues where it stopped`);
      }
      return reply.code(204).send();
    },
  );
}

// Every request body has a time limit. A body that has not fully arrived when it runs out (an endless upload, a
// client that stopped sending) gets 408 and its connection is closed, which ends the parsing of it: a staged upload
// is removed by its route (api/routes/media-upload.ts) and no file descriptor stays open. A route may set its own
// limit (uploads take longer than JSON) as `config: { bodyTimeoutMs }`.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    bodyTimeoutMs?: number;
  }
}

/**
 * How long the connection stays open after the 408 is written, still reading (and dropping) what the client
 * sends: closing a socket with unread data makes the kernel reset it, and the client might lose the answer.
 */
const LINGER_MS = 1000;

const carriesBody = (raw: IncomingMessage) => (raw.headers['content-length'] !== undefined && raw.headers['content-length'] !== '0') || raw.headers['transfer-encoding'] !== undefined;

export function bodyDeadline(app: FastifyInstance, defaultMs: number) {
  app.addHook('onRequest', (request, reply, done) => {
    const ms = request.routeOptions.config?.bodyTimeoutMs ?? defaultMs;
    const raw = request.raw;
    if (ms > 0 && carriesBody(raw) && !raw.complete) {
      const timer = setTimeout(() => expire(request, reply, ms), ms);
      const stop = () => clearTimeout(timer);
      raw.once('end', stop);
      raw.once('close', stop);
    }
    done();
  });
}

function expire(request: FastifyRequest, reply: FastifyReply, ms: number) {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return;
  request.log.info({ timeoutMs: ms }, 'request body timed out');
  // Already answered (e.g. 401 before the body was read): nothing more to say to a client that keeps sending.
  if (reply.sent) return raw.destroy();
  reply.raw.once('finish', () => setTimeout(() => raw.destroy(), LINGER_MS).unref());
  void reply.code(408).send({ statusCode: 408, error: 'Request Timeout', message: `the request body did not arrive within ${ms} ms` });
}

// The codec server for operators: the Temporal Web UI (and `temporal --codec-endpoint`) send the encrypted
// payloads of a history here and show what comes back. It decrypts user data, so it exists only when
// CASTSYNC_OPERATOR_TOKEN is set and answers only to an operator: "Authorization: Bearer <token>" (the CLI's
// --codec-auth), or the HttpOnly session cookie that signing in at /codec gives a browser, which the Web UI sends
// when its codec settings include cross-origin credentials. The token is never part of a URL, so the endpoint the
// UI publishes to anyone (its settings API) holds no secret. Authentication runs on onRequest, before a body is read.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { OPERATOR_SESSION_TTL_MS, OperatorSessions } from '../../lib/operator-sessions.js';
import { AesGcmPayloadCodec } from '../../lib/payload-codec.js';
import { CSRF_HEADER, sameSiteRequest } from '../auth.js';
import { errorSchema } from '../schemas.js';
import { codecSignInPage, codecSignInScript, pageHeaders } from './codec-page.js';

export const CODEC_SESSION_COOKIE = 'castsync_codec';

/**
 * The codec endpoint `npm start` gives the dev server's Web UI. Anyone may read it from the UI's settings API, so
 * it holds no secret: the UI reaches the codec with the operator's session cookie (include cross-origin credentials).
 */
export const publishedCodecEndpoint = (apiPort: number) => `http://localhost:${apiPort}/codec`;

/** A payload as the UI's remote-codec protocol sends it: proto3 JSON, bytes as base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const bodySchema = {
  type: 'object',
  required: ['payloads'],
  properties: {
    payloads: {
      type: 'array',
      items: {
        type: 'object',
        properties: { metadata: { type: 'object', additionalProperties: { type: 'string' } }, data: { type: 'string' } },
      },
    },
  },
};

// Histories hold up to 2 MB payloads; the API's own body limit is much smaller.
const CODEC_BODY_LIMIT = 8 * 1024 * 1024;
const unauthorized = { statusCode: 401, error: 'Unauthorized', message: 'the codec server needs the operator token or an operator session (sign in at /codec)' };

export async function codecRoutes(app: FastifyInstance, { config, db }: { config: Config; db: Db }) {
  const operatorToken = config.operatorToken;
  if (!operatorToken) return;
  const codec = new AesGcmPayloadCodec(config.payloadKeys, config.payloadActiveKeyId);
  const allowedOrigins = uiOrigins(config.temporalUiUrl);
  const sessions = new OperatorSessions(db, operatorToken);
  // Path /codec: the cookie goes to the codec only. Secure where the gateway is reached over https.
  const cookieOptions = { httpOnly: true, sameSite: 'strict', path: '/codec', secure: config.publicUrl.startsWith('https:') } as const;

  app.addHook('onRequest', async (request, reply) => allowCors(request, reply, allowedOrigins));
  app.options('/codec/*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

  /** Runs before the body is read: a stranger's request ends here, and its connection with it. */
  const requireOperator = async (request: FastifyRequest, reply: FastifyReply) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer ? sameSecret(bearer, operatorToken) : await sessions.isValid(request.cookies?.[CODEC_SESSION_COOKIE])) return;
    return reply.code(401).header('connection', 'close').send(unauthorized);
  };

  const codecResponses = { 200: { type: 'object', properties: { payloads: bodySchema.properties.payloads } }, 400: errorSchema, 401: errorSchema };
  for (const operation of ['encode', 'decode'] as const) {
    app.post<{ Body: { payloads: JsonPayload[] } }>(
      `/codec/${operation}`,
      {
        onRequest: requireOperator,
        bodyLimit: CODEC_BODY_LIMIT,
        schema: { tags: ['operations'], summary: `Temporal remote codec: ${operation} payloads`, body: bodySchema, response: codecResponses },
      },
      async (request, reply) => {
        const payloads = request.body.payloads.map(fromJson);
        try {
          const result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
          return { payloads: result.map(toJson) };
        } catch (error) {
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: error instanceof Error ? error.message : 'cannot decode' });
        }
      },
    );
  }

  // The old /codec/<token>/decode form: answered here, because Fastify's not-found log line would hold the raw URL.
  const oldForm = { statusCode: 404, error: 'Not Found', message: 'the codec endpoint is /codec (encode, decode); the operator token is never part of its URL' };
  app.post('/codec/:old/:operation', {
    schema: { hide: true },
    onRequest: async (_request, reply) => reply.code(404).header('connection', 'close').send(oldForm), // before the body
    handler: async (_request, reply) => reply.code(404).send(oldForm),
  });

  app.get('/codec', { schema: { hide: true } }, async (_request, reply) => reply.headers(pageHeaders).type('text/html; charset=utf-8').send(codecSignInPage(config)));
  app.get('/codec/sign-in.js', { schema: { hide: true } }, async (_request, reply) => reply.headers(pageHeaders).type('text/javascript; charset=utf-8').send(codecSignInScript));

  app.post<{ Body: { token: string } }>(
    '/codec/session',
    {
      // Login CSRF: another site must not give this browser a session of its choosing.
      onRequest: async (request, reply) => {
        if (!sameSiteRequest(request)) return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: `send the "${CSRF_HEADER}: 1" header` });
      },
      schema: {
        tags: ['operations'],
        summary: 'Operator sign-in for the codec server: checks the operator token, sets an HttpOnly session cookie',
        body: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 204: { type: 'null', description: 'signed in; the cookie holds a session id, not the token' }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request, reply) => {
      if (!sameSecret(request.body.token.trim(), operatorToken)) return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'that is not the operator token' });
      const id = await sessions.create();
      return reply.setCookie(CODEC_SESSION_COOKIE, id, { ...cookieOptions, maxAge: OPERATOR_SESSION_TTL_MS / 1000 }).code(204).send();
    },
  );

  app.delete('/codec/session', { schema: { tags: ['operations'], summary: 'Operator sign-out: ends the codec session', response: { 204: { type: 'null' } } } }, async (request, reply) => {
    await sessions.end(request.cookies?.[CODEC_SESSION_COOKIE]);
    return reply.clearCookie(CODEC_SESSION_COOKIE, cookieOptions).code(204).send();
  });
}

function allowCors(request: FastifyRequest, reply: FastifyReply, allowedOrigins: Set<string>) {
  const origin = request.headers.origin;
  if (!origin || !allowedOrigins.has(origin)) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'origin');
  reply.header('access-control-allow-credentials', 'true');
  reply.header('access-control-allow-methods', 'POST, OPTIONS');
  reply.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
  reply.header('access-control-max-age', '600');
}

/** The UI's origin, under both names of the loopback interface (operators open either). */
function uiOrigins(uiUrl: string): Set<string> {
  const origin = new URL(uiUrl).origin;
  return new Set([origin, origin.replace('//127.0.0.1', '//localhost'), origin.replace('//localhost', '//127.0.0.1')]);
}

function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, new Uint8Array(Buffer.from(value, 'base64'))])),
    data: new Uint8Array(Buffer.from(data ?? '', 'base64')),
  };
}

function toJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
    data: Buffer.from(data ?? []).toString('base64'),
  };
}

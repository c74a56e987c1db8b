// The codec server for operators: the Temporal Web UI (and `temporal --codec-endpoint`) send the encrypted
// payloads of a history here and show what comes back. It decrypts user data, so it exists only when
// CASTSYNC_OPERATOR_TOKEN is set and answers only to that token: as "Authorization: Bearer <token>" (the CLI's
// --codec-auth), or as a path segment, /codec/<token>/decode, for the dev server's UI, which sends no header.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../lib/config.js';
import { AesGcmPayloadCodec } from '../../lib/payload-codec.js';
import { errorSchema } from '../schemas.js';

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

export async function codecRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const operatorToken = config.operatorToken;
  if (!operatorToken) return;
  const codec = new AesGcmPayloadCodec(config.payloadKeys, config.payloadActiveKeyId);
  const allowedOrigins = uiOrigins(config.temporalUiUrl);

  app.addHook('onRequest', async (request, reply) => allowCors(request, reply, allowedOrigins));
  app.options('/codec/*', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());

  for (const operation of ['encode', 'decode'] as const) {
    const handler = async (request: FastifyRequest<{ Body: { payloads: JsonPayload[] }; Params: { token?: string } }>, reply: FastifyReply) => {
      const presented = request.params.token ?? /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (!presented || !sameSecret(presented, operatorToken)) {
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', message: 'the codec server needs the operator token' });
      }
      const payloads = request.body.payloads.map(fromJson);
      try {
        const result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
        return { payloads: result.map(toJson) };
      } catch (error) {
        return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: error instanceof Error ? error.message : 'cannot decode' });
      }
    };
    const response = { 200: { type: 'object', properties: { payloads: bodySchema.properties.payloads } }, 400: errorSchema, 401: errorSchema };
    const options = { bodyLimit: CODEC_BODY_LIMIT, schema: { tags: ['operations'], summary: `Temporal remote codec: ${operation} payloads`, body: bodySchema, response } };
    app.post(`/codec/${operation}`, options, handler);
    app.post(`/codec/:token/${operation}`, { ...options, schema: { ...options.schema, hide: true } }, handler);
  }
}

function allowCors(request: FastifyRequest, reply: FastifyReply, allowedOrigins: Set<string>) {
  const origin = request.headers.origin;
  if (!origin || !allowedOrigins.has(origin)) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'origin');
  reply.header('access-control-allow-credentials', 'true');
  reply.header('access-control-allow-methods', 'POST, OPTIONS');
  reply.header('access-control-allow-headers', 'content-type, x-namespace, authorization');
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

// The answers every route can give whatever it does, documented by class in one place (onRoute hooks), so the
// OpenAPI document lists every status the gateway sends: validation (400), unknown ids (404), body limits (408, 413),
// content types (415), rate limits (429), oversized URLs and headers (431), a database that stayed busy (503) and, inside the bearer scope,
// authentication (401) and the cookie's CSRF header (403). What only a route knows (its 2xx, 409, its own 503) stays in its own schema, which wins over these.
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { bearerSecurity } from './auth.js';
import { errorSchema } from './schemas.js';
import { documentTextRule } from './validation.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const answer = (description: string, extra: object = {}) => ({ ...errorSchema, description, ...extra });

const RESPONSES = {
  400: answer('Bad Request: the input breaks the documented schema or rules; the message names what is wrong'),
  401: answer('Unauthorized: no token, or an unknown, expired or revoked one'),
  403: answer('Forbidden: a change made with the dashboard session cookie needs the "x-castsync-csrf: 1" header'),
  404: answer('Not Found: no such item among yours'),
  408: answer('Request Timeout: the body did not arrive within the time limit (the connection is closed)'),
  413: answer('Payload Too Large: the body is over the limit'),
  // Fastify's own answer, in its own shape (a code, no statusCode): not the Error schema.
  414: {
    description: 'URI Too Long: a path parameter is longer than any the route takes (Fastify answers before the route runs)',
    type: 'object',
    properties: { error: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } },
  },
  415: answer('Unsupported Media Type: the body is not in a content type this operation takes'),
  431: answer('Request Header Fields Too Large: the URL and headers together are over the limit (Node.js answers before any route runs)'),
  429: answer('Too Many Requests: rate limit reached; retry after Retry-After seconds', {
    headers: { 'retry-after': { type: 'integer', description: 'Seconds until a request may succeed again' } },
  }),
  503: answer('Service Unavailable: the database stayed busy (a burst), nothing was changed; retry after Retry-After seconds (api/database-busy.ts)', {
    headers: { 'retry-after': { type: 'integer', description: 'Seconds until a request may succeed again' } },
  }),
} as const;

type Method = string | string[];

/** Standard error answers and an operationId for every route of this instance and its children. */
export function documentStandardResponses(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    withSchema(route, (schema, method) => {
      const responses: Record<string, object> = { 429: RESPONSES[429], 431: RESPONSES[431], 503: RESPONSES[503] };
      if (schema.params || schema.querystring || schema.body || BODY_METHODS.has(method)) responses[400] = RESPONSES[400];
      if (schema.params) Object.assign(responses, { 404: RESPONSES[404], 414: RESPONSES[414] });
      if (BODY_METHODS.has(method)) Object.assign(responses, { 408: RESPONSES[408], 413: RESPONSES[413], 415: RESPONSES[415] });
      return {
        ...schema,
        operationId: (schema as { operationId?: string }).operationId ?? operationIdOf(method, route.url),
        response: { ...responses, ...(schema.response as object | undefined) },
      };
    });
  });
}

/** For the scope behind requireUser (api/auth.ts): 401 everywhere, 403 on changes, bearer security declared. */
export function documentAuthResponses(api: FastifyInstance) {
  api.addHook('onRoute', (route) => {
    withSchema(route, (schema, method) => ({
      ...schema,
      security: schema.security ?? bearerSecurity,
      response: { 401: RESPONSES[401], ...(SAFE_METHODS.has(method) ? {} : { 403: RESPONSES[403] }), ...(schema.response as object | undefined) },
    }));
  });
}

/** Replaces (never mutates: schemas are shared between routes) the schema of a documented route. */
function withSchema(route: RouteOptions, change: (schema: FastifySchema, method: string) => FastifySchema) {
  const schema = route.schema as (FastifySchema & { hide?: boolean }) | undefined;
  if (!schema || schema.hide) return;
  route.schema = change(schema, methodOf(route.method));
}

function methodOf(method: Method): string {
  return (Array.isArray(method) ? method[0]! : method).toUpperCase();
}

/** "DELETE /api/media/:id" -> "deleteMediaById": stable, readable and unique per method and path. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((segment) => segment && segment !== 'api')
    .flatMap((segment) => (segment.startsWith(':') ? ['by', segment.slice(1)] : segment.split(/[^a-zA-Z0-9]+/)))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

/** @fastify/swagger's transform: the document states the text rule the validator applies to every input string. */
export function documentInputRules({ schema, url }: { schema: FastifySchema; url: string }) {
  if (!schema) return { schema, url };
  const documented: Record<string, unknown> = { ...schema };
  for (const part of ['params', 'querystring', 'body', 'headers'] as const) if (part in documented) documented[part] = documentTextRule(documented[part]);
  return { schema: documented as FastifySchema, url };
}

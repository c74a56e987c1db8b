// Request validation with Ajv. Bodies are strict JSON: no type coercion (42 is not "42") and unknown fields are
// an error, not silently dropped. Query strings and path parameters arrive as text, so those are coerced.
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

function makeAjv(options: Options) {
  const ajv = new Ajv.default({ removeAdditional: false, useDefaults: true, allErrors: false, ...options });
  addFormats.default(ajv);
  return ajv;
}

const strict = makeAjv({ coerceTypes: false });
const coercing = makeAjv({ coerceTypes: 'array' });

// A multipart body is streamed to its handler, which checks each part as it arrives (api/routes/media.ts); its
// schema documents the parts, as Fastify has no parsed body to apply it to.
const streamedBody = () => true;

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart, contentType }) => {
  if (httpPart === 'body' && contentType === 'multipart/form-data') return streamedBody;
  return (httpPart === 'body' ? strict : coercing).compile(schema as object);
};

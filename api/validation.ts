// Request validation with Ajv. Bodies are strict JSON: no type coercion (42 is not "42") and unknown fields are
// an error, not silently dropped. Query strings and path parameters arrive as text, so those are coerced.
//
// Every string a route takes (body, query string, path) is refused when it holds a control character: PostgreSQL
// cannot store NUL, and calendars, e-mails and platforms choke on the others. The check is added to every string
// schema at compile time, so a new route gets it without asking. Text marked `'x-multiline': true` (a note) may
// hold tabs and line breaks; any other string is one line and may hold a tab only.
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';
import { controlCharacterProblem, MULTILINE_PATTERN, ONE_LINE_PATTERN } from '../lib/text-rules.js';

export { controlCharacterProblem };

/** Marks a string schema whose text may span lines (tabs and line breaks allowed). */
export const MULTILINE = 'x-multiline';
const TEXT_CHECK = 'controlCharacters';

function makeAjv(options: Options) {
  const ajv = new Ajv.default({ removeAdditional: false, useDefaults: true, allErrors: false, ...options });
  addFormats.default(ajv);
  ajv.addKeyword({ keyword: MULTILINE, schemaType: 'boolean' }); // an annotation, read by the text check below
  ajv.addKeyword({
    keyword: TEXT_CHECK,
    // Not declared for strings only: that would let Ajv run it (and enum) before the type check, so a list where
    // text belongs would be reported as the wrong value rather than the wrong type.
    schemaType: 'string',
    errors: true,
    validate: function check(mode: string, data: unknown) {
      const problem = typeof data === 'string' ? controlCharacterProblem(data, mode === 'multiline') : null;
      (check as { errors?: unknown[] }).errors = problem ? [{ keyword: TEXT_CHECK, message: problem, params: {} }] : [];
      return problem === null;
    },
  });
  return ajv;
}

type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'];

/** A copy of the schema with `change` applied to every string schema in it (the original stays as written). */
function mapStringSchemas(schema: unknown, change: (stringSchema: Schema) => Schema): unknown {
  if (Array.isArray(schema)) return schema.map((item) => mapStringSchemas(item, change));
  if (!isSchema(schema)) return schema;
  let copy: Schema = { ...schema };
  for (const key of SCHEMA_MAPS) {
    if (isSchema(copy[key])) copy[key] = Object.fromEntries(Object.entries(copy[key]).map(([name, sub]) => [name, mapStringSchemas(sub, change)]));
  }
  for (const key of [...SCHEMA_LISTS, ...SUBSCHEMAS]) if (key in copy) copy[key] = mapStringSchemas(copy[key], change);
  const types = Array.isArray(copy.type) ? copy.type : [copy.type];
  if (types.includes('string')) copy = change(copy);
  return copy;
}

/** The text check on every string schema (the route's own schema, and so the OpenAPI document, stay as written). */
export const withTextChecks = (schema: unknown): unknown =>
  mapStringSchemas(schema, (text) => ({ ...text, [TEXT_CHECK]: text[MULTILINE] === true ? 'multiline' : 'line' }));

/**
 * The text rule written into a route's documented schema as a `pattern`, where the string has no pattern, format
 * or fixed values of its own (those already leave no room for control characters).
 */
export const documentTextRule = (schema: unknown): unknown =>
  mapStringSchemas(schema, (text) =>
    text.pattern || text.format || text.enum || text.const !== undefined ? text : { ...text, pattern: text[MULTILINE] === true ? MULTILINE_PATTERN : ONE_LINE_PATTERN },
  );

const strict = makeAjv({ coerceTypes: false });
const coercing = makeAjv({ coerceTypes: 'array' });

// A multipart body is streamed to its handler, which checks each part as it arrives (api/routes/media-upload.ts);
// its schema documents the parts, as Fastify has no parsed body to apply it to.
const streamedBody = () => true;

export const validatorCompiler: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart, contentType }) => {
  if (httpPart === 'body' && contentType === 'multipart/form-data') return streamedBody;
  return (httpPart === 'body' ? strict : coercing).compile(withTextChecks(schema) as object);
};

// The user's profile (lib/profile.ts): read it, replace it (PUT), change some fields (PATCH), and see how far each
// connected platform is in step. Before the first save the profile is empty with version 0; each change is one
// transaction that adds one to the version and records an audit event naming the changed fields (never their
// values), then the user's profile sync workflow is told. A save that changes nothing is not a change: same version,
// no audit event, no push.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { getPlatform, isPlatformId } from '../../adapters/catalog.js';
import type { Prisma, Profile } from '../../generated/prisma/client.js';
import { byUser, recordAudit } from '../../lib/audit.js';
import type { Db } from '../../lib/db.js';
import { lockUserCalendar } from '../../lib/options.js';
import {
  PROFILE_FIELD_NAMES,
  profileFieldsPatchSchema,
  profileFieldsSchema,
  profileProblem,
  profileVisibilitySchema,
  type ProfileData,
  type ProfileFields,
  type ProfileVisibility,
} from '../../lib/profile.js';
import { PROFILE_FIELD_KINDS, profileFieldDescriptions } from '../../lib/profile-fields.js';
import { bearerSecurity } from '../auth.js';
import { documentTextRule } from '../validation.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { errorSchema, HttpError, queuedSync, syncRequestedSchema } from '../schemas.js';

export interface ProfileRouteDeps {
  db: Db;
  /** A change sends its profile push in its own transaction. */
  outbox: SyncOutbox;
}

const versionField = {
  type: 'integer',
  minimum: 0,
  description: 'Reject the change (409) unless this is the current version (0: no profile saved yet)',
} as const;

const putBody = {
  type: 'object',
  additionalProperties: false,
  required: ['fields'],
  properties: { fields: profileFieldsSchema, visibility: profileVisibilitySchema, version: versionField },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  properties: { fields: profileFieldsPatchSchema, visibility: profileVisibilitySchema, version: versionField },
} as const;

const profileSchema = {
  type: 'object',
  properties: {
    fields: profileFieldsSchema,
    visibility: { ...profileVisibilitySchema, description: 'Fields not listed are public' },
    version: { type: 'integer', description: '0 until the profile is first saved' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
    syncRequested: { ...syncRequestedSchema, description: 'The push the change caused (null: nothing changed, nothing to push)' },
  },
} as const;

const platformStateSchema = {
  type: 'object',
  properties: {
    platformId: { type: 'string' },
    name: { type: 'string' },
    syncProfile: { type: 'boolean', description: 'The connection pushes the profile (PATCH /api/platforms/:platformId)' },
    syncedVersion: { type: ['integer', 'null'], description: 'The profile version the platform last took' },
    syncedAt: { type: ['string', 'null'], format: 'date-time' },
    unrepresentable: {
      type: 'array',
      description: 'Values the platform could not show at the last push, and why',
      items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } },
    },
    lastError: { type: ['string', 'null'] },
    inStep: { type: 'boolean', description: 'The platform holds the current version' },
  },
} as const;

const nullableStrings = { type: ['array', 'null'], items: { type: 'string' } } as const;

const fieldDescriptionSchema = {
  type: 'object',
  properties: {
    key: { type: 'string', description: 'The field in fields of PUT /api/profile' },
    label: { type: 'string' },
    group: { type: 'string' },
    kind: { type: 'string', enum: PROFILE_FIELD_KINDS, description: 'How the field is edited' },
    description: { type: ['string', 'null'] },
    values: { ...nullableStrings, description: 'The values a choice (or each entry of a set) takes; null: free text within the limits' },
    minimum: { type: ['number', 'null'] },
    maximum: { type: ['number', 'null'] },
    maxItems: { type: ['integer', 'null'], description: "A list's longest length" },
    columns: {
      type: ['array', 'null'],
      description: "A table's columns, in order",
      items: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' }, required: { type: 'boolean' }, values: nullableStrings } },
    },
    schema: { type: 'object', additionalProperties: true, description: 'The JSON schema PUT /api/profile validates the field with' },
  },
} as const;

interface PutInput {
  fields: ProfileFields;
  visibility?: ProfileVisibility;
  version?: number;
}

interface PatchInput {
  fields?: { [K in keyof ProfileFields]?: ProfileFields[K] | null };
  visibility?: ProfileVisibility;
  version?: number;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
type Change = Omit<ProfileData, 'version'>;

export async function profileRoutes(app: FastifyInstance, { db, outbox }: ProfileRouteDeps) {
  const tags = ['profile'];
  const errors = { 400: errorSchema, 409: errorSchema };
  // Each schema as the OpenAPI document publishes it: with the text rule every string is checked against.
  const fieldDescriptions = profileFieldDescriptions().map((field) => ({ ...field, schema: documentTextRule(field.schema) }));

  /** Saves the change (when it is one) and tells the platforms; answers the profile as saved. */
  async function save(request: FastifyRequest, version: number | undefined, change: (current: Change) => Change) {
    const { row, changed } = await outbox.transaction(db, request.userId, async (tx, send) => {
      const outcome = await applyChange(tx, request, version, change);
      if (outcome.changed) await send([{ topic: 'sync', data: 'profile' }]);
      return outcome;
    });
    return { ...present(row), syncRequested: changed ? queuedSync(request.id) : null };
  }

  app.get('/api/profile', { schema: { tags, summary: 'Your profile (empty, version 0, until first saved)', security: bearerSecurity, response: { 200: profileSchema } } }, async (request) =>
    present(await db.profile.findUnique({ where: { userId: request.userId } })),
  );

  app.put<{ Body: PutInput }>(
    '/api/profile',
    { schema: { tags, summary: 'Replace the whole profile: fields and visibility', security: bearerSecurity, body: putBody, response: { 200: profileSchema, ...errors } } },
    async (request) => {
      const { fields, visibility = {}, version } = request.body;
      return save(request, version, () => ({ fields, visibility }));
    },
  );

  app.patch<{ Body: PatchInput }>(
    '/api/profile',
    {
      schema: {
        tags,
        summary: 'Change some fields (null removes one) and their visibility; the rest stays',
        security: bearerSecurity,
        body: patchBody,
        response: { 200: profileSchema, ...errors },
      },
    },
    async (request) => {
      const { fields = {}, visibility = {}, version } = request.body;
      if (!request.body.fields && !request.body.visibility) throw new HttpError(400, 'nothing to change: send fields, visibility or both');
      return save(request, version, (current) => ({ fields: merged(current.fields, fields), visibility: { ...current.visibility, ...visibility } }));
    },
  );

  app.get(
    '/api/profile/fields',
    {
      schema: {
        tags,
        summary: "The profile's fields as a form shows them: label, group, kind, allowed values and limits, in display order",
        security: bearerSecurity,
        response: { 200: { type: 'object', properties: { fields: { type: 'array', items: fieldDescriptionSchema } } } },
      },
    },
    async () => ({ fields: fieldDescriptions }),
  );

  app.get(
    '/api/profile/platforms',
    {
      schema: {
        tags,
        summary: 'How far each connected platform that keeps a profile is in step with yours',
        security: bearerSecurity,
        response: { 200: { type: 'object', properties: { version: { type: 'integer' }, platforms: { type: 'array', items: platformStateSchema } } } },
      },
    },
    async (request) => {
      const { userId } = request;
      const [profile, connections, states] = await Promise.all([
        db.profile.findUnique({ where: { userId }, select: { version: true } }),
        db.platformConnection.findMany({ where: { userId, connected: true }, orderBy: { platformId: 'asc' } }),
        db.platformProfileState.findMany({ where: { userId } }),
      ]);
      const version = profile?.version ?? 0;
      const platforms = connections
        .filter((c) => isPlatformId(c.platformId) && getPlatform(c.platformId).capabilities.profile)
        .map((connection) => {
          const state = states.find((s) => s.platformId === connection.platformId);
          return {
            platformId: connection.platformId,
            name: getPlatform(connection.platformId).name,
            syncProfile: connection.syncProfile,
            syncedVersion: state?.syncedVersion ?? null,
            syncedAt: state?.syncedAt?.toISOString() ?? null,
            unrepresentable: (state?.unrepresentable as { field: string; reason: string }[] | undefined) ?? [],
            lastError: state?.lastError ?? null,
            inStep: state?.syncedVersion === version,
          };
        });
      return { version, platforms };
    },
  );
}

/** Under the user's lock, so two saves at once cannot both build on the same version. */
async function applyChange(tx: Tx, request: FastifyRequest, version: number | undefined, change: (current: Change) => Change) {
  const { userId } = request;
  await lockUserCalendar(tx, userId);
  const row = await tx.profile.findUnique({ where: { userId } });
  const current = stored(row);
  if (version !== undefined && version !== current.version) throw new HttpError(409, `version ${version} is not current (now ${current.version}); reload and try again`);
  const next = change(current);
  const problem = profileProblem(next.fields);
  if (problem) throw new HttpError(400, problem);
  const changed = { fields: changedNames(current.fields, next.fields), visibility: changedNames(current.visibility, next.visibility) };
  if (!changed.fields.length && !changed.visibility.length) return { row, changed: false };
  const data = { fields: next.fields as Prisma.InputJsonObject, visibility: next.visibility as Prisma.InputJsonObject };
  const saved = row
    ? await tx.profile.update({ where: { userId }, data: { ...data, version: { increment: 1 } } })
    : await tx.profile.create({ data: { userId, ...data, version: 1 } });
  await recordAudit(tx, { ...byUser(request), action: 'profile.update', target: 'profile', details: changed });
  return { row: saved, changed: true };
}

function stored(row: Profile | null): ProfileData {
  return { fields: (row?.fields ?? {}) as ProfileFields, visibility: (row?.visibility ?? {}) as ProfileVisibility, version: row?.version ?? 0 };
}

function present(row: Profile | null) {
  return { ...stored(row), updatedAt: row?.updatedAt.toISOString() ?? null };
}

function merged(current: ProfileFields, changes: NonNullable<PatchInput['fields']>): ProfileFields {
  const next: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next as ProfileFields;
}

/** The top-level fields whose values differ (JSONB keeps no key order, so objects compare by content). */
function changedNames<T extends ProfileFields | ProfileVisibility>(before: T, after: T): string[] {
  return PROFILE_FIELD_NAMES.filter((name) => canonical(before[name as keyof T]) !== canonical(after[name as keyof T]));
}

function canonical(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

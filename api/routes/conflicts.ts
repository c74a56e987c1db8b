// Conflicts that scheduled pulls open where a platform disagrees with us (seed, "Conflict Resolution"), and their
// resolution by the user. Kinds and their fields, as the pull opens them:
//   platform_booking  a booking made on the platform and imported: availabilityId = the imported entry, ours null
//   differs           availabilityId = our entry, ours = our entry, theirs = the platform's version (null: it lost it)
//   already_blocked   availabilityId = our entry, theirs = the platform's own block on those days
//   media_drift       a file castsync put there was removed on the platform (ours = the medium), or one castsync
//                     does not know was added there (theirs = its file name and type); see activities/media-drift.ts
// `theirs` has the shape of an adapter's PlatformAvailabilityItem (startDate, endDate, status, type, optionRank,
// optionHolder, note). A resolution changes the entry, the conflict and the options it affects in one transaction
// (every touched entry's version grows, so the next push compares it with each platform afresh), then one push.
import type { FastifyInstance } from 'fastify';
import type { Availability, Conflict } from '../../generated/prisma/client.js';
import { getPlatform, isPlatformId } from '../../adapters/catalog.js';
import type { Config } from '../../lib/config.js';
import { byUser, recordAudit } from '../../lib/audit.js';
import type { Db } from '../../lib/db.js';
import { toDay } from '../../lib/days.js';
import { applyEntryChange, lockUserCalendar, nextFreeRank, noEffects, type OptionEffects, type Tx } from '../../lib/options.js';
import { bearerSecurity } from '../auth.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { availabilityStatuses, availabilityTypes, errorSchema, HttpError, pageQuery, queuedSync, syncRequestedSchema, uuidParam } from '../schemas.js';
import { changeMessages, checkedRange, type AvailabilityInput } from '../../lib/calendar-entries.js';

const actions = ['keep_ours', 'accept_theirs', 'edit'] as const;
type Action = (typeof actions)[number];

interface EditRange {
  startDate: string;
  endDate: string;
  status?: (typeof availabilityStatuses)[number];
  type?: (typeof availabilityTypes)[number];
}

interface ResolveBody {
  action: Action;
  range?: EditRange;
}

export interface ConflictRouteDeps {
  db: Db;
  config: Config;
  /** A resolution sends its push (and the option timers it touches) in its own transaction. */
  outbox: SyncOutbox;
}

const resolveBody = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { type: 'string', enum: actions, description: 'keep_ours, accept_theirs, or edit (with range)' },
    range: {
      type: 'object',
      additionalProperties: false,
      required: ['startDate', 'endDate'],
      description: 'Only with action "edit": the days (and optionally status and type) our entry gets',
      properties: {
        startDate: { type: 'string', format: 'date' },
        endDate: { type: 'string', format: 'date' },
        status: { type: 'string', enum: availabilityStatuses },
        type: { type: 'string', enum: availabilityTypes },
      },
    },
  },
} as const;

const entrySchema = {
  type: ['object', 'null'],
  properties: {
    id: { type: 'string' },
    startDate: { type: 'string' },
    endDate: { type: 'string' },
    status: { type: 'string' },
    type: { type: 'string' },
    optionRank: { type: ['integer', 'null'] },
    optionHolder: { type: ['string', 'null'] },
    note: { type: ['string', 'null'] },
    source: { type: 'string' },
    version: { type: 'integer' },
    deleted: { type: 'boolean' },
  },
} as const;

const anyJson = { description: 'JSON as stored (null when absent)' } as const;

const conflictSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    platformId: { type: 'string' },
    platformName: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string' },
    message: { type: ['string', 'null'] },
    externalId: { type: ['string', 'null'] },
    ours: anyJson,
    theirs: anyJson,
    resolution: anyJson,
    entry: entrySchema,
    createdAt: { type: 'string', format: 'date-time' },
    resolvedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export async function conflictRoutes(app: FastifyInstance, { db, config, outbox }: ConflictRouteDeps) {
  const tags = ['conflicts'];

  app.get<{ Querystring: { status: 'open' | 'resolved' | 'dismissed'; page: number; pageSize: number } }>(
    '/api/conflicts',
    {
      schema: {
        tags,
        summary: 'Conflicts between a platform and our calendar, newest first',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'resolved', 'dismissed'], default: 'open' },
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: conflictSchema }, page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => {
      const { status, page, pageSize } = request.query;
      const where = { userId: request.userId, status };
      const [rows, total] = await Promise.all([
        db.conflict.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize, include: { availability: true } }),
        db.conflict.count({ where }),
      ]);
      const names = await calendarNames(db, request.userId, rows);
      return { items: rows.map((row) => presentConflict(row, row.availability, names)), page, pageSize, total };
    },
  );

  app.post<{ Params: { id: string }; Body: ResolveBody }>(
    '/api/conflicts/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Resolve a conflict: keep our entry, accept the platform\'s version, or edit our entry',
        security: bearerSecurity,
        params: uuidParam('id'),
        body: resolveBody,
        response: { 200: { ...conflictSchema, properties: { ...conflictSchema.properties, syncRequested: syncRequestedSchema } }, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { action, range } = request.body;
      if (action === 'edit' && !range) throw new HttpError(400, 'range is required when action is "edit"');
      if (action !== 'edit' && range) throw new HttpError(400, `range is only allowed when action is "edit", not "${action}"`);
      const resolved = await outbox.transaction(db, request.userId, async (tx, send) => {
        await lockUserCalendar(tx, request.userId);
        const conflict = await tx.conflict.findFirst({ where: { id: request.params.id, userId: request.userId } });
        if (!conflict) throw new HttpError(404, 'no such conflict');
        if (conflict.status !== 'open') throw new HttpError(409, `the conflict is already ${conflict.status}`);
        if (conflict.kind === MEDIA_DRIFT) {
          const updated = await resolveMediaDrift(tx, conflict, action);
          await recordAudit(tx, { ...byUser(request), action: 'conflict.resolve', target: conflict.id, details: { action, platformId: conflict.platformId } });
          await send([{ topic: 'sync', data: 'media' }]);
          return { conflict: updated, entry: null };
        }
        const entry = conflict.availabilityId ? await tx.availability.findUnique({ where: { id: conflict.availabilityId } }) : null;
        const { after, effects } = await resolveEntry(tx, conflict, entry, request.body, config.maxRangeDays);
        const resolution = {
          action,
          ...(range ? { range: { ...range } } : {}),
          entry: after ? { id: after.id, version: after.version, deleted: after.deletedAt !== null } : null,
          released: effects.released,
          promoted: effects.promoted,
        };
        const updated = await tx.conflict.update({ where: { id: conflict.id }, data: { status: 'resolved', resolvedAt: new Date(), resolution } });
        await recordAudit(tx, { ...byUser(request), action: 'conflict.resolve', target: conflict.id, details: { action, platformId: conflict.platformId } });
        await send(after ? changeMessages(entry, after, effects) : [{ topic: 'sync', data: 'availability' }]);
        return { conflict: updated, entry: after };
      });
      const names = await calendarNames(db, request.userId, [resolved.conflict]);
      return { ...presentConflict(resolved.conflict, resolved.entry, names), syncRequested: queuedSync(request.id) };
    },
  );
}

const MEDIA_DRIFT = 'media_drift';

/**
 * A file removed on the platform: keep_ours uploads it again (its state is reset, so the next media push sees it
 * missing), accept_theirs leaves it off that platform for good (excluded). A file added on the platform: only
 * accept_theirs (leave it there) — castsync never deletes files it did not upload.
 */
async function resolveMediaDrift(tx: Tx, conflict: Conflict, action: Action): Promise<Conflict> {
  const ours = conflict.ours as { mediaId?: string } | null;
  if (action === 'edit') throw new HttpError(400, 'a media conflict is resolved with keep_ours or accept_theirs, not edit');
  if (!ours?.mediaId && action === 'keep_ours') {
    throw new HttpError(409, 'castsync never deletes files it did not upload: delete it on the platform, or accept theirs to leave it there');
  }
  if (ours?.mediaId) {
    const change = action === 'keep_ours' ? { externalId: null, variantHash: null, syncedVersion: null, status: 'pending' as const } : { excluded: true };
    await tx.platformMediaState.updateMany({ where: { mediaId: ours.mediaId, platformId: conflict.platformId }, data: change });
  }
  return tx.conflict.update({ where: { id: conflict.id }, data: { status: 'resolved', resolvedAt: new Date(), resolution: { action } } });
}

interface Resolved {
  after: Availability | null;
  effects: OptionEffects;
}

/** What the chosen action does to the conflict's entry (and, through the option rules, to the user's options). */
async function resolveEntry(tx: Tx, conflict: Conflict, entry: Availability | null, body: ResolveBody, maxRangeDays: number): Promise<Resolved> {
  if (!entry) {
    if (body.action === 'keep_ours') return { after: null, effects: noEffects() };
    throw new HttpError(409, 'the entry of this conflict no longer exists; keep_ours is the only resolution left');
  }
  const imported = conflict.kind === 'platform_booking';
  if (body.action === 'keep_ours') {
    // Ours stays as it is; its new version makes the next push overwrite what the platform shows.
    if (!imported) return write(tx, entry, {});
    return write(tx, entry, { deletedAt: entry.deletedAt ?? new Date(), releasedReason: 'conflict_rejected' });
  }
  if (body.action === 'accept_theirs') {
    if (imported) return write(tx, entry, { deletedAt: null, releasedReason: null }, { joinsCalendar: true });
    const theirs = platformVersion(conflict.theirs, entry, maxRangeDays);
    if (!theirs) return write(tx, entry, { deletedAt: entry.deletedAt ?? new Date() });
    return write(tx, entry, { ...(await withRank(tx, entry, theirs)), deletedAt: null, releasedReason: null });
  }
  const edited = checkedRange(editInput(entry, body.range!), maxRangeDays);
  return write(tx, entry, { ...(await withRank(tx, entry, edited)), deletedAt: null, releasedReason: null }, { joinsCalendar: imported });
}

type EntryChange = Partial<Pick<Availability, 'startDate' | 'endDate' | 'status' | 'type' | 'optionRank' | 'optionHolder' | 'optionExpiresAt' | 'note' | 'deletedAt' | 'releasedReason'>>;

/**
 * Writes the change with version + 1 and applies the option rules. An imported platform booking the user accepts
 * joins our calendar only now, so it counts as new: as a firm booking it releases the options on its days.
 */
async function write(tx: Tx, entry: Availability, change: EntryChange, { joinsCalendar = false } = {}): Promise<Resolved> {
  const after = await tx.availability.update({ where: { id: entry.id }, data: { ...change, version: { increment: 1 } } });
  return { after, effects: await applyEntryChange(tx, joinsCalendar ? null : entry, after) };
}

/** An option keeps its rank; an entry that becomes an option gets the next free rank on its days. */
async function withRank(tx: Tx, entry: Availability, fields: ReturnType<typeof checkedRange>): Promise<EntryChange> {
  if (fields.status !== 'tentative') return { ...fields, optionRank: null, optionExpiresAt: null };
  const optionRank = fields.optionRank ?? (entry.status === 'tentative' ? entry.optionRank : null);
  return { ...fields, optionRank: optionRank ?? (await nextFreeRank(tx, { userId: entry.userId, ...fields }, entry.id)) };
}

/** Our entry with the edited days (and status/type); option fields stay only while it is an option. */
function editInput(entry: Availability, range: EditRange): AvailabilityInput {
  const status = range.status ?? entry.status;
  const option = status === 'tentative';
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    status,
    type: range.type ?? entry.type,
    optionRank: option && entry.status === 'tentative' ? entry.optionRank : null,
    optionHolder: entry.optionHolder,
    optionExpiresAt: option ? (entry.optionExpiresAt?.toISOString() ?? null) : null,
    note: entry.note,
  };
}

/** The platform's version (`theirs`) as our fields, or null when the platform no longer has the entry. */
function platformVersion(theirs: unknown, entry: Availability, maxRangeDays: number): ReturnType<typeof checkedRange> | null {
  if (theirs === null || theirs === undefined) return null;
  const t = theirs as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const tentative = t.status === 'tentative';
  try {
    return checkedRange(
      {
        startDate: text(t.startDate),
        endDate: text(t.endDate),
        status: availabilityStatuses.find((s) => s === t.status),
        type: availabilityTypes.find((s) => s === t.type),
        optionRank: tentative && typeof t.optionRank === 'number' ? t.optionRank : null,
        optionHolder: text(t.optionHolder) ?? null,
        optionExpiresAt: tentative ? (entry.optionExpiresAt?.toISOString() ?? null) : null,
        note: text(t.note) ?? null,
      },
      maxRangeDays,
    );
  } catch (error) {
    if (error instanceof HttpError) throw new HttpError(409, `the platform's version cannot be applied: ${error.message}`);
    throw error;
  }
}

/** The names of the calendar sources behind these conflicts (platformId "calendar:<id>"), by platformId. */
async function calendarNames(db: Db, userId: string, rows: Pick<Conflict, 'platformId'>[]): Promise<Map<string, string>> {
  const ids = rows.filter((row) => row.platformId.startsWith('calendar:')).map((row) => row.platformId.slice('calendar:'.length));
  if (ids.length === 0) return new Map();
  const sources = await db.calendarSource.findMany({ where: { userId, id: { in: ids } }, select: { id: true, name: true } });
  return new Map(sources.map((source) => [`calendar:${source.id}`, source.name]));
}

function presentConflict(row: Conflict, entry: Availability | null, calendars: Map<string, string>) {
  return {
    id: row.id,
    platformId: row.platformId,
    platformName: isPlatformId(row.platformId) ? getPlatform(row.platformId).name : (calendars.get(row.platformId) ?? row.platformId),
    kind: row.kind,
    status: row.status,
    message: row.message,
    externalId: row.externalId,
    ours: row.ours,
    theirs: row.theirs,
    resolution: row.resolution,
    entry: entry ? presentEntry(entry) : null,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

function presentEntry(entry: Availability) {
  return {
    id: entry.id,
    startDate: toDay(entry.startDate),
    endDate: toDay(entry.endDate),
    status: entry.status,
    type: entry.type,
    optionRank: entry.optionRank,
    optionHolder: entry.optionHolder,
    note: entry.note,
    source: entry.source,
    version: entry.version,
    deleted: entry.deletedAt !== null,
  };
}

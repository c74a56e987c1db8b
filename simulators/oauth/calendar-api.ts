// The simulated platform's calendar API (RFC 6750 bearer tokens): who am I, a cursor-paged list, and entries
// upserted and deleted by the client's own reference. It validates like a real API: unknown fields, impossible
// dates and a note longer than the platform stores are refused with 422.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { requireScope } from './api-gate.js';
import type { OAuthPlatformSimulator, SimOAuthAccount } from './server.js';

export interface CalendarEntry {
  id: string;
  /** The client's reference (castsync's entry id); null for entries made on the platform's own website. */
  ref: string | null;
  start: string;
  end: string;
  status: 'available' | 'unavailable' | 'tentative';
  kind: 'booking' | 'block' | 'travel';
  optionRank: number | null;
  heldBy: string | null;
  note: string | null;
  origin: 'api' | 'web';
  updatedAt: string;
}

export type EntryFields = Pick<CalendarEntry, 'start' | 'end' | 'status' | 'kind' | 'optionRank' | 'heldBy' | 'note'>;

const STATUSES = ['available', 'unavailable', 'tentative'];
const KINDS = ['booking', 'block', 'travel'];
const FIELDS = ['start', 'end', 'status', 'kind', 'optionRank', 'heldBy', 'note'];
const REF = /^[A-Za-z0-9._~-]{1,128}$/;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 100;

/** The calendar routes, registered under /api/v2 behind the API gate (api-gate.ts: faults, bearer check, quota). */
export function calendarApi(sim: OAuthPlatformSimulator): FastifyPluginAsync {
  return async (api) => {
    api.get('/me', async (request) => {
      const account = sim.accountOf(request)!;
      return { accountId: account.accountId, name: account.name };
    });

    api.get('/calendar', { preHandler: requireScope(sim, 'calendar:read') }, async (request, reply) => {
      const query = request.query as { cursor?: string; limit?: string };
      const limit = Number(query.limit ?? DEFAULT_PAGE);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        return reply.code(400).send({ error: 'invalid_request', message: `limit must be between 1 and ${MAX_PAGE}` });
      }
      const after = query.cursor ? decodeCursor(query.cursor) : '';
      if (after === null) return reply.code(400).send({ error: 'invalid_request', message: 'cursor is not valid' });
      return listPage(sim.accountOf(request)!, after, limit);
    });

    api.put('/calendar/entries/:ref', { preHandler: requireScope(sim, 'calendar:write') }, async (request, reply) => {
      const { ref } = request.params as { ref: string };
      if (!REF.test(ref)) return reply.code(400).send({ error: 'invalid_request', message: 'ref must be 1-128 URL-safe characters' });
      const checked = validateEntryFields(request.body, sim.maxNoteLength);
      if ('problem' in checked) return reply.code(422).send({ error: 'invalid_entry', message: checked.problem });
      const { entry, created } = upsertByRef(sim.accountOf(request)!, ref, checked.fields);
      return reply.code(created ? 201 : 200).send(entry);
    });

    api.delete('/calendar/entries/:ref', { preHandler: requireScope(sim, 'calendar:write') }, async (request, reply) => {
      const { ref } = request.params as { ref: string };
      const account = sim.accountOf(request)!;
      const entry = [...account.entries.values()].find((e) => e.ref === ref);
      if (!entry) return reply.code(404).send({ error: 'not_found', message: `no entry with ref "${ref}"` });
      account.entries.delete(entry.id);
      return reply.code(204).send();
    });
  };
}

/** Entries in id order; the cursor is the last id seen, so paging stays correct while entries come and go. */
function listPage(account: SimOAuthAccount, afterId: string, limit: number) {
  const rest = [...account.entries.values()].filter((e) => e.id > afterId).sort((a, b) => a.id.localeCompare(b.id));
  const entries = rest.slice(0, limit);
  const nextCursor = rest.length > limit ? encodeCursor(entries.at(-1)!.id) : null;
  return { entries, nextCursor };
}

const encodeCursor = (id: string) => Buffer.from(JSON.stringify({ after: id })).toString('base64url');

function decodeCursor(cursor: string): string | null {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    return typeof after === 'string' ? after : null;
  } catch {
    return null;
  }
}

function upsertByRef(account: SimOAuthAccount, ref: string, fields: EntryFields): { entry: CalendarEntry; created: boolean } {
  const existing = [...account.entries.values()].find((e) => e.ref === ref);
  if (existing && sameFields(existing, fields)) return { entry: existing, created: false };
  const entry = storeEntry(account, { ...fields, ref, origin: 'api', id: existing?.id });
  return { entry, created: !existing };
}

export function storeEntry(
  account: SimOAuthAccount,
  input: EntryFields & { ref: string | null; origin: CalendarEntry['origin']; id?: string },
): CalendarEntry {
  const entry: CalendarEntry = { ...input, id: input.id ?? `ent_${randomUUID()}`, updatedAt: new Date().toISOString() };
  account.entries.set(entry.id, entry);
  return entry;
}

function sameFields(a: EntryFields, b: EntryFields): boolean {
  return FIELDS.every((field) => a[field as keyof EntryFields] === b[field as keyof EntryFields]);
}

export function validateEntryFields(body: unknown, maxNoteLength: number): { fields: EntryFields } | { problem: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problem: 'the body must be a JSON object' };
  const raw = body as Record<string, unknown>;
  const unknown = Object.keys(raw).find((key) => !FIELDS.includes(key));
  if (unknown) return { problem: `unknown field "${unknown}"` };
  const problem = dateProblem(raw) ?? choiceProblem(raw) ?? optionalTextProblem(raw, maxNoteLength);
  if (problem) return { problem };
  return {
    fields: {
      start: raw.start as string,
      end: raw.end as string,
      status: raw.status as EntryFields['status'],
      kind: raw.kind as EntryFields['kind'],
      optionRank: (raw.optionRank as number | null | undefined) ?? null,
      heldBy: (raw.heldBy as string | null | undefined) ?? null,
      note: (raw.note as string | null | undefined) ?? null,
    },
  };
}

function isCalendarDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

function dateProblem(raw: Record<string, unknown>): string | null {
  if (!isCalendarDay(raw.start)) return 'start must be a calendar day (YYYY-MM-DD)';
  if (!isCalendarDay(raw.end)) return 'end must be a calendar day (YYYY-MM-DD)';
  if (raw.end < raw.start) return 'end is before start';
  return null;
}

function choiceProblem(raw: Record<string, unknown>): string | null {
  if (!STATUSES.includes(raw.status as string)) return `status must be one of ${STATUSES.join(', ')}`;
  if (!KINDS.includes(raw.kind as string)) return `kind must be one of ${KINDS.join(', ')}`;
  const rank = raw.optionRank ?? null;
  if (rank !== null && (!Number.isInteger(rank) || (rank as number) < 1 || (rank as number) > 20)) return 'optionRank must be an integer from 1 to 20';
  if (rank !== null && raw.status !== 'tentative') return 'optionRank is only allowed for tentative entries';
  return null;
}

function optionalTextProblem(raw: Record<string, unknown>, maxNoteLength: number): string | null {
  const heldBy = raw.heldBy ?? null;
  if (heldBy !== null && (typeof heldBy !== 'string' || heldBy.length < 1 || heldBy.length > 200)) return 'heldBy must be 1-200 characters';
  const note = raw.note ?? null;
  if (note !== null && typeof note !== 'string') return 'note must be a string';
  if (typeof note === 'string' && note.length > maxNoteLength) return `note is longer than ${maxNoteLength} characters`;
  return null;
}

// The media API of the simulated API platforms (e-TALENTA's REST API under /v1/media, Wanted's OAuth API under
// /api/v2/media). Each simulator mounts it behind its own faults, authentication and quota.
//
//   GET    <prefix>         the account's media in display order, paged like that platform's calendar:
//                           REST ?page=1&perPage=100 (1..500) -> { items, nextPage, total };
//                           OAuth ?limit=50 (1..100)&cursor=<opaque> -> { items, nextCursor }.
//                           item: { id, reference, type: photo|video|document, fileName, contentType, bytes,
//                                   width, height, isMain, position, caption, credit, createdAt }
//   POST   <prefix>         multipart/form-data: `reference` (the client's own reference, 1..100 characters; not
//                           unique: the client looks before it uploads), optional `caption` (≤ 500) and `credit`
//                           (the photographer, ≤ 200), and one `file`. -> 201 with the item.
//   DELETE <prefix>/:id     -> 204; 404 when no such item.
//   PUT    <prefix>/main    { id } -> 200 with the item; only a photo can be the main photo.
//   PUT    <prefix>/order   { ids } -> 200 with the list: those items first, in that order, the rest after them.
//
// An upload is judged by its content, as real platforms do: the signature (and an image's header for its pixel
// size) says what it is, never the file name or the content type the client claims. Refusals answer
// { error: <code>, message: <what is wrong> }: 413 for too many bytes, 422 for a format the account does not
// take, pixel edges or aspect outside the rules, a missing reference, or a full quota of items; 415 when the body is
// no multipart form. The file is read up to the largest size any rule allows and no further.
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { PlatformEntry } from '../adapters/catalog.js';
import { inspectMedia } from './portal/media-pages.js';

export type ApiMediaType = 'photo' | 'video' | 'document';
type PhotoFormat = 'jpeg' | 'png';
type VideoFormat = 'mp4' | 'mov' | 'webm';

export interface ApiMediaItem {
  id: string;
  /** The client's reference; null for files put on the platform by hand. */
  reference: string | null;
  type: ApiMediaType;
  fileName: string;
  /** Decided from the content, not from what the client sent. */
  contentType: string;
  bytes: number;
  /** Photos only (from the image header); null otherwise. */
  width: number | null;
  height: number | null;
  isMain: boolean;
  /** 1-based place in the account's display order. */
  position: number;
  caption: string | null;
  credit: string | null;
  createdAt: string;
}

/** What one platform takes, from its catalog entry (apiMediaRulesOf); a null kind is refused altogether. */
export interface ApiMediaRules {
  photos: {
    formats: PhotoFormat[];
    maxBytes: number;
    minEdge: number;
    minEdgeOf: 'shorter' | 'longer';
    maxEdge: number;
    /** Width : height the photo must have (within 1 %). */
    aspect?: { width: number; height: number };
  } | null;
  videos: { formats: VideoFormat[]; maxBytes: number; maxCount?: number } | null;
  documents: { maxBytes: number } | null;
  /** Items one account may keep, of every type together. */
  maxItems: number;
}

export interface ApiMediaCounters {
  uploads: number;
  refusals: number;
}

const MB = 1024 * 1024;
const DEFAULT_MAX_ITEMS = 50;
const ASPECT_TOLERANCE = 0.01;
const MAX_REFERENCE = 100;
const MAX_CAPTION = 500;
const MAX_CREDIT = 200;
const FIELDS = ['reference', 'caption', 'credit'];

/** For simulators started without rules (most tests): every kind, generous limits. */
export const PERMISSIVE_MEDIA_RULES: ApiMediaRules = {
  photos: { formats: ['jpeg', 'png'], maxBytes: 20 * MB, minEdge: 1, minEdgeOf: 'shorter', maxEdge: 20_000 },
  videos: { formats: ['mp4', 'mov', 'webm'], maxBytes: 100 * MB },
  documents: { maxBytes: 10 * MB },
  maxItems: DEFAULT_MAX_ITEMS,
};

const VIDEO_FORMAT_OF: Record<string, VideoFormat> = { 'video/mp4': 'mp4', 'video/quicktime': 'mov', 'video/webm': 'webm' };

/** The platform's published rules as the simulator enforces them; null for a platform that takes no media. */
export function apiMediaRulesOf(platform: PlatformEntry, maxItems = DEFAULT_MAX_ITEMS): ApiMediaRules | null {
  if (!platform.capabilities.media) return null;
  const { media: image, video, documents } = platform;
  return {
    photos: image
      ? { formats: image.formats, maxBytes: image.maxBytes, minEdge: image.minEdge, minEdgeOf: image.minEdgeOf ?? 'shorter', maxEdge: image.maxEdge, aspect: image.aspect }
      : null,
    videos: video ? { formats: video.contentTypes.map((type) => VIDEO_FORMAT_OF[type]!), maxBytes: video.maxBytes, maxCount: video.maxCount } : null,
    documents: documents ? { maxBytes: documents.maxBytes } : null,
    maxItems,
  };
}

/** One account's media and their bytes, in display order. */
export class MediaLibrary {
  private items: Omit<ApiMediaItem, 'position' | 'isMain'>[] = [];
  private readonly contents = new Map<string, Buffer>();
  private mainId: string | null = null;

  list(): ApiMediaItem[] {
    return this.items.map((item, index) => ({ ...item, isMain: item.id === this.mainId, position: index + 1 }));
  }

  get(id: string): ApiMediaItem | undefined {
    return this.list().find((item) => item.id === id);
  }

  content(id: string): Buffer | undefined {
    return this.contents.get(id);
  }

  count(type?: ApiMediaType): number {
    return this.items.filter((item) => !type || item.type === type).length;
  }

  /** The first photo becomes the main photo, as on the portals. */
  add(fields: Omit<ApiMediaItem, 'id' | 'position' | 'isMain' | 'createdAt'>, content: Buffer): ApiMediaItem {
    const id = `med_${randomUUID()}`;
    this.items.push({ ...fields, id, createdAt: new Date().toISOString() });
    this.contents.set(id, content);
    if (!this.mainId && fields.type === 'photo') this.mainId = id;
    return this.get(id)!;
  }

  /** When the main photo goes, the next photo in order takes its place. */
  remove(id: string): boolean {
    if (!this.contents.delete(id)) return false;
    this.items = this.items.filter((item) => item.id !== id);
    if (this.mainId === id) this.mainId = this.items.find((item) => item.type === 'photo')?.id ?? null;
    return true;
  }

  setMain(id: string): void {
    this.mainId = id;
  }

  /** `ids` first, in that order; the items not named keep their order after them. */
  reorder(ids: string[]): void {
    const named = ids.map((id) => this.items.find((item) => item.id === id)!);
    this.items = [...named, ...this.items.filter((item) => !ids.includes(item.id))];
  }
}

export interface ApiMediaRoutesOptions {
  rules: ApiMediaRules;
  counters: ApiMediaCounters;
  /** The authenticated account's library (the simulator's own authentication ran before). */
  libraryOf(request: FastifyRequest): MediaLibrary;
  paging: 'pages' | 'cursor';
  /** Checks before a route runs, e.g. OAuth scopes. */
  guards?: { read?: preHandlerAsyncHookHandler; write?: preHandlerAsyncHookHandler };
}

interface UploadForm {
  fields: Record<string, string>;
  file: { fileName: string; content: Buffer; truncated: boolean } | null;
  problem: string | null;
}

type Judged =
  | { ok: true; type: ApiMediaType; contentType: string; width: number | null; height: number | null }
  | { ok: false; status: 413 | 422; code: string; message: string };

const refuse = (status: 413 | 422, code: string, message: string): Judged => ({ ok: false, status, code, message });

export function apiMediaRoutes(options: ApiMediaRoutesOptions): FastifyPluginAsync {
  const { rules, counters, libraryOf, guards = {} } = options;
  return async (api) => {
    // An oversized file is cut off and marked (not thrown), so the answer can say how large it may be.
    await api.register(multipart, { throwFileSizeLimit: false });
    const read = guards.read ? { preHandler: guards.read } : {};
    const write = guards.write ? { preHandler: guards.write } : {};

    api.get('/', read, async (request, reply) => {
      const items = libraryOf(request).list();
      return options.paging === 'pages' ? pageByNumber(items, request, reply) : pageByCursor(items, request, reply);
    });

    api.post('/', write, async (request, reply) => {
      if (!request.isMultipart()) {
        return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the upload as multipart/form-data' });
      }
      const library = libraryOf(request);
      const form = await readUploadForm(request, largestAllowed(rules));
      const judged = judgeUpload(form, rules, library);
      if (!judged.ok) {
        counters.refusals += 1;
        return reply.code(judged.status).send({ error: judged.code, message: judged.message });
      }
      const { fields, file } = form;
      const item = library.add(
        {
          reference: fields.reference!,
          type: judged.type,
          fileName: file!.fileName,
          contentType: judged.contentType,
          bytes: file!.content.length,
          width: judged.width,
          height: judged.height,
          caption: fields.caption || null,
          credit: fields.credit || null,
        },
        file!.content,
      );
      counters.uploads += 1;
      return reply.code(201).send(item);
    });

    api.delete('/:id', write, async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!libraryOf(request).remove(id)) return reply.code(404).send({ error: 'not_found', message: `no media item "${id}"` });
      return reply.code(204).send();
    });

    api.put('/main', write, async (request, reply) => {
      const id = (request.body as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return reply.code(422).send({ error: 'invalid_request', message: 'id must be a media id' });
      const library = libraryOf(request);
      const item = library.get(id);
      if (!item) return reply.code(404).send({ error: 'not_found', message: `no media item "${id}"` });
      if (item.type !== 'photo') return reply.code(422).send({ error: 'not_a_photo', message: `only a photo can be the main photo; "${id}" is a ${item.type}` });
      library.setMain(id);
      return library.get(id);
    });

    api.put('/order', write, async (request, reply) => {
      const ids = (request.body as { ids?: unknown } | null)?.ids;
      const library = libraryOf(request);
      const problem = orderProblem(ids, library);
      if (problem) return reply.code(422).send({ error: 'invalid_order', message: problem });
      library.reorder(ids as string[]);
      return { items: library.list() };
    });
  };
}

function pageByNumber(items: ApiMediaItem[], request: FastifyRequest, reply: FastifyReply) {
  const query = request.query as { page?: string; perPage?: string };
  const page = Number(query.page ?? 1);
  const perPage = Number(query.perPage ?? 100);
  if (!Number.isInteger(page) || page < 1 || !Number.isInteger(perPage) || perPage < 1 || perPage > 500) {
    return reply.code(400).send({ error: 'invalid_request', message: 'page must be >= 1 and perPage between 1 and 500' });
  }
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return { items: slice, nextPage: page * perPage < items.length ? page + 1 : null, total: items.length };
}

function pageByCursor(items: ApiMediaItem[], request: FastifyRequest, reply: FastifyReply) {
  const query = request.query as { cursor?: string; limit?: string };
  const limit = Number(query.limit ?? 50);
  const offset = query.cursor ? decodeOffset(query.cursor) : 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return reply.code(400).send({ error: 'invalid_request', message: 'limit must be between 1 and 100' });
  }
  if (offset === null) return reply.code(400).send({ error: 'invalid_request', message: 'cursor is not valid' });
  const next = offset + limit;
  return { items: items.slice(offset, next), nextCursor: next < items.length ? encodeOffset(next) : null };
}

const encodeOffset = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url');

function decodeOffset(cursor: string): number | null {
  try {
    const { offset } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { offset?: unknown };
    return Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : null;
  } catch {
    return null;
  }
}

function orderProblem(ids: unknown, library: MediaLibrary): string | null {
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return 'ids must be an array of media ids';
  if (new Set(ids).size !== ids.length) return 'ids names an item twice';
  const unknown = ids.find((id) => !library.get(id));
  return unknown ? `no media item "${unknown}"` : null;
}

/** No file is read beyond what the most generous rule allows. */
function largestAllowed(rules: ApiMediaRules): number {
  return Math.max(rules.photos?.maxBytes ?? 0, rules.videos?.maxBytes ?? 0, rules.documents?.maxBytes ?? 0, 1);
}

/** The text fields and the one file, the file read up to `maxBytes` (and marked when it was longer). */
async function readUploadForm(request: FastifyRequest, maxBytes: number): Promise<UploadForm> {
  const form: UploadForm = { fields: {}, file: null, problem: null };
  const limits = { fileSize: maxBytes, files: 1, fields: FIELDS.length, fieldSize: 4096, parts: FIELDS.length + 1 };
  try {
    for await (const part of request.parts({ limits })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') form.problem ??= `unknown file field "${part.fieldname}"; send the file as "file"`;
        const content = await part.toBuffer();
        form.file = { fileName: part.filename, content, truncated: part.file.truncated };
      } else if (!FIELDS.includes(part.fieldname)) {
        form.problem ??= `unknown field "${part.fieldname}"`;
      } else {
        form.fields[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    // Too many parts or files, or a broken body: a refusal of the form, not a server failure.
    form.problem ??= `the form could not be read: ${(error as Error).message}`;
  }
  return form;
}

function judgeUpload(form: UploadForm, rules: ApiMediaRules, library: MediaLibrary): Judged {
  const formProblem = form.problem ?? fieldProblem(form.fields) ?? (form.file?.fileName ? null : 'one file is required (field "file")');
  if (formProblem) return refuse(422, 'invalid_request', formProblem);
  const file = form.file!;
  if (library.count() >= rules.maxItems) return refuse(422, 'quota_full', `the account already has ${rules.maxItems} media items, the most it may keep`);
  if (file.truncated) return refuse(413, 'too_large', `"${file.fileName}" is larger than ${megabytes(largestAllowed(rules))}`);
  const detected = detect(file.content);
  if (!detected) return refuse(422, 'unsupported_format', `"${file.fileName}" is not a file this platform takes (${accepted(rules)})`);
  if (detected.type === 'photo') return judgePhoto(file, detected, rules);
  if (detected.type === 'video') return judgeVideo(file, detected.format, rules, library);
  if (!rules.documents) return wrongFormat(file.fileName, 'a PDF document', rules);
  if (file.content.length > rules.documents.maxBytes) return tooManyBytes(file, 'documents', rules.documents.maxBytes);
  return { ok: true, type: 'document', contentType: 'application/pdf', width: null, height: null };
}

function fieldProblem(fields: Record<string, string>): string | null {
  const reference = fields.reference ?? '';
  if (reference.length < 1 || reference.length > MAX_REFERENCE) return `reference is required, at most ${MAX_REFERENCE} characters`;
  if ((fields.caption ?? '').length > MAX_CAPTION) return `caption is longer than ${MAX_CAPTION} characters`;
  if ((fields.credit ?? '').length > MAX_CREDIT) return `credit is longer than ${MAX_CREDIT} characters`;
  return null;
}

type Detected =
  | { type: 'photo'; format: PhotoFormat | 'gif'; size: { width: number; height: number } | null }
  | { type: 'video'; format: VideoFormat }
  | { type: 'document' };

const EBML_SIGNATURE = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** What the bytes are: the portals' signature checks, plus PDF (`%PDF-`) and WebM (an EBML header naming "webm"). */
function detect(content: Buffer): Detected | null {
  if (content.toString('latin1', 0, 5) === '%PDF-') return { type: 'document' };
  if (content.subarray(0, 4).equals(EBML_SIGNATURE) && content.subarray(0, 64).includes('webm', 0, 'latin1')) return { type: 'video', format: 'webm' };
  const info = inspectMedia(content);
  if (!info) return null;
  if (info.format === 'mp4' || info.format === 'mov') return { type: 'video', format: info.format };
  return { type: 'photo', format: info.format, size: info.size };
}

const PHOTO_CONTENT_TYPES: Record<PhotoFormat, string> = { jpeg: 'image/jpeg', png: 'image/png' };
const VIDEO_CONTENT_TYPES: Record<VideoFormat, string> = { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' };

function judgePhoto(file: NonNullable<UploadForm['file']>, detected: Extract<Detected, { type: 'photo' }>, rules: ApiMediaRules): Judged {
  const photos = rules.photos;
  if (!photos || detected.format === 'gif' || !photos.formats.includes(detected.format)) {
    return wrongFormat(file.fileName, `a ${detected.format.toUpperCase()} image`, rules);
  }
  if (file.content.length > photos.maxBytes) return tooManyBytes(file, 'photos', photos.maxBytes);
  if (!detected.size) return refuse(422, 'unreadable_image', `"${file.fileName}" could not be read as an image`);
  const problem = pixelProblem(detected.size, photos);
  if (problem) return refuse(422, 'invalid_dimensions', `"${file.fileName}" ${problem}`);
  return { ok: true, type: 'photo', contentType: PHOTO_CONTENT_TYPES[detected.format], ...detected.size };
}

function pixelProblem({ width, height }: { width: number; height: number }, photos: NonNullable<ApiMediaRules['photos']>): string | null {
  const shown = `${width} × ${height} px`;
  const measured = photos.minEdgeOf === 'longer' ? Math.max(width, height) : Math.min(width, height);
  if (measured < photos.minEdge) return `is too small (${shown}): the ${photos.minEdgeOf} edge must be at least ${photos.minEdge} px`;
  if (Math.max(width, height) > photos.maxEdge) return `is too large (${shown}): no edge may exceed ${photos.maxEdge} px`;
  const aspect = photos.aspect;
  if (aspect) {
    const wanted = aspect.width / aspect.height;
    if (Math.abs(width / height - wanted) / wanted > ASPECT_TOLERANCE) return `has the wrong aspect (${shown}): photos must be ${aspect.width}:${aspect.height}`;
  }
  return null;
}

function judgeVideo(file: NonNullable<UploadForm['file']>, format: VideoFormat, rules: ApiMediaRules, library: MediaLibrary): Judged {
  const videos = rules.videos;
  if (!videos || !videos.formats.includes(format)) return wrongFormat(file.fileName, `a ${format.toUpperCase()} video`, rules);
  if (file.content.length > videos.maxBytes) return tooManyBytes(file, 'videos', videos.maxBytes);
  if (videos.maxCount !== undefined && library.count('video') >= videos.maxCount) {
    return refuse(422, 'quota_full', `the account already has ${videos.maxCount} videos, the most it may show`);
  }
  return { ok: true, type: 'video', contentType: VIDEO_CONTENT_TYPES[format], width: null, height: null };
}

function wrongFormat(fileName: string, what: string, rules: ApiMediaRules): Judged {
  return refuse(422, 'unsupported_format', `"${fileName}" is ${what}; this platform takes ${accepted(rules)}`);
}

function tooManyBytes(file: NonNullable<UploadForm['file']>, kind: string, maxBytes: number): Judged {
  return refuse(413, 'too_large', `"${file.fileName}" has ${megabytes(file.content.length)}; ${kind} may have at most ${megabytes(maxBytes)}`);
}

function accepted(rules: ApiMediaRules): string {
  const kinds = [
    rules.photos && `${rules.photos.formats.map((f) => f.toUpperCase()).join(' or ')} photos`,
    rules.videos && `${rules.videos.formats.map((f) => f.toUpperCase()).join(' or ')} videos`,
    rules.documents && 'PDF documents',
  ].filter(Boolean);
  return kinds.length ? `only ${kinds.join(', ')}` : 'no media';
}

function megabytes(bytes: number): string {
  return `${Number((bytes / MB).toFixed(2))} MB`;
}

/** A file the user put on the platform's own website: it has no client reference. Throws for bytes that are no media. */
export function addMediaByHand(library: MediaLibrary, fileName: string, content: Buffer): ApiMediaItem {
  const detected = detect(content);
  if (!detected) throw new Error(`${fileName} is no photo, video or PDF the simulator recognises`);
  const size = detected.type === 'photo' ? detected.size : null;
  return library.add(
    { reference: null, type: detected.type, fileName, contentType: contentTypeOf(detected), bytes: content.length, width: size?.width ?? null, height: size?.height ?? null, caption: null, credit: null },
    content,
  );
}

function contentTypeOf(detected: Detected): string {
  if (detected.type === 'document') return 'application/pdf';
  if (detected.type === 'video') return VIDEO_CONTENT_TYPES[detected.format];
  return detected.format === 'gif' ? 'image/gif' : PHOTO_CONTENT_TYPES[detected.format];
}

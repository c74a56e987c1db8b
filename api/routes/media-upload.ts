// Receiving an upload for POST /api/media: the multipart parts are read (the one file streamed to a staged temp
// file, the text fields collected and checked); the user's quotas are the media library's (lib/media-library.ts).
// Whatever goes wrong while the body arrives (a malformed or cut-off body, a limit, the body timer of
// api/body-deadline.ts) ends in a 4xx and leaves no staged file behind.
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { MEDIA_TYPES, type MediaTypeName } from '../../lib/media-library.js';
import type { MediaStorage, StagedFile } from '../../lib/media-storage.js';
import { controlCharacterProblem } from '../validation.js';
import { HttpError } from '../schemas.js';

export const TEXT_LIMITS = { caption: 1000, photographerCredit: 200 } as const;
export const UPLOAD_FIELDS = ['type', 'caption', 'photographerCredit'] as const;
/** A caption may run over lines; the credit is one line. */
const MULTILINE_FIELDS = new Set(['caption']);

export interface ReceivedUpload {
  staged: StagedFile;
  fileName: string;
  fields: Record<string, string>;
}

/** Reads the multipart parts: the one file is staged (streamed to disk), the text fields collected. */
export async function receiveUpload(request: FastifyRequest, storage: MediaStorage, maxBytes: number): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new HttpError(415, 'send the upload as multipart/form-data with one part named "file"');
  const fields: Record<string, string> = {};
  let file: { staged: StagedFile; fileName: string } | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') file = { staged: await stageFile(part, storage, request), fileName: cleanFileName(part.filename) };
      else if (part.valueTruncated) throw new HttpError(413, `the field "${part.fieldname}" is too long`);
      else fields[part.fieldname] = String(part.value);
    }
  } catch (error) {
    if (file) await storage.discard(file.staged);
    throw multipartProblem(error, maxBytes);
  }
  if (!file) throw new HttpError(400, 'the upload has no file: send one part named "file"');
  return { ...file, fields };
}

/** The client's file name is kept for downloads only, so it is cleaned rather than refused (PostgreSQL takes no NUL). */
function cleanFileName(name: string | undefined): string {
  return (name ?? '').replace(/[\u0000-\u001F\u007F]/g, '').slice(0, 255) || 'upload';
}

async function stageFile(part: MultipartFile, storage: MediaStorage, request: FastifyRequest): Promise<StagedFile> {
  if (part.fieldname !== 'file') {
    part.file.resume(); // drain it, so the request can end
    throw new HttpError(400, `the file must be sent in a part named "file", not "${part.fieldname}"`);
  }
  request.log.debug({ fileName: part.filename }, 'staging upload');
  return storage.stage(part.file);
}

/**
 * @fastify/multipart's limit errors, said in terms of this API. Anything else the parser or the body stream
 * throws (no boundary, a part cut off, the body ending early) is the request's fault: 400. Only the file
 * system's own errors (they name a system call) stay server errors.
 */
function multipartProblem(error: unknown, maxBytes: number): unknown {
  if (error instanceof HttpError) return error;
  const { code, syscall, message } = error as { code?: string; syscall?: string; message?: string };
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new HttpError(413, `the file is too large: at most ${maxBytes} bytes may be uploaded`);
  if (code === 'FST_FILES_LIMIT') return new HttpError(413, 'only one file may be uploaded per request');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return new HttpError(413, `too many fields: only ${UPLOAD_FIELDS.join(', ')} and one file are taken`);
  if (syscall) return error;
  return new HttpError(400, `the multipart body is malformed: ${message ?? 'unreadable'}`);
}

export function checkedFields(fields: Record<string, string>): { type?: MediaTypeName; caption: string | null; photographerCredit: string | null } {
  for (const name of Object.keys(fields)) {
    if (!(UPLOAD_FIELDS as readonly string[]).includes(name)) throw new HttpError(400, `unknown field "${name}"; the upload takes ${UPLOAD_FIELDS.join(', ')} and one file`);
    const problem = controlCharacterProblem(fields[name]!, MULTILINE_FIELDS.has(name));
    if (problem) throw new HttpError(400, `body/${name} ${problem}`);
  }
  const type = fields.type;
  if (type !== undefined && !(MEDIA_TYPES as readonly string[]).includes(type)) throw new HttpError(400, `type "${type}" is not one of ${MEDIA_TYPES.join(', ')}`);
  const text = (name: keyof typeof TEXT_LIMITS) => {
    const value = fields[name];
    if (value !== undefined && value.length > TEXT_LIMITS[name]) throw new HttpError(400, `${name} is longer than ${TEXT_LIMITS[name]} characters`);
    return value || null;
  };
  return { type: type as MediaTypeName | undefined, caption: text('caption'), photographerCredit: text('photographerCredit') };
}

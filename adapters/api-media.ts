// The media wire format the API platforms share (e-TALENTA's REST API, Wanted's OAuth API: the simulators' media
// API in simulators/api-media.ts): the item they list and the multipart form they take. Paging, paths and
// authentication differ and stay with each kind (rest/rest-media.ts, oauth/oauth-media.ts).
import { PlatformError } from './errors.js';
import type { MultipartForm } from './http.js';
import { formatMediaRef, parseMediaRef } from './media-reference.js';
import type { MediaUpload, PlatformMediaItem, PlatformMediaType } from './types.js';

/** One media item as the API lists it. */
export interface ApiMediaItem {
  id: string;
  /** The reference castsync sent with the upload; null for files uploaded on the platform itself. */
  reference: string | null;
  type: PlatformMediaType;
  fileName: string;
  contentType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  isMain: boolean;
  /** 1-based place in the display order. */
  position: number;
}

/** Our reference (so a retry finds the file), caption and credit as text fields, then the file streamed from disk. */
export function mediaUploadForm(upload: MediaUpload, onSent?: (bytesSent: number) => void): MultipartForm {
  const fields: Record<string, string> = { reference: formatMediaRef(upload.ref) };
  if (upload.caption) fields.caption = upload.caption;
  if (upload.photographerCredit) fields.credit = upload.photographerCredit;
  return { fields, file: { field: 'file', path: upload.path, fileName: upload.fileName, contentType: upload.contentType }, onSent };
}

/** In display order. */
export function toPlatformMediaItems(items: ApiMediaItem[]): PlatformMediaItem[] {
  return [...items]
    .sort((a, b) => a.position - b.position)
    .map((item) => ({ externalId: item.id, ref: parseMediaRef(item.reference), type: item.type, fileName: item.fileName, isMain: item.isMain }));
}

/** A delete answered 404: the item is already gone (removed on the platform, or by an attempt whose answer was lost). */
export function isAlreadyGone(error: unknown): boolean {
  return error instanceof PlatformError && error.details.status === 404;
}

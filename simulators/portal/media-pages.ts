// The portal's media page: the account's photos and videos with thumbnails, the main-photo marker, a delete form
// per item (or a hide/show form on portals where media can only be hidden, like Casting Networks) and an upload
// form. Uploads are judged the way real portals do: by the file's content (signature and image header), never by
// its name, against per-portal rules (formats, size, pixel edges, a quota). Pure functions: the routes and the
// stored items live in server.ts.
import { escapeHtml, problemList } from './html.js';

export const MEDIA_PATH = '/media';

export const MEDIA_FORMATS = ['jpeg', 'png', 'gif', 'mp4', 'mov'] as const;
export type MediaFormat = (typeof MEDIA_FORMATS)[number];

const FORMAT_LABELS: Record<MediaFormat, string> = { jpeg: 'JPEG', png: 'PNG', gif: 'GIF', mp4: 'MP4', mov: 'MOV' };
const CONTENT_TYPES: Record<MediaFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', mp4: 'video/mp4', mov: 'video/quicktime' };
const VIDEO_FORMATS: readonly MediaFormat[] = ['mp4', 'mov'];

export interface MediaRules {
  /** Formats taken, recognised by the file's signature. */
  formats: MediaFormat[];
  /** Largest file taken (photos; videos too unless maxVideoBytes says otherwise). */
  maxBytes: number;
  /** Largest video taken, where videos may be larger than photos. */
  maxVideoBytes?: number;
  /** Videos an account may show (Schauspielervideos: 5 public showreels); hidden videos do not count. */
  maxVideos?: number;
  /** Images: the shorter edge must reach this (a platform that wants "at least 500x500" says 500). */
  minShortEdgePx?: number;
  /** Images: the longer edge must reach this (Schauspielervideos: "at least one edge of 1200 px"). */
  minLongEdgePx?: number;
  /** Images: no edge may exceed this ("up to 4000x4000"). */
  maxEdgePx?: number;
  /** Items an account may keep; hidden items count too (hiding keeps them on the account). */
  maxItems: number;
}

export const DEFAULT_MEDIA_RULES: MediaRules = { formats: [...MEDIA_FORMATS], maxBytes: 10 * 1024 * 1024, maxItems: 50 };

export interface PortalMediaItem {
  id: string;
  fileName: string;
  type: 'photo' | 'video';
  format: MediaFormat;
  contentType: string;
  bytes: number;
  /** Read from the image header; null for videos. */
  width: number | null;
  height: number | null;
  /** The profile's main photo; the first photo uploaded becomes it. */
  main: boolean;
  /** Hidden from casting directors (portals where media cannot be deleted). */
  hidden: boolean;
  /** The photographer's credit, as typed with the upload. */
  credit: string;
}

/** What the file's content says it is. */
export interface MediaInfo {
  format: MediaFormat;
  /** Null for videos and for images whose header could not be read. */
  size: { width: number; height: number } | null;
}

export interface Upload {
  fileName: string;
  content: Buffer;
  /** The file was larger than the limit the upload was read with (maxBytes), so `content` is cut off. */
  tooLarge: boolean;
}

/** The format a content type names, for the formats the portal knows; null for others. */
export function formatOfContentType(contentType: string): MediaFormat | null {
  const entry = Object.entries(CONTENT_TYPES).find(([, type]) => type === contentType);
  return entry ? (entry[0] as MediaFormat) : null;
}

/** The most bytes an upload may have under these rules, whatever its type: how much of it the portal reads. */
export function uploadReadLimit(rules: MediaRules): number {
  return Math.max(rules.maxBytes, rules.maxVideoBytes ?? 0);
}

export function contentTypeOf(format: MediaFormat): string {
  return CONTENT_TYPES[format];
}

export function mediaTypeOf(format: MediaFormat): PortalMediaItem['type'] {
  return VIDEO_FORMATS.includes(format) ? 'video' : 'photo';
}

/** The format by signature (magic bytes), and an image's pixel size from its header; null for anything else. */
export function inspectMedia(bytes: Buffer): MediaInfo | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { format: 'jpeg', size: jpegSize(bytes) };
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return { format: 'png', size: pngSize(bytes) };
  if (/^GIF8[79]a$/.test(bytes.toString('latin1', 0, 6)) && bytes.length >= 10) {
    return { format: 'gif', size: { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) } };
  }
  const video = isoMediaFormat(bytes);
  return video ? { format: video, size: null } : null;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG: the IHDR chunk must come first and holds width and height as 32-bit big-endian numbers. */
function pngSize(bytes: Buffer): MediaInfo['size'] {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/**
 * JPEG: walks the marker segments to the first start-of-frame (SOF0..SOF15 except DHT C4, JPG C8 and DAC CC),
 * which holds height then width. Segments before it (APPn with EXIF, quantisation tables) are skipped by length.
 */
function jpegSize(bytes: Buffer): MediaInfo['size'] {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte before a marker
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image or scan data before any frame header
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    if (isStartOfFrame(marker)) {
      return offset + 9 <= bytes.length ? { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) } : null;
    }
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  return null;
}

function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** MP4 and MOV are ISO base media files: an `ftyp` box first (brand "qt  " for QuickTime); old MOVs start with moov/mdat/wide. */
function isoMediaFormat(bytes: Buffer): MediaFormat | null {
  if (bytes.length < 12) return null;
  const box = bytes.toString('latin1', 4, 8);
  if (box === 'ftyp') return bytes.toString('latin1', 8, 12) === 'qt  ' ? 'mov' : 'mp4';
  return ['moov', 'mdat', 'wide'].includes(box) ? 'mov' : null;
}

/** Why the portal refuses this upload next to the account's items; empty when it takes it. */
export function uploadProblems(upload: Upload | null, info: MediaInfo | null, rules: MediaRules, items: PortalMediaItem[]): string[] {
  if (!upload || !upload.fileName) return ['Choose a file to upload.'];
  if (items.length >= rules.maxItems) return [`You have reached the limit of ${rules.maxItems} photos and videos.`];
  const video = info ? mediaTypeOf(info.format) === 'video' : false;
  const maxBytes = video ? (rules.maxVideoBytes ?? rules.maxBytes) : info ? rules.maxBytes : uploadReadLimit(rules);
  if (upload.tooLarge || upload.content.length > maxBytes) return [`"${upload.fileName}" is larger than ${megabytes(maxBytes)}.`];
  if (!info || !rules.formats.includes(info.format)) {
    return [`"${upload.fileName}" is not a ${formatList(rules.formats)} file. Only these formats can be uploaded.`];
  }
  if (video) return videoProblems(items, rules);
  if (!info.size) return [`"${upload.fileName}" could not be read as an image.`];
  return pixelProblems(upload.fileName, info.size, rules);
}

function videoProblems(items: PortalMediaItem[], rules: MediaRules): string[] {
  const shown = items.filter((item) => item.type === 'video' && !item.hidden).length;
  return rules.maxVideos !== undefined && shown >= rules.maxVideos ? [`You have reached the limit of ${rules.maxVideos} videos.`] : [];
}

function pixelProblems(fileName: string, size: { width: number; height: number }, rules: MediaRules): string[] {
  const short = Math.min(size.width, size.height);
  const long = Math.max(size.width, size.height);
  const shown = `${size.width} × ${size.height} px`;
  const problems: string[] = [];
  if (rules.minShortEdgePx && short < rules.minShortEdgePx) problems.push(`"${fileName}" is too small (${shown}): both edges must be at least ${rules.minShortEdgePx} px.`);
  if (rules.minLongEdgePx && long < rules.minLongEdgePx) problems.push(`"${fileName}" is too small (${shown}): one edge must be at least ${rules.minLongEdgePx} px.`);
  if (rules.maxEdgePx && long > rules.maxEdgePx) problems.push(`"${fileName}" is too large (${shown}): no edge may exceed ${rules.maxEdgePx} px.`);
  return problems;
}

function formatList(formats: MediaFormat[]): string {
  const labels = formats.map((f) => FORMAT_LABELS[f]);
  return labels.length > 1 ? `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}` : (labels[0] ?? 'supported');
}

function megabytes(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(2))} MB`;
}

export interface MediaPageView {
  items: PortalMediaItem[];
  csrf: string;
  rules: MediaRules;
  /** false: a hide/show form instead of the delete form. */
  canDelete: boolean;
  problems: string[];
  notice: string | null;
}

export function mediaPageBody(view: MediaPageView): string {
  const items = view.items.map((item) => mediaItem(item, view.csrf, view.canDelete)).join('\n');
  return `<h1>My photos and videos</h1>
${view.notice ? `<p class="form-notice" role="status">${escapeHtml(view.notice)}</p>` : ''}
<ul id="media">
${items || '  <li class="empty">No photos or videos yet.</li>'}
</ul>
<p id="media-quota">${view.items.length} of ${view.rules.maxItems} photos and videos</p>
<h2>Upload</h2>
${problemList(view.problems)}
<form id="upload-media" method="post" action="${MEDIA_PATH}" enctype="multipart/form-data">
  <input type="hidden" name="csrf" value="${view.csrf}">
  <label>File <input type="file" id="media-file" name="file"></label>
  <label>Photographer (credit) <input type="text" id="media-credit" name="credit"></label>
  <button type="submit">Upload</button>
</form>
<p class="media-rules">${escapeHtml(rulesText(view.rules))}</p>`;
}

function mediaItem(item: PortalMediaItem, csrf: string, canDelete: boolean): string {
  const file = `${MEDIA_PATH}/${item.id}/file`;
  const thumbnail = item.type === 'photo'
    ? `<img class="thumbnail" src="${file}" alt="${escapeHtml(item.fileName)}" width="120">`
    : `<video class="thumbnail" src="${file}" preload="metadata" muted width="120"></video>`;
  const markers = [
    item.main ? '<span class="main-photo">Main photo</span>' : '',
    item.hidden ? '<span class="hidden-marker">Hidden</span>' : '',
  ].join('');
  const dimensions = item.width && item.height ? `<span class="dimensions">${item.width} × ${item.height}</span>` : '';
  const makeMain = item.type === 'photo' && !item.main && !item.hidden ? itemForm('make-main', 'main', item.id, csrf, 'Make main photo') : '';
  const removal = canDelete
    ? itemForm('delete-media', 'delete', item.id, csrf, 'Delete')
    : item.hidden ? itemForm('show-media', 'show', item.id, csrf, 'Show') : itemForm('hide-media', 'hide', item.id, csrf, 'Hide');
  return `  <li class="media-item ${item.type}" data-media-id="${item.id}">
    ${thumbnail}
    <span class="file-name">${escapeHtml(item.fileName)}</span> <span class="media-type">${item.type === 'photo' ? 'Photo' : 'Video'}</span> ${dimensions} ${markers}
    ${item.credit ? `<span class="credit">© ${escapeHtml(item.credit)}</span>` : ''}
    ${makeMain}${removal}
  </li>`;
}

function itemForm(className: string, action: string, id: string, csrf: string, label: string): string {
  return `<form class="${className}" method="post" action="${MEDIA_PATH}/${action}"><input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="mediaId" value="${id}"><button type="submit">${label}</button></form>`;
}

function rulesText(rules: MediaRules): string {
  const parts = [`${formatList(rules.formats)}, up to ${megabytes(rules.maxBytes)}`];
  if (rules.maxVideoBytes) parts.push(`videos up to ${megabytes(rules.maxVideoBytes)}`);
  if (rules.maxVideos !== undefined) parts.push(`at most ${rules.maxVideos} videos`);
  if (rules.minShortEdgePx) parts.push(`images at least ${rules.minShortEdgePx} × ${rules.minShortEdgePx} px`);
  if (rules.minLongEdgePx) parts.push(`one edge at least ${rules.minLongEdgePx} px`);
  if (rules.maxEdgePx) parts.push(`at most ${rules.maxEdgePx} px per edge`);
  return `${parts.join('; ')}.`;
}

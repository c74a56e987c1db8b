// What an uploaded file is, decided from its content only: the container signature (file-type) for PDF and video,
// and for images sharp's own reading of the header plus a full decode. The file name and the client's MIME type
// are never consulted: a PDF named photo.jpg is a PDF.
import { fileTypeFromFile } from 'file-type';
import { parseFile } from 'music-metadata';
import sharp from 'sharp';

export type MediaKind = 'image' | 'video' | 'document';

export interface MediaFacts {
  kind: MediaKind;
  mimeType: string;
  /** Images: as displayed, i.e. after the EXIF orientation is applied (crops are given in these pixels). */
  width: number | null;
  height: number | null;
  /** Videos: the running time from the container's header (music-metadata), or null when it does not say. */
  durationSeconds?: number | null;
}

/** A file castsync will not take; `statusCode` is the 4xx the API answers with. */
export class MediaRefused extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface InspectionLimits {
  /** width × height above which sharp refuses the image before decoding it. */
  maxPixels: number;
}

const IMAGE_MIME_BY_FORMAT: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  heif: 'image/heif',
};
const VIDEO_MIMES = new Set(['video/mp4', 'video/quicktime', 'video/webm']);
const TAKEN = 'an image (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF), a PDF or a video (MP4, MOV, WebM)';

export async function inspectMediaFile(filePath: string, bytes: number, limits: InspectionLimits): Promise<MediaFacts> {
  if (bytes === 0) throw new MediaRefused(400, 'the file is empty (0 bytes)');
  const signature = await fileTypeFromFile(filePath);
  if (!signature) throw new MediaRefused(415, `the file's content is not ${TAKEN}`);
  if (signature.mime === 'application/pdf') return { kind: 'document', mimeType: signature.mime, width: null, height: null };
  if (VIDEO_MIMES.has(signature.mime)) return { kind: 'video', mimeType: signature.mime, width: null, height: null, durationSeconds: await videoDuration(filePath) };
  if (signature.mime.startsWith('image/')) return inspectImage(filePath, limits);
  throw new MediaRefused(415, `the file's content is ${signature.mime}, not ${TAKEN}`);
}

/** The longest track's running time from the container's headers; null when they do not say (a platform's limit is then not checked). */
async function videoDuration(filePath: string): Promise<number | null> {
  try {
    const { format } = await parseFile(filePath, { duration: false, skipCovers: true });
    const seconds = Math.max(format.duration ?? 0, ...format.trackInfo.map((track) => track.duration ?? 0));
    return seconds > 0 && Number.isFinite(seconds) ? seconds : null;
  } catch {
    return null;
  }
}

/**
 * Reads the header (sharp refuses more than maxPixels here, so a decompression bomb is never decoded), then decodes
 * the whole image once at a small size: a header alone does not show a truncated or corrupt file, a decode does.
 */
async function inspectImage(filePath: string, { maxPixels }: InspectionLimits): Promise<MediaFacts> {
  const options = { limitInputPixels: maxPixels, failOn: 'truncated' } as const;
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(filePath, options).metadata();
    await sharp(filePath, options).resize({ width: 64, height: 64, fit: 'inside' }).toBuffer();
  } catch (error) {
    throw imageProblem(error, maxPixels);
  }
  const mimeType = IMAGE_MIME_BY_FORMAT[metadata.format];
  if (!mimeType) throw new MediaRefused(415, `images in ${metadata.format} format are not taken; use JPEG, PNG, WebP, GIF, TIFF or HEIF`);
  return { kind: 'image', mimeType, width: metadata.autoOrient.width, height: metadata.autoOrient.height };
}

function imageProblem(error: unknown, maxPixels: number): MediaRefused {
  const detail = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(detail)) return new MediaRefused(413, `the image has more than ${maxPixels} pixels (width × height), the most that is taken`);
  if (/premature end|truncated|end of file|unexpected end/i.test(detail)) return new MediaRefused(400, `the image is truncated or incomplete (${detail})`);
  return new MediaRefused(400, `the image cannot be read: ${detail}`);
}

// How castsync recognises its own files on a platform: "cs-<media id>-<16 hex digits of the variant's SHA-256>".
// APIs keep it in a reference field, portals in the file name (the one thing a portal's upload form keeps), so a
// retried upload looks before it sends, and a re-encoded or replaced variant is told apart from the old one.
import type { MediaRef, PlatformMediaType } from './types.js';

const REF_PATTERN = /cs-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9a-f]{16})/;

export function formatMediaRef(ref: MediaRef): string {
  return `cs-${ref.mediaId}-${ref.variantHash}`;
}

/** The reference inside a file name or reference field; null when the text holds none (a file added on the platform). */
export function parseMediaRef(text: string | null | undefined): MediaRef | null {
  const match = text ? REF_PATTERN.exec(text) : null;
  return match ? { mediaId: match[1]!, variantHash: match[2]! } : null;
}

/** The short hash a reference carries, from a full SHA-256 hex digest. */
export function variantHashOf(sha256Hex: string): string {
  return sha256Hex.slice(0, 16);
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'application/pdf': 'pdf',
};

/** The file name an upload is sent with: the reference and the extension of its content type. */
export function mediaFileName(ref: MediaRef, contentType: string): string {
  return `${formatMediaRef(ref)}.${EXTENSIONS[contentType] ?? 'bin'}`;
}

export function platformMediaTypeOf(type: 'photo' | 'headshot' | 'setcard' | 'video' | 'document'): PlatformMediaType {
  return type === 'video' || type === 'document' ? type : 'photo';
}

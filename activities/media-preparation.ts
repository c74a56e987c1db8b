// What one platform gets of one media item: an image variant made to its rules (lib/media-variants.ts), or the
// original video or PDF when the platform takes those — or why it cannot take the item at all. A platform that
// cannot take a file gets a skipped entry, not a retry: sending it again would be refused again.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { PlatformEntry } from '../adapters/catalog.js';
import { mediaFileName, platformMediaTypeOf, variantHashOf } from '../adapters/media-reference.js';
import type { MediaUpload } from '../adapters/types.js';
import type { Media } from '../generated/prisma/client.js';
import type { Config } from '../lib/config.js';
import type { MediaStorage } from '../lib/media-storage.js';
import { makeVariant, variantCacheDir, type Crop } from '../lib/media-variants.js';

export type Prepared = { status: 'ready'; upload: MediaUpload } | { status: 'skipped'; reason: string };

const IMAGE_TYPES = new Set(['photo', 'headshot', 'setcard']);

export async function prepareForPlatform(item: Media, platform: PlatformEntry, storage: MediaStorage, config: Config): Promise<Prepared> {
  if (IMAGE_TYPES.has(item.type)) return prepareImage(item, platform, storage, config);
  if (item.type === 'video') return prepareVideo(item, platform, storage);
  return prepareDocument(item, platform, storage);
}

async function prepareImage(item: Media, platform: PlatformEntry, storage: MediaStorage, config: Config): Promise<Prepared> {
  if (!platform.media) return skipped(`${platform.name} takes no photos`);
  const variant = await makeVariant(
    { contentHash: item.contentHash, input: await storage.localFile(item.storageKey), crop: (item.crop as Crop | null) ?? null },
    platform.media,
    { cacheDir: variantCacheDir(config.mediaDir), maxPixels: config.mediaMaxPixels, platformName: platform.name },
  );
  if (variant.status === 'skipped') return variant;
  const contentType = variant.format === 'png' ? 'image/png' : 'image/jpeg';
  return ready(item, { path: variant.path, bytes: variant.bytes, contentType, contentHash: await sha256Of(variant.path) });
}

async function prepareVideo(item: Media, platform: PlatformEntry, storage: MediaStorage): Promise<Prepared> {
  const rules = platform.video;
  if (!rules) return skipped(`${platform.name} takes no videos`);
  if (!(rules.contentTypes as string[]).includes(item.mimeType)) return skipped(`${platform.name} takes videos as ${rules.contentTypes.join(' or ')}, not ${item.mimeType}`);
  if (Number(item.bytes) > rules.maxBytes) return skipped(`${platform.name} takes videos up to ${megabytes(rules.maxBytes)}; this one is ${megabytes(Number(item.bytes))}`);
  if (rules.maxDurationSeconds && item.durationSeconds && item.durationSeconds > rules.maxDurationSeconds) {
    return skipped(`${platform.name} takes videos up to ${Math.round(rules.maxDurationSeconds / 60)} minutes; this one runs ${Math.round(item.durationSeconds / 60)}`);
  }
  return original(item, storage);
}

async function prepareDocument(item: Media, platform: PlatformEntry, storage: MediaStorage): Promise<Prepared> {
  const rules = platform.documents;
  if (!rules) return skipped(`${platform.name} takes no documents (CV)`);
  if (Number(item.bytes) > rules.maxBytes) return skipped(`${platform.name} takes documents up to ${megabytes(rules.maxBytes)}; this one is ${megabytes(Number(item.bytes))}`);
  return original(item, storage);
}

/** Videos and PDFs go as they were uploaded: their content hash is the variant's. */
async function original(item: Media, storage: MediaStorage): Promise<Prepared> {
  return ready(item, { path: await storage.localFile(item.storageKey), bytes: Number(item.bytes), contentType: item.mimeType, contentHash: item.contentHash });
}

/**
 * The reference's hash covers the bytes and the text sent with them: the platforms take a caption and credit only
 * with the upload, so a changed credit is a changed file there (replaced like a new crop).
 */
function ready(item: Media, file: { path: string; bytes: number; contentType: string; contentHash: string }): Prepared {
  const sent = createHash('sha256').update(JSON.stringify([file.contentHash, item.caption ?? '', item.photographerCredit ?? ''])).digest('hex');
  const ref = { mediaId: item.id, variantHash: variantHashOf(sent) };
  return {
    status: 'ready',
    upload: {
      ref,
      type: platformMediaTypeOf(item.type),
      fileName: mediaFileName(ref, file.contentType),
      contentType: file.contentType,
      bytes: file.bytes,
      path: file.path,
      caption: item.caption,
      photographerCredit: item.photographerCredit,
    },
  };
}

function skipped(reason: string): Prepared {
  return { status: 'skipped', reason };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function megabytes(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
}

// Per-platform image variants: the user's photo made to fit one platform's published rules (adapters/catalog.ts
// `media`). Auto-rotated by its EXIF orientation, converted to sRGB, cropped to the platform's aspect (the user's
// crop, or sharp's attention strategy), scaled within the maximum edge, stripped of all metadata (EXIF, GPS, ICC,
// XMP: sharp writes none unless asked), and encoded at the highest quality that fits the byte limit. A photo the
// platform cannot take is a `skipped` result with a reason, not an exception: retrying would not help.
// Variants are cached on disk by source hash + spec hash, so a re-sync does not re-encode.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageRules } from '../adapters/catalog.js';

// A type alias, not an interface: Prisma's Json input (Media.crop) needs the implicit index signature aliases have.
export type Crop = { left: number; top: number; width: number; height: number };

export interface VariantSource {
  /** SHA-256 of the source bytes (Media.contentHash). */
  contentHash: string;
  /** The source image: a local file path or its bytes. */
  input: string | Buffer;
  /** The user's crop in displayed (EXIF-rotated) pixels, or null. */
  crop: Crop | null;
}

export interface VariantOptions {
  /** Where variants are cached: <mediaDir>/variants. */
  cacheDir: string;
  /** Same limit as uploads (CASTSYNC_MEDIA_MAX_PIXELS). */
  maxPixels: number;
  /** Platform name, for the skipped reasons. */
  platformName: string;
}

export interface ReadyVariant {
  status: 'ready';
  path: string;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  bytes: number;
  /** JPEG quality used; null for PNG. */
  quality: number | null;
  /** Served from the cache without decoding or encoding anything. */
  cached: boolean;
}

export interface SkippedVariant {
  status: 'skipped';
  reason: string;
}

export type VariantResult = ReadyVariant | SkippedVariant;

/** Where variants are cached: below the media folder, next to the stored originals. */
export function variantCacheDir(mediaDir: string): string {
  return path.join(mediaDir, 'variants');
}

/** Bump when the pipeline changes its output, so old cached variants are not reused. */
const PIPELINE_VERSION = 1;
/** Tried in order until the file fits maxBytes; below 50 a portrait looks worse than the platform would allow. */
const JPEG_QUALITIES = [90, 84, 78, 72, 66, 60, 54, 50];

export async function makeVariant(source: VariantSource, rules: ImageRules, options: VariantOptions): Promise<VariantResult> {
  const spec = specHash(rules, source.crop);
  const target = path.join(options.cacheDir, source.contentHash, spec);
  const cached = await readCached(target);
  if (cached) return cached;

  const readOptions = { limitInputPixels: options.maxPixels, failOn: 'truncated' } as const;
  const metadata = await sharp(source.input, readOptions).metadata().catch(() => null);
  if (!metadata || !['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif'].includes(metadata.format)) {
    return skipped(`${options.platformName} takes only images, and this file is not one sharp can read as an image`);
  }
  const plan = planGeometry(metadata.autoOrient, source.crop, rules);
  if ('reason' in plan) return skipped(`${options.platformName}: ${plan.reason}`);

  const pixels = await renderPixels(sharp(source.input, readOptions), plan);
  const encoded = await encodeWithin(pixels, rules);
  if (!encoded) return skipped(`${options.platformName}: even at JPEG quality ${JPEG_QUALITIES.at(-1)} the photo is larger than ${rules.maxBytes} bytes`);
  return writeCached(target, encoded);
}

function skipped(reason: string): SkippedVariant {
  return { status: 'skipped', reason };
}

function specHash(rules: ImageRules, crop: Crop | null): string {
  return createHash('sha256').update(JSON.stringify({ v: PIPELINE_VERSION, rules, crop })).digest('hex').slice(0, 32);
}

interface Geometry {
  /** Region of the oriented image to keep (the user's crop fitted to the aspect), or null for attention cropping. */
  extract: Crop | null;
  width: number;
  height: number;
}

/**
 * Where to cut and how big the result is. With a user crop, the largest region of the platform's aspect centred
 * in it; without one, sharp's attention strategy picks the region. Then scaled down to maxEdge, never up: an
 * enlarged photo would only pretend to meet the minimum.
 */
export function planGeometry(size: { width: number; height: number }, crop: Crop | null, rules: ImageRules): Geometry | { reason: string } {
  const region = crop ?? { left: 0, top: 0, width: size.width, height: size.height };
  if (region.left + region.width > size.width || region.top + region.height > size.height) {
    return { reason: `the crop reaches outside the image (${size.width}×${size.height})` };
  }
  const fitted = rules.aspect ? fitAspect(region, rules.aspect) : region;
  const scale = Math.min(1, rules.maxEdge / Math.max(fitted.width, fitted.height));
  const width = Math.max(1, Math.round(fitted.width * scale));
  const height = Math.max(1, Math.round(fitted.height * scale));
  const measured = rules.minEdgeOf === 'longer' ? Math.max(width, height) : Math.min(width, height);
  if (measured < rules.minEdge) {
    const shape = rules.aspect ? ` after cropping to ${rules.aspect.width}:${rules.aspect.height}` : '';
    return { reason: `the photo is too small: ${width}×${height} px${shape}, and the ${rules.minEdgeOf ?? 'shorter'} edge must be at least ${rules.minEdge} px` };
  }
  return { extract: crop || !rules.aspect ? fitted : null, width, height };
}

/** The largest region of width:height aspect centred in `region`. */
function fitAspect(region: Crop, aspect: { width: number; height: number }): Crop {
  const ratio = aspect.width / aspect.height;
  const width = Math.min(region.width, Math.round(region.height * ratio));
  const height = Math.min(region.height, Math.round(width / ratio));
  return { left: region.left + Math.floor((region.width - width) / 2), top: region.top + Math.floor((region.height - height) / 2), width, height };
}

interface Pixels {
  data: Buffer;
  info: sharp.OutputInfo;
}

/** Decodes, orients, crops and scales once to raw sRGB pixels; the quality steps only re-encode these. */
async function renderPixels(image: sharp.Sharp, plan: Geometry): Promise<Pixels> {
  let pipeline = image.autoOrient();
  if (plan.extract) pipeline = pipeline.extract(plan.extract);
  pipeline = pipeline.resize(plan.width, plan.height, { fit: 'cover', position: sharp.strategy.attention });
  return pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
}

interface Encoded {
  data: Buffer;
  format: 'jpeg' | 'png';
  quality: number | null;
  width: number;
  height: number;
}

/** JPEG where taken (photos compress far better), lowering quality step by step; PNG only where JPEG is not taken. */
async function encodeWithin({ data, info }: Pixels, rules: ImageRules): Promise<Encoded | null> {
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const size = { width: info.width, height: info.height };
  if (!rules.formats.includes('jpeg')) {
    const png = await sharp(data, raw).toColourspace('srgb').png({ compressionLevel: 9 }).toBuffer();
    return png.length <= rules.maxBytes ? { data: png, format: 'png', quality: null, ...size } : null;
  }
  for (const quality of JPEG_QUALITIES) {
    const jpeg = await sharp(data, raw).flatten({ background: '#ffffff' }).toColourspace('srgb').jpeg({ quality, mozjpeg: true }).toBuffer();
    if (jpeg.length <= rules.maxBytes) return { data: jpeg, format: 'jpeg', quality, ...size };
  }
  return null;
}

async function readCached(target: string): Promise<ReadyVariant | null> {
  try {
    const meta = JSON.parse(await readFile(`${target}.json`, 'utf8')) as ReadyVariant;
    await stat(meta.path);
    return { ...meta, cached: true };
  } catch {
    return null;
  }
}

/** Written to temp names and renamed, so a concurrent reader sees a whole variant or none. */
async function writeCached(target: string, encoded: Encoded): Promise<ReadyVariant> {
  await mkdir(path.dirname(target), { recursive: true });
  const file = `${target}.${encoded.format === 'jpeg' ? 'jpg' : 'png'}`;
  const variant: ReadyVariant = {
    status: 'ready',
    path: file,
    format: encoded.format,
    width: encoded.width,
    height: encoded.height,
    bytes: encoded.data.length,
    quality: encoded.quality,
    cached: false,
  };
  const temp = `${target}.${randomUUID()}.tmp`;
  await writeFile(temp, encoded.data);
  await rename(temp, file);
  await writeFile(`${temp}.json`, JSON.stringify(variant));
  await rename(`${temp}.json`, `${target}.json`);
  return variant;
}

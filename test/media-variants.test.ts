// Per-platform variants made from the catalog's image rules, checked by reading them back with sharp: dimensions,
// format, sRGB, no EXIF/GPS, the byte limit reached by lowering quality, photos too small skipped with a reason,
// and the on-disk cache answering the second request without re-encoding.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformCatalog, type ImageRules } from '../adapters/catalog.js';
import { makeVariant, type ReadyVariant, type VariantSource } from '../lib/media-variants.js';
import { image, photoWithExif, tinyPdf } from './support/media-files.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'castsync-variants-'));
});
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

let sequence = 0;
/** Each source gets its own hash, so cache entries of one test never answer another. */
function source(input: Buffer, crop: VariantSource['crop'] = null): VariantSource {
  return { contentHash: `test${String(sequence++).padStart(60, '0')}`, input, crop };
}
const options = (platformName: string) => ({ cacheDir, maxPixels: 50_000_000, platformName });

async function readBack(variant: ReadyVariant) {
  return sharp(variant.path).metadata();
}

describe('variants from the catalog rules', () => {
  it('Schauspielervideos: rotated by EXIF, cropped 3:4, within 1800 px, sRGB JPEG, no EXIF or GPS', async () => {
    // Stored 2400×1800 landscape with orientation 6: displayed as 1800×2400 portrait.
    const photo = await photoWithExif(2400, 1800);
    const before = await sharp(photo).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif).toBeDefined();
    const rules = platformCatalog.schauspielervideos.media;
    const variant = await makeVariant(source(photo), rules, options('Schauspielervideos'));
    expect(variant.status).toBe('ready');
    const ready = variant as ReadyVariant;
    const meta = await readBack(ready);
    expect(meta).toMatchObject({ format: 'jpeg', width: 1350, height: 1800, space: 'srgb' });
    expect(meta.width! / meta.height!).toBeCloseTo(3 / 4, 2);
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(ready.bytes).toBe((await stat(ready.path)).size);
    expect(ready.bytes).toBeLessThanOrEqual(rules.maxBytes);
  });

  it('every platform with media gets its aspect, edge and size limits', async () => {
    const photo = await image(3000, 4000, 'png'); // a big PNG portrait becomes a JPEG everywhere (all take JPEG)
    for (const platform of Object.values(platformCatalog)) {
      if (!('media' in platform)) continue;
      const rules: ImageRules = platform.media;
      const variant = await makeVariant(source(photo), rules, options(platform.name));
      expect(variant.status, platform.id).toBe('ready');
      const meta = await readBack(variant as ReadyVariant);
      expect(meta.format, platform.id).toBe('jpeg');
      expect(Math.max(meta.width!, meta.height!), platform.id).toBeLessThanOrEqual(rules.maxEdge);
      if (rules.aspect) expect(meta.width! / meta.height!, platform.id).toBeCloseTo(rules.aspect.width / rules.aspect.height, 2);
      expect(meta.space).toBe('srgb');
    }
  });

  it("uses the user's crop, fitted to the platform's aspect", async () => {
    const photo = await image(3000, 2000);
    const variant = (await makeVariant(source(photo, { left: 1000, top: 0, width: 1600, height: 2000 }), platformCatalog.filmmakers.media, options('Filmmakers'))) as ReadyVariant;
    expect(variant.status).toBe('ready');
    expect([variant.width, variant.height]).toEqual([1600, 2000]); // already 4:5, not scaled (under 4000)
    const meta = await readBack(variant);
    expect([meta.width, meta.height]).toEqual([1600, 2000]);
  });

  it('lowers the JPEG quality step by step until the byte limit is met', async () => {
    const noisy = await sharp({ create: { width: 800, height: 1000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    const loose: ImageRules = { formats: ['jpeg'], maxEdge: 1000, minEdge: 100, maxBytes: 50 * 1024 * 1024 };
    const tight: ImageRules = { ...loose, maxBytes: 0 };
    const first = (await makeVariant(source(noisy), loose, options('Loose'))) as ReadyVariant;
    expect(first.quality).toBe(90);
    const limit = Math.round(first.bytes * 0.7);
    const fitted = (await makeVariant(source(noisy), { ...loose, maxBytes: limit }, options('Tight'))) as ReadyVariant;
    expect(fitted.status).toBe('ready');
    expect(fitted.quality).toBeLessThan(90);
    expect(fitted.bytes).toBeLessThanOrEqual(limit);
    const impossible = await makeVariant(source(noisy), tight, options('Tiny'));
    expect(impossible).toEqual({ status: 'skipped', reason: 'Tiny: even at JPEG quality 50 the photo is larger than 0 bytes' });
  });

  it('skips a photo too small or not an image, with a reason instead of an error', async () => {
    const small = await makeVariant(source(await image(900, 1000)), platformCatalog.schauspielervideos.media, options('Schauspielervideos'));
    expect(small).toEqual({
      status: 'skipped',
      reason: 'Schauspielervideos: the photo is too small: 750×1000 px after cropping to 3:4, and the longer edge must be at least 1200 px',
    });
    const tiny = await makeVariant(source(await image(400, 800)), platformCatalog['casting-network'].media, options('Casting Network'));
    expect(tiny).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/400×500 px after cropping to 4:5, and the shorter edge must be at least 500 px/) });
    const pdf = await makeVariant(source(tinyPdf), platformCatalog.filmmakers.media, options('Filmmakers'));
    expect(pdf).toEqual({ status: 'skipped', reason: 'Filmmakers takes only images, and this file is not one sharp can read as an image' });
  });

  it('answers the second request from the cache without re-encoding, and a new crop makes a new variant', async () => {
    const src = source(await photoWithExif(2000, 1600));
    const rules = platformCatalog.wanted.media;
    const first = (await makeVariant(src, rules, options('Wanted'))) as ReadyVariant;
    expect(first.cached).toBe(false);
    const mtime = (await stat(first.path)).mtimeMs;
    const started = performance.now();
    // The cache is keyed by hash and spec: an unreadable input proves nothing is decoded on a hit.
    const second = (await makeVariant({ ...src, input: Buffer.from('not an image') }, rules, options('Wanted'))) as ReadyVariant;
    expect(performance.now() - started).toBeLessThan(50);
    expect(second).toEqual({ ...first, cached: true });
    expect((await stat(second.path)).mtimeMs).toBe(mtime);
    const recropped = (await makeVariant({ ...src, crop: { left: 0, top: 0, width: 800, height: 1000 } }, rules, options('Wanted'))) as ReadyVariant;
    expect(recropped.cached).toBe(false);
    expect(recropped.path).not.toBe(first.path);
    expect([recropped.width, recropped.height]).toEqual([800, 1000]);
  });
});

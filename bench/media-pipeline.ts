// Images per second through castsync's variant pipeline (lib/media-variants.ts: orient, crop, resize, sRGB, strip,
// encode within the byte limit, write to the cache) beside sharp alone doing the same crop and resize on the same
// images, as a ratio. Each run uses fresh source hashes, so the pipeline never answers from its cache.
// BENCH_IMAGES (default 12) and BENCH_RUNS (default 5) size it; medians over the runs are printed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { platformCatalog, type ImageRules } from '../adapters/catalog.js';
import { makeVariant, planGeometry } from '../lib/media-variants.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 12);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Camera-like sources: 4000×3000 landscape JPEGs with noise (so encoding has real work), EXIF orientation 6. */
async function makeSources(): Promise<Buffer[]> {
  const sources: Buffer[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const base = sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 40 + i * 10, g: 90, b: 140 }, noise: { type: 'gaussian', mean: 120, sigma: 25 } } });
    sources.push(await base.jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer());
  }
  return sources;
}

async function timeRun(sources: Buffer[], one: (input: Buffer, index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (const [index, input] of sources.entries()) await one(input, index);
  return sources.length / ((performance.now() - started) / 1000);
}

/** sharp alone: the same orientation, attention crop to the aspect and resize, one encode at quality 90. */
function sharpAlone(rules: ImageRules) {
  return async (input: Buffer) => {
    const meta = await sharp(input).metadata();
    const plan = planGeometry(meta.autoOrient, null, rules);
    if ('reason' in plan) throw new Error(plan.reason);
    return sharp(input).autoOrient().resize(plan.width, plan.height, { fit: 'cover', position: sharp.strategy.attention }).jpeg({ quality: 90, mozjpeg: true }).toBuffer();
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main() {
  sharp.cache(false); // neither side may reuse the other's decoded input
  const sources = await makeSources();
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'castsync-bench-media-'));
  const rows: string[][] = [];
  try {
    for (const platformId of ['schauspielervideos', 'filmmakers'] as const) {
      const platform = platformCatalog[platformId];
      const pipelineRates: number[] = [];
      const sharpRates: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const options = { cacheDir, maxPixels: 100_000_000, platformName: platform.name };
        const hash = (index: number) => `${run}`.padStart(8, '0') + `${platformId.length}`.padStart(8, '0') + `${index}`.padStart(48, '0');
        pipelineRates.push(await timeRun(sources, (input, index) => makeVariant({ contentHash: hash(index), input, crop: null }, platform.media, options)));
        sharpRates.push(await timeRun(sources, sharpAlone(platform.media)));
      }
      const [pipelineMedian, sharpMedian] = [median(pipelineRates), median(sharpRates)];
      rows.push([platform.name, pipelineMedian.toFixed(2), sharpMedian.toFixed(2), (pipelineMedian / sharpMedian).toFixed(2)]);
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  printTable(['rules', 'pipeline img/s', 'sharp alone img/s', 'ratio'], rows);
  console.log(`\n${IMAGES} images of 4000×3000 (EXIF orientation 6) per run, median of ${RUNS} runs, one image at a time.`);
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

await main();

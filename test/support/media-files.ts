// Test media made on the spot: images with sharp, and the smallest files the signature checks recognise as a PDF,
// an MP4, a MOV and a WebM, built by hand. Plus a multipart body builder for Fastify's inject.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export function image(width: number, height: number, format: 'jpeg' | 'png' = 'jpeg', colour = '#c08040'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })[format]().toBuffer();
}

/** A JPEG whose EXIF says "rotate 90° clockwise" (orientation 6) and carries a GPS position and a camera. */
export function photoWithExif(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#6080c0' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Make: 'TestCam', Model: 'T1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '52/1 31/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '13/1 24/1 0/1' } })
    .toBuffer();
}

export async function truncatedJpeg(): Promise<Buffer> {
  const whole = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).jpeg().toBuffer();
  return whole.subarray(0, Math.floor(whole.length * 0.6));
}

/** A small valid PNG whose header claims 60000 × 60000 pixels (3.6 gigapixels): a decompression bomb. */
export async function pngBomb(): Promise<Buffer> {
  const png = Buffer.from(await image(64, 64, 'png'));
  png.writeUInt32BE(60000, 16); // IHDR width
  png.writeUInt32BE(60000, 20); // IHDR height
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29); // IHDR's CRC covers type + data, so the header stays valid
  return png;
}

export const tinyPdf = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n' +
    'trailer <</Root 1 0 R>>\n%%EOF\n',
  'latin1',
);

function isoBox(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

/** An ISO base media file: an `ftyp` box (major brand, version, compatible brands) and an empty `free` box. */
export function isoMedia(brand: 'isom' | 'qt  '): Buffer {
  const ftyp = isoBox('ftyp', Buffer.concat([Buffer.from(brand, 'latin1'), Buffer.alloc(4), Buffer.from(`${brand}mp41`, 'latin1')]));
  return Buffer.concat([ftyp, isoBox('free', Buffer.alloc(16))]);
}

/** The EBML header of a WebM file (doc type "webm"). */
export const tinyWebm = Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d, 0x42, 0x87, 0x81, 0x02]);

export interface FilePart {
  name?: string;
  fileName: string;
  content: Buffer;
  contentType?: string;
}

export function multipart(fields: Record<string, string>, files: FilePart[]) {
  const boundary = `----castsync${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    chunks.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${file.name ?? 'file'}"; filename="${file.fileName}"\r\ncontent-type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Every file below `dir` (relative paths), or none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
  } catch {
    return [];
  }
}

/**
 * An MP4 with one video track whose media header (`moov/trak/mdia/mdhd`) says it runs `seconds`, followed by
 * `payloadBytes` of media data: big enough for an upload that takes a while, with a duration to check limits on.
 */
export function mp4(seconds: number, payloadBytes = 1024): Buffer {
  const timescale = 1000;
  const mdhd = Buffer.alloc(24);
  mdhd.writeUInt32BE(timescale, 12); // after version/flags (4), creation (4) and modification (4) times
  mdhd.writeUInt32BE(Math.round(seconds * timescale), 16);
  mdhd.writeUInt16BE(0x55c4, 20); // language "und"
  const hdlr = Buffer.concat([Buffer.alloc(8), Buffer.from('vide', 'latin1'), Buffer.alloc(12), Buffer.from('VideoHandler\0', 'latin1')]);
  const tkhd = Buffer.alloc(84);
  tkhd.writeUInt32BE(0x00000003, 0); // enabled, in movie
  tkhd.writeUInt32BE(1, 12); // track id
  const trak = isoBox('trak', Buffer.concat([isoBox('tkhd', tkhd), isoBox('mdia', Buffer.concat([isoBox('mdhd', mdhd), isoBox('hdlr', hdlr)]))]));
  const ftyp = isoMedia('isom').subarray(0, 24);
  return Buffer.concat([ftyp, isoBox('moov', trak), isoBox('mdat', Buffer.alloc(payloadBytes, 7))]);
}

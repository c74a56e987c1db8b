// Content-addressed media storage: a file's key is the SHA-256 of its bytes, so an identical upload is stored once.
// Uploads are staged first (streamed to a local temp file while hashing, never held in memory), inspected there,
// and only then committed; a refused upload is discarded and leaves nothing in the store. The local-disk store is
// the default; an S3-compatible store implements the same interface (stage locally, commit = upload).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** An upload held in a local temp file, hashed, not yet in the store. */
export interface StagedFile {
  /** The content key: lowercase hex SHA-256 of the bytes. */
  key: string;
  bytes: number;
  /** The temp file, for inspection (sharp, file-type) before commit. */
  path: string;
}

export interface MediaStorage {
  /** Streams `content` to a temp file while hashing it. The stream's own errors (e.g. a size limit) reject. */
  stage(content: Readable): Promise<StagedFile>;
  /** Moves a staged file into the store under its key; returns false when the store already held that content. */
  commit(staged: StagedFile): Promise<boolean>;
  /** Removes a staged file that will not be committed. */
  discard(staged: StagedFile): Promise<void>;
  /** stage + commit. */
  put(content: Readable): Promise<{ key: string; bytes: number; created: boolean }>;
  get(key: string): Readable;
  /** A local file holding the content, for sharp and for uploads to platforms (an S3 store would download it to a cache). */
  localFile(key: string): Promise<string>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

const KEY_PATTERN = /^[0-9a-f]{64}$/;

export class LocalDiskStorage implements MediaStorage {
  private readonly objectsDir: string;
  private readonly tempDir: string;

  constructor(root: string) {
    this.objectsDir = path.join(root, 'objects');
    this.tempDir = path.join(root, 'tmp');
  }

  async stage(content: Readable): Promise<StagedFile> {
    await mkdir(this.tempDir, { recursive: true });
    const tempPath = path.join(this.tempDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(content, hashing, createWriteStream(tempPath));
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return { key: hash.digest('hex'), bytes, path: tempPath };
  }

  async commit(staged: StagedFile): Promise<boolean> {
    const target = this.pathOf(staged.key);
    if (await this.exists(staged.key)) {
      await this.discard(staged);
      return false;
    }
    await mkdir(path.dirname(target), { recursive: true });
    // rename is atomic on one file system: readers see the whole file or none, and a racing identical upload
    // just replaces it with the same bytes.
    await rename(staged.path, target);
    return true;
  }

  async discard(staged: StagedFile): Promise<void> {
    await rm(staged.path, { force: true });
  }

  async put(content: Readable) {
    const staged = await this.stage(content);
    const created = await this.commit(staged);
    return { key: staged.key, bytes: staged.bytes, created };
  }

  get(key: string): Readable {
    return createReadStream(this.pathOf(key));
  }

  async localFile(key: string): Promise<string> {
    if (!(await this.exists(key))) throw new Error(`the media store holds no content ${key.slice(0, 12)}…`);
    return this.pathOf(key);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  /** objects/ab/cd/<key>: two levels of fan-out keep directories small. */
  pathOf(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error(`not a media storage key: "${key}"`);
    return path.join(this.objectsDir, key.slice(0, 2), key.slice(2, 4), key);
  }
}

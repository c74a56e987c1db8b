// A browser sends a file under its name on disk, and a portal keeps that name: the one place our reference can
// live there (media-reference.ts). Stored variants have names of their own, so the file is hard-linked (or, across
// file systems, copied) into a temporary folder under the name the portal should keep. Chromium reads it from
// there itself; it never passes through our memory.
import { constants } from 'node:fs';
import { copyFile, link, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorType } from '../error-types.js';
import { PlatformError } from '../errors.js';

/** Runs `use` with a path to the file at `filePath` whose last component is `fileName`; the copy goes afterwards. */
export async function withFileNamed<T>(filePath: string, fileName: string, use: (namedPath: string) => Promise<T>): Promise<T> {
  if (!fileName || path.basename(fileName) !== fileName || fileName === '.' || fileName === '..') {
    throw new PlatformError(ErrorType.validation, `"${fileName}" cannot be a file name to upload`, false);
  }
  if (path.basename(filePath) === fileName) return use(filePath);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'castsync-upload-'));
  try {
    const named = path.join(dir, fileName);
    await link(filePath, named).catch((error: NodeJS.ErrnoException) => {
      // EXDEV: another file system; EPERM: a file system without hard links.
      if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error;
      return copyFile(filePath, named, constants.COPYFILE_FICLONE);
    });
    return await use(named);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

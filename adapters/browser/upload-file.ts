// A browser sends a file under its name on disk, and a portal keeps that name: the one place our reference can
// live there (media-reference.ts). Stored variants have names of their own, so the file is hard-linked (or, across
// file systems, copied) into a temporary folder under the name the portal should keep. Chromium reads it from
// there itself; it never passes through our memory.
//
// The folders live under <tmpdir>/castsync-uploads/<pid>/: a worker killed mid-upload cannot remove its own, and a
// hard link left there keeps a deleted video's bytes on disk. The next worker to start removes the folders of
// processes that no longer run (removeLeftoverUploads, called from worker.ts).
import { constants } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
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
  const own = path.join(uploadsRoot(), String(process.pid));
  await mkdir(own, { recursive: true });
  const dir = await mkdtemp(path.join(own, 'upload-'));
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

/** Where every worker keeps its upload folders, one per process id. */
export const uploadsRoot = () => path.join(os.tmpdir(), 'castsync-uploads');

/** Removes the upload folders of worker processes that are no longer running; returns the process ids cleaned. */
export async function removeLeftoverUploads(root = uploadsRoot()): Promise<number[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const dead = entries.filter((e) => e.isDirectory() && /^\d+$/.test(e.name) && !isRunning(Number(e.name))).map((e) => Number(e.name));
  for (const pid of dead) await rm(path.join(root, String(pid)), { recursive: true, force: true });
  return dead;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

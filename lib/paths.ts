import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The package root: the nearest folder above this file that holds package.json. From the sources that is one level
 * up (lib/paths.ts), from the build two (dist/lib/paths.js); looking for the manifest serves both.
 */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const projectRoot = findPackageRoot(import.meta.dirname);

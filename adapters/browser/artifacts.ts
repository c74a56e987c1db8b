// What a failed browser step leaves behind for a person to look at: a screenshot and the page's HTML, named by
// platform and time, in the activity's artifacts folder.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright';

/** Saves both files; answers the screenshot's path relative to `dir` (the HTML's, if no screenshot could be taken). */
export async function saveFailureArtifacts(page: Page, dir: string, platformId: string): Promise<string | undefined> {
  if (page.isClosed()) return undefined;
  await mkdir(dir, { recursive: true });
  const base = `${platformId}-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const saved: string[] = [];
  try {
    await page.screenshot({ path: path.join(dir, `${base}.png`), fullPage: true, timeout: 10_000 });
    saved.push(`${base}.png`);
  } catch {
    // a crashed or navigating page cannot be captured; the HTML may still be
  }
  try {
    await writeFile(path.join(dir, `${base}.html`), await page.content());
    saved.push(`${base}.html`);
  } catch {
    // nothing more to save
  }
  return saved[0];
}

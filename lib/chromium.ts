// Whether this process can drive the browser platforms (catalog kind 'browser'): they need a Chromium executable
// at config.chromiumPath (CHROMIUM_PATH, default /usr/bin/chromium). The API (which refuses a connect that no
// worker of its deployment could check), the worker (connect checks, pushes and pulls) and `npm start` ask here at
// start, so a missing Chromium is said once, with the fix, instead of failing at the first connect or push.
//
// The check is a stat and an access(X_OK): cheap enough for the API to repeat on every request, so a Chromium
// installed while the API runs counts at once. It does not start Chromium (`--version` would cost a process per
// check and still not prove that a browser launches); a file that is there but cannot start fails the first
// activity with launchChromium's message, which names CHROMIUM_PATH too.
import { accessSync, constants, statSync } from 'node:fs';
import { platformCatalog, type PlatformEntry } from '../adapters/catalog.js';
import type { Config } from './config.js';

export type ChromiumStatus = { available: true; path: string } | { available: false; path: string; problem: string };

/** How an operator gets Chromium: said in the worker's and npm start's warning. */
export const CHROMIUM_FIX = "install Debian's package (apt-get install chromium) or set CHROMIUM_PATH=/path/to/chromium";

/** What a user is told about a browser platform while this server has no Chromium (no server paths in it). */
export const CHROMIUM_MISSING_REASON =
  "This server has no Chromium, which castsync needs to work this platform's website; the operator can install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.";

export function chromiumStatus(config: Pick<Config, 'chromiumPath'>): ChromiumStatus {
  const path = config.chromiumPath;
  const problem = executableProblem(path);
  return problem ? { available: false, path, problem } : { available: true, path };
}

function executableProblem(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
  } catch {
    return `no Chromium at ${path}`;
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `${path} is not executable`;
  }
  return null;
}

/** The one warning the worker and npm start print when Chromium is missing: what is wrong, what it costs, the fix. */
export function chromiumWarning(status: ChromiumStatus, browserPlatforms: readonly Pick<PlatformEntry, 'name'>[]): string | null {
  if (status.available) return null;
  const names = browserPlatforms.map((p) => p.name).join(', ');
  return `${status.problem}, so the browser platforms${names ? ` (${names})` : ''} are unavailable: they cannot be connected, and their pushes and pulls wait until a worker with Chromium runs. To fix: ${CHROMIUM_FIX}, then restart castsync.`;
}

/** Whether a platform can be worked by this process: only the browser kind needs Chromium. */
export function needsChromium(platform: Pick<PlatformEntry, 'kind'>): boolean {
  return platform.kind === 'browser';
}

/**
 * The platforms this worker can work: without Chromium the browser ones are left out, with one warning. Their task
 * queues then have no poller here, so their pushes and pulls wait in Temporal (durably, like any backlog) for a
 * worker that has Chromium, instead of each failing at launch and burning its retries.
 */
export function platformsWorkableHere<P extends Pick<PlatformEntry, 'kind' | 'name'>>(config: Pick<Config, 'chromiumPath'>, platforms: P[], warn: (message: string) => void = console.warn): P[] {
  const browser = platforms.filter(needsChromium);
  const warning = browser.length ? chromiumWarning(chromiumStatus(config), browser) : null;
  if (!warning) return platforms;
  warn(`worker: ${warning}`);
  return platforms.filter((p) => !needsChromium(p));
}

/** The browser platforms this server offers (CASTSYNC_PLATFORMS): the ones a missing Chromium takes away. */
export function browserPlatforms(config: Pick<Config, 'enabledPlatforms'>): PlatformEntry[] {
  return Object.values(platformCatalog as Record<string, PlatformEntry>).filter((p) => needsChromium(p) && config.enabledPlatforms.includes(p.id));
}

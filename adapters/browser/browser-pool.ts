// One Chromium per worker process, started on first use: launching takes about a second and hundreds of MB,
// while a BrowserContext (one per activity, with its own cookies) is cheap. The worker calls closeBrowser() at
// shutdown.
import { chromium, type Browser } from 'playwright';

// Flags that work in containers without a GPU, a sandbox or network beyond loopback.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let shared: Promise<Browser> | null = null;

/** `executablePath` is used when the browser has to be started (the first call, or after a crash). */
export function sharedBrowser(executablePath: string): Promise<Browser> {
  if (shared) return shared;
  const starting = launchChromium(executablePath);
  shared = starting;
  // A browser that failed to start or crashed is replaced by the next activity instead of failing every later one.
  const forget = () => {
    if (shared === starting) shared = null;
  };
  starting.then((browser) => browser.on('disconnected', forget), forget);
  return starting;
}

/** A Chromium of its own (the shared one is sharedBrowser's); the dashboard tests drive one like a user's browser. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    throw new Error(`Chromium could not start (${executablePath}; set CHROMIUM_PATH): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Closes the shared browser (worker shutdown); a later activity would start a new one. */
export async function closeBrowser(): Promise<void> {
  const current = shared;
  shared = null;
  const browser = await current?.catch(() => null);
  await browser?.close();
}

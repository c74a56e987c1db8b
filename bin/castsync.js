#!/usr/bin/env node
// The castsync command (npx castsync ...). In a checkout with the TypeScript sources and tsx (development), it runs
// the sources through tsx: always the code as it is now, never a stale build. Where the sources or tsx are absent
// (the production image, an install with --omit=dev), it runs the build: dist/scripts/castsync.js.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const sources = new URL('../scripts/castsync.ts', import.meta.url);
const built = new URL('../dist/scripts/castsync.js', import.meta.url);

function tsxAvailable() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

let main;
if (existsSync(sources) && tsxAvailable()) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  console.error('castsync: neither the TypeScript sources with tsx nor a build (dist/) is here; run npm run build');
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));

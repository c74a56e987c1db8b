#!/usr/bin/env node
// The castsync command (npx castsync ...): loads the TypeScript sources through tsx, no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scripts/castsync.ts');
process.exitCode = await main(process.argv.slice(2));

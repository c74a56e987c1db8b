// npm run temporal:install  — make sure a Temporal CLI is available (prints its path and version).
import { spawnSync } from 'node:child_process';
import { ensureTemporalCli } from '../lib/temporal-server.js';

const cli = ensureTemporalCli();
const version = spawnSync(cli, ['--version'], { encoding: 'utf8' });
console.log(`${cli}\n${version.stdout.trim()}`);

// npm run temporal:install  — make sure the Temporal CLI and the time-skipping test server are available.
import { spawnSync } from 'node:child_process';
import { ensureTemporalCli, ensureTimeSkippingServer } from '../lib/temporal-server.js';

const cli = ensureTemporalCli();
const version = spawnSync(cli, ['--version'], { encoding: 'utf8' });
console.log(`${cli}\n${version.stdout.trim()}`);
console.log(ensureTimeSkippingServer());

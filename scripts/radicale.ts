// npm run radicale:install  — make sure Radicale (the CalDAV server the calendar tests start) is in .radicale/.
import { ensureRadicale } from '../test/support/radicale.js';

const { python, version } = ensureRadicale();
console.log(`radicale ${version} (${python})`);

// The demo user: connected to the simulated e-TALENTA account. Idempotent; the token is kept in the data folder
// (only its hash is in the database) so it stays the same across restarts.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../lib/config.js';
import { saveConnection } from '../lib/connections.js';
import type { Db } from '../lib/db.js';
import { hashApiToken, newApiToken } from '../lib/secrets.js';

export const DEMO_EMAIL = 'demo@castsync.local';

export async function seedDemoUser(db: Db, config: Config, etalentaApiKey: string): Promise<{ userId: string; token: string }> {
  const tokenFile = path.join(config.dataDir, 'demo-token');
  const token = existsSync(tokenFile) ? (await readFile(tokenFile, 'utf8')).trim() : newApiToken();
  await writeFile(tokenFile, token + '\n', { mode: 0o600 });
  const user = await db.user.upsert({
    where: { email: DEMO_EMAIL },
    create: { email: DEMO_EMAIL, name: 'Demo Actor', emailVerifiedAt: new Date() },
    update: {},
  });
  await db.apiToken.upsert({
    where: { tokenHash: hashApiToken(token) },
    create: { userId: user.id, name: 'demo token', tokenHash: hashApiToken(token) },
    update: { userId: user.id, expiresAt: null },
  });
  await saveConnection(db, config, { userId: user.id, platformId: 'etalenta', credentials: { apiKey: etalentaApiKey }, accountRef: null });
  return { userId: user.id, token };
}

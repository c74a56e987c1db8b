// Operator sessions of the codec server: after one sign-in with the operator token, the browser holds a random
// session id in an HttpOnly cookie, so the Temporal Web UI can call the codec with its cookies (include
// credentials) and the token itself is never part of a URL or of the UI's settings. Kept in PostgreSQL (only the
// id's SHA-256), so every gateway behind a load balancer accepts the session and a restart signs nobody out.
// The hash covers the operator token too: changing the token ends every session made with the old one.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export const OPERATOR_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export class OperatorSessions {
  constructor(
    private readonly db: Db,
    private readonly operatorToken: string,
    private readonly ttlMs = OPERATOR_SESSION_TTL_MS,
  ) {}

  private idHash(id: string): string {
    return createHash('sha256').update(this.operatorToken).update('\0').update(id).digest('hex');
  }

  /** A new session; expired ones go at the same time, so the table holds only live sessions and a few stale ones. */
  async create(): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    await this.db.$transaction([
      this.db.operatorSession.deleteMany({ where: { expiresAt: { lte: new Date(now) } } }),
      this.db.operatorSession.create({ data: { idHash: this.idHash(id), expiresAt: new Date(now + this.ttlMs) } }),
    ]);
    return id;
  }

  async isValid(id: string | undefined): Promise<boolean> {
    if (!id) return false;
    const row = await this.db.operatorSession.findUnique({ where: { idHash: this.idHash(id) } });
    return row !== null && row.expiresAt > new Date();
  }

  async end(id: string | undefined): Promise<void> {
    if (id) await this.db.operatorSession.deleteMany({ where: { idHash: this.idHash(id) } });
  }
}

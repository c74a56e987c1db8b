// Operator sessions of the codec server: after one sign-in with the operator token, the browser holds a random
// session id in an HttpOnly cookie, so the Temporal Web UI can call the codec with its cookies (include
// credentials) and the token itself is never part of a URL or of the UI's settings. Kept in the gateway's memory:
// a restart signs operators out, which costs one sign-in, and no session outlives the process that checked it.
import { createHash, randomBytes } from 'node:crypto';

export const OPERATOR_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
// Sessions are made only after the token was checked, so this bounds memory, not an attacker.
const MAX_SESSIONS = 1000;

const digest = (id: string) => createHash('sha256').update(id).digest('hex');

export class OperatorSessions {
  /** sha256(session id) -> expiry (ms); the ids themselves are only in the operators' cookies. */
  private readonly sessions = new Map<string, number>();

  constructor(
    private readonly ttlMs = OPERATOR_SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  create(): string {
    this.sweep();
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(digest(id), this.now() + this.ttlMs);
    return id;
  }

  isValid(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.sessions.get(digest(id));
    if (expires === undefined) return false;
    if (expires > this.now()) return true;
    this.sessions.delete(digest(id));
    return false;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(digest(id));
  }

  private sweep() {
    const now = this.now();
    for (const [key, expires] of this.sessions) if (expires <= now) this.sessions.delete(key);
  }
}

// Credentials at rest: AES-256-GCM with a random 96-bit IV, the key id stored beside the ciphertext (rotation),
// and the owner (user + platform) bound in as associated data, so a ciphertext copied to another row won't open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface Keyring {
  masterKeys: Map<string, Buffer>;
  activeKeyId: string;
}

export interface Sealed {
  ciphertext: Uint8Array<ArrayBuffer>;
  keyId: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function sealJson(keyring: Keyring, owner: string, value: unknown): Sealed {
  const key = keyring.masterKeys.get(keyring.activeKeyId);
  if (!key) throw new Error('no active master key: set CASTSYNC_MASTER_KEYS');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(owner));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { ciphertext: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])), keyId: keyring.activeKeyId };
}

export function openJson<T>(keyring: Keyring, owner: string, sealed: { ciphertext: Uint8Array; keyId: string }): T {
  const key = keyring.masterKeys.get(sealed.keyId);
  if (!key) throw new Error(`credentials were sealed with key "${sealed.keyId}", which is not configured`);
  const data = Buffer.from(sealed.ciphertext);
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(owner));
  decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as T;
}

export const credentialOwner = (userId: string, platformId: string) => `connection:${userId}:${platformId}`;

/** A calendar source's sealed secrets (its feed address, a CalDAV login) open only on that source's row. */
export const calendarSourceOwner = (userId: string, sourceId: string) => `calendar:${userId}:${sourceId}`;

/** API tokens are random and long, so a plain SHA-256 is enough to look them up without storing them. */
export function newApiToken(): string {
  return `cs_${randomBytes(32).toString('base64url')}`;
}

/** The secret in a user's ICS feed URL; stored, like API tokens, only as its SHA-256 (hashApiToken). */
export function newFeedToken(): string {
  return `csfeed_${randomBytes(32).toString('base64url')}`;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newMasterKey(): string {
  return randomBytes(32).toString('base64');
}

// Encryption of every payload castsync hands to Temporal (workflow and activity inputs and results, signals,
// queries, memos, schedules, failure details): AES-256-GCM with a random IV; the key id travels in the payload's
// metadata, so old histories stay readable after a new key becomes active (rotation). Payloads that are not
// encrypted (history written before the codec) pass through decode unchanged.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ValueError, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { ConfigError, type Config } from './config.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** For bundleWorkflowCode when the workflow bundle is built ahead of the worker (the tests do). */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly activeKeyId: string,
  ) {
    if (!keys.has(activeKeyId)) throw new ConfigError(`payload key "${activeKeyId}" is not configured`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(this.activeKeyId));
    const body = Buffer.concat([cipher.update(serialize(payload)), cipher.final()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.activeKeyId) },
      data: new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body])),
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString('utf8');
    const key = this.keys.get(keyId);
    if (!key) throw new ValueError(`payload was encrypted with key "${keyId}", which is not configured (CASTSYNC_PAYLOAD_KEYS)`);
    const data = Buffer.from(payload.data ?? []);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return deserialize(Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]));
  }
}

export function isEncrypted(payload: Payload): boolean {
  return Buffer.from(payload.metadata?.encoding ?? []).toString('utf8') === ENCRYPTED_ENCODING;
}

/** The data converter of every client and worker castsync makes (they must all agree). */
export function temporalDataConverter(config: Pick<Config, 'payloadKeys' | 'payloadActiveKeyId'>): DataConverter {
  if (!config.payloadKeys.size) throw new ConfigError('no payload encryption key: set CASTSYNC_PAYLOAD_KEYS or CASTSYNC_MASTER_KEYS');
  return {
    payloadCodecs: [new AesGcmPayloadCodec(config.payloadKeys, config.payloadActiveKeyId)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const additionalData = (keyId: string) => Buffer.from(`castsync-payload:${keyId}`);

// The wrapped payload as JSON (metadata values and data base64), so no protobuf code is needed here.
function serialize(payload: Payload): Buffer {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return Buffer.from(JSON.stringify({ metadata, data: Buffer.from(payload.data ?? []).toString('base64') }), 'utf8');
}

function deserialize(plain: Buffer): Payload {
  const { metadata, data } = JSON.parse(plain.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(data, 'base64')),
  };
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { NanoclawError } from '../../common/errors.js';

/** AES-256-GCM key size in bytes: the master key and every derived key have this length. */
export const KEY_BYTES = 32;

// Blob layout: "v1" | 12-byte nonce | 16-byte tag | ciphertext. The prefix lets a later
// format (another cipher, a key id) be told apart from this one instead of failing as tampering.
const VERSION = Buffer.from('v1', 'ascii');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = VERSION.length + NONCE_BYTES + TAG_BYTES;

/** What a ciphertext is bound to: moving it to a record with another id or name breaks it. */
export interface RecordRef {
  id: string;
  name: string;
}

export interface SealInput extends RecordRef {
  key: Buffer;
  plaintext: string | Buffer;
}

export interface OpenInput extends RecordRef {
  key: Buffer;
  blob: Uint8Array;
  /** How the record is named in the error, e.g. `secret "GitHub"`; never the value. */
  label?: string;
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new NanoclawError('invalid_master_key', `The vault key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
}

function aad({ id, name }: RecordRef): Buffer {
  return Buffer.from(`${id}\0${name}`, 'utf8');
}

/** Encrypts under `key` with a fresh random nonce, bound to the record's id and name. */
export function sealRecord(input: SealInput): Buffer {
  assertKey(input.key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', input.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(input));
  const body = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  return Buffer.concat([VERSION, nonce, cipher.getAuthTag(), body]);
}

/**
 * Decrypts a blob made by `sealRecord` for the same record. Throws `vault_tampered` when the
 * blob was altered, moved to another record or sealed under another key: never returns garbage.
 */
export function openRecord(input: OpenInput): Buffer {
  assertKey(input.key);
  const blob = Buffer.from(input.blob.buffer, input.blob.byteOffset, input.blob.byteLength);
  const label = input.label ?? `record "${input.name}" (${input.id})`;
  if (blob.length < HEADER_BYTES || !blob.subarray(0, VERSION.length).equals(VERSION)) {
    throw tampered(label, 'it is not in a format this version knows');
  }
  const nonce = blob.subarray(VERSION.length, VERSION.length + NONCE_BYTES);
  const tag = blob.subarray(VERSION.length + NONCE_BYTES, HEADER_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', input.key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(input));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(HEADER_BYTES)), decipher.final()]);
  } catch (cause) {
    throw tampered(label, 'it was altered, copied from another record or sealed under another key', cause);
  }
}

function tampered(label: string, why: string, cause?: unknown): NanoclawError {
  return new NanoclawError('vault_tampered', `The stored value of ${label} failed its integrity check: ${why}`, {
    hint: 'Restore the vault from a backup (ncl vault restore), or delete the record and create it again',
    cause,
  });
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A random id like `sec_3f9c…` (24 hex characters). */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

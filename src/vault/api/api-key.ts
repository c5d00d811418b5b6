import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { VaultStore } from '../store/types.js';

const SETTING = 'api_key_sha256';

/** A new API key: `oc_` + 64 hex characters. */
export function generateApiKey(): string {
  return `oc_${randomBytes(32).toString('hex')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function hasApiKey(store: VaultStore): boolean {
  return store.getSetting(SETTING) !== null;
}

/** Stores only the hash of a new key and returns the key, to be shown once. */
export function rotateApiKey(store: VaultStore): string {
  const key = generateApiKey();
  store.setSetting(SETTING, hashApiKey(key));
  return key;
}

/** A new key stored when the vault has none (the first start); null when one is there (made by another replica too). */
export function createApiKeyIfAbsent(store: VaultStore): string | null {
  const key = generateApiKey();
  return store.addSetting(SETTING, hashApiKey(key)) ? key : null;
}

/** Makes `sha256Hex` (the hash of a key the host made and kept) the one accepted key. */
export function setApiKeyHash(store: VaultStore, sha256Hex: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new Error('setApiKeyHash: expected 64 lower-case hex characters');
  if (store.getSetting(SETTING) !== sha256Hex) store.setSetting(SETTING, sha256Hex);
}

/** Constant-time check of a presented key against the stored hash; false when none is set. */
export function verifyApiKey(store: VaultStore, presented: string): boolean {
  const stored = store.getSetting(SETTING);
  if (!stored) return false;
  const a = Buffer.from(hashApiKey(presented), 'hex');
  const b = Buffer.from(stored, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bearer token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1] ?? null;
}

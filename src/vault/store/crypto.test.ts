import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NanoclawError } from '../../common/errors.js';
import { openRecord, randomId, sealRecord, sha256Hex } from './crypto.js';

const key = randomBytes(32);
const VALUE = `crypto-test-${randomBytes(8).toString('hex')}`;

function caught(fn: () => unknown): NanoclawError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NanoclawError) return err;
    throw err;
  }
  throw new Error('expected a NanoclawError');
}

describe('record encryption', () => {
  it('round-trips and uses a fresh nonce for every write', () => {
    const a = sealRecord({ key, id: 'sec_1', name: 'GitHub', plaintext: VALUE });
    const b = sealRecord({ key, id: 'sec_1', name: 'GitHub', plaintext: VALUE });
    expect(a.subarray(0, 2).toString()).toBe('v1');
    expect(a.subarray(2, 14).equals(b.subarray(2, 14))).toBe(false);
    expect(a.includes(Buffer.from(VALUE))).toBe(false);
    expect(openRecord({ key, id: 'sec_1', name: 'GitHub', blob: a }).toString()).toBe(VALUE);
    expect(openRecord({ key, id: 'sec_1', name: 'GitHub', blob: new Uint8Array(b) }).toString()).toBe(VALUE);
  });

  it('refuses a blob bound to another id, another name, another key or with a flipped byte', () => {
    const blob = sealRecord({ key, id: 'sec_1', name: 'GitHub', plaintext: VALUE });
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1]! ^= 0x01;
    const attempts = [
      () => openRecord({ key, id: 'sec_2', name: 'GitHub', blob }),
      () => openRecord({ key, id: 'sec_1', name: 'Gitlab', blob }),
      () => openRecord({ key: randomBytes(32), id: 'sec_1', name: 'GitHub', blob }),
      () => openRecord({ key, id: 'sec_1', name: 'GitHub', blob: flipped }),
      () => openRecord({ key, id: 'sec_1', name: 'GitHub', blob: Buffer.concat([Buffer.from('v9'), blob.subarray(2)]) }),
      () => openRecord({ key, id: 'sec_1', name: 'GitHub', blob: blob.subarray(0, 20) }),
    ];
    for (const attempt of attempts) {
      const err = caught(attempt);
      expect(err.code).toBe('vault_tampered');
      expect(err.message).not.toContain(VALUE);
      expect(err.hint).toContain('ncl vault restore');
    }
    const named = caught(() => openRecord({ key, id: 'sec_2', name: 'GitHub', blob, label: 'secret "GitHub" (sec_2)' }));
    expect(named.message).toContain('secret "GitHub" (sec_2)');
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(caught(() => sealRecord({ key: randomBytes(16), id: 'a', name: 'b', plaintext: 'x' })).code).toBe('invalid_master_key');
  });

  it('makes random prefixed ids and SHA-256 hex digests', () => {
    expect(randomId('sec')).toMatch(/^sec_[0-9a-f]{24}$/);
    expect(randomId('sec')).not.toBe(randomId('sec'));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

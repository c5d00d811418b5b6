import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NanoclawError } from '../../common/errors.js';
import { Logger, memorySink } from '../../common/logger.js';
import { createKeyFile } from './key-file.js';
import { keyringAccount, type KeyringBackend } from './keyring-backend.js';
import { resolveMasterKey, type ResolveMasterKeyOptions } from './master-key.js';

let dir: string;
let sink: ReturnType<typeof memorySink>;
let logger: Logger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ncl-key-'));
  sink = memorySink();
  logger = new Logger({ level: 'debug', sink });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A keyring that keeps entries in memory, standing in for the OS one (tested for real in test/integration). */
function memoryKeyring(): KeyringBackend & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return { entries, get: async (a) => entries.get(a) ?? null, set: async (a, v) => void entries.set(a, v) };
}
const brokenKeyring: KeyringBackend = {
  get: async () => {
    throw new Error('DBus error: no Secret Service on this bus');
  },
  set: async () => {
    throw new Error('unreachable');
  },
};

const resolve = (over: Partial<ResolveMasterKeyOptions> = {}) => resolveMasterKey({ env: {}, dataDir: dir, logger, ...over });
async function rejection(p: Promise<unknown>): Promise<NanoclawError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NanoclawError) return err;
    throw err;
  }
  throw new Error('expected a NanoclawError');
}

describe('resolveMasterKey', () => {
  it('reads NANOCLAW_VAULT_KEY_FILE as 32 raw bytes or 64 hex characters, and nothing else', async () => {
    const key = randomBytes(32);
    const raw = join(dir, 'raw.key');
    const hex = join(dir, 'hex.key');
    writeFileSync(raw, key);
    writeFileSync(hex, `  ${key.toString('hex').toUpperCase()}\n`);
    for (const file of [raw, hex]) {
      const got = await resolve({ env: { NANOCLAW_VAULT_KEY_FILE: file }, keyring: brokenKeyring });
      expect(got.source).toBe('env-file');
      expect(got.key.equals(key)).toBe(true);
    }
    const missing = await rejection(resolve({ env: { NANOCLAW_VAULT_KEY_FILE: join(dir, 'nope.key') } }));
    expect(missing.code).toBe('master_key_unreadable');
    expect(missing.hint).toContain('NANOCLAW_VAULT_KEY_FILE');
    const secretish = `not-a-key-${randomBytes(6).toString('hex')}`;
    writeFileSync(join(dir, 'bad.key'), secretish);
    const bad = await rejection(resolve({ env: { NANOCLAW_VAULT_KEY_FILE: join(dir, 'bad.key') } }));
    expect(bad.code).toBe('master_key_invalid');
    expect(bad.message).not.toContain(secretish);
    expect(sink.lines).toEqual([]);
  });

  it('keeps a new key in the keyring, reads it back, and writes nothing to the data dir', async () => {
    const keyring = memoryKeyring();
    const first = await resolve({ keyring });
    const second = await resolve({ keyring });
    expect(first.source).toBe('keyring');
    expect(second.key.equals(first.key)).toBe(true);
    expect(keyring.entries.get(keyringAccount(dir))).toBe(first.key.toString('hex'));
    expect(keyringAccount(dir)).toMatch(/^vault-master-key:[0-9a-f]{16}$/);
    expect(keyringAccount(join(dir, 'other'))).not.toBe(keyringAccount(dir));
    expect(readdirSync(dir)).toEqual([]);
    expect(sink.lines).toEqual([]);
  });

  it('falls back to a 0600 master.key with one warning that says why, then reuses it quietly', async () => {
    const first = await resolve({ keyring: brokenKeyring });
    expect(first.source).toBe('file');
    const file = join(dir, 'master.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.key.toString('hex'));
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]).toMatch(/WARN .*keyring.*master\.key.*no Secret Service/);
    expect(sink.lines[0]).not.toContain(first.key.toString('hex'));

    chmodSync(file, 0o644);
    const second = await resolve({ keyring: null });
    expect(second).toMatchObject({ source: 'file' });
    expect(second.key.equals(first.key)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(sink.lines).toHaveLength(1);
    // The file stays the key once it exists, even when a keyring becomes available later.
    expect((await resolve({ keyring: memoryKeyring() })).source).toBe('file');
  });

  it('never makes a new key beside an existing vault, and refuses a garbled keyring entry', async () => {
    writeFileSync(join(dir, 'vault.db'), '');
    const err = await rejection(resolve({ keyring: brokenKeyring }));
    expect(err.code).toBe('master_key_missing');
    expect(err.message).toContain('no Secret Service');
    expect(err.hint).toContain('ncl vault restore');
    expect(existsSync(join(dir, 'master.key'))).toBe(false);

    const keyring = memoryKeyring();
    keyring.entries.set(keyringAccount(dir), 'garbage');
    expect((await rejection(resolve({ keyring }))).code).toBe('master_key_invalid');
  });

  it('lets the first of two racing creators win the key file', async () => {
    const path = join(dir, 'race.key');
    const [a, b] = await Promise.all([createKeyFile(path, randomBytes(32)), createKeyFile(path, randomBytes(32))]);
    expect(a.equals(b)).toBe(true);
    expect(readdirSync(dir)).toEqual(['race.key']);
  });
});

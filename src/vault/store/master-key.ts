import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NanoclawError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { createKeyFile, generateMasterKey, readKeyFile, readKeyFileIfPresent } from './key-file.js';
import { keyringAccount, osKeyring, type KeyringBackend } from './keyring-backend.js';

export const KEY_FILE_ENV = 'NANOCLAW_VAULT_KEY_FILE';
export const KEY_FILE_NAME = 'master.key';

export interface ResolveMasterKeyOptions {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  logger: Logger;
  /** Keyring service name; default `nanoclaw`. */
  keyringService?: string;
  /** Replaces the OS keyring; `null` means no keyring at all (forces the file). */
  keyring?: KeyringBackend | null;
  /** The vault database's file name in dataDir; default `vault.db`. */
  dbFile?: string;
}

export type MasterKeySource = 'env-file' | 'keyring' | 'file';

export interface MasterKey {
  key: Buffer;
  source: MasterKeySource;
}

/**
 * Finds the vault's master key, creating it for a new vault. In order: the file named by
 * NANOCLAW_VAULT_KEY_FILE (containers); `<dataDir>/master.key`; the OS keyring entry for this
 * data dir; else a new key, in the keyring if one works, otherwise in a 0600 master.key with one
 * warning. Never makes a new key beside an existing vault.db: that key could not open it.
 */
export async function resolveMasterKey(options: ResolveMasterKeyOptions): Promise<MasterKey> {
  const keyFile = options.env[KEY_FILE_ENV];
  if (keyFile) {
    const hint = `Point ${KEY_FILE_ENV} at the vault key file (32 raw bytes or 64 hex characters), or unset it`;
    return { key: await readKeyFile(keyFile, hint), source: 'env-file' };
  }
  // A key file, once made, stays the key: the keyring is not even asked.
  const filePath = join(options.dataDir, KEY_FILE_NAME);
  const fromFile = await readKeyFileIfPresent(filePath);
  if (fromFile) return { key: fromFile, source: 'file' };

  const keyring = options.keyring === undefined ? osKeyring({ service: options.keyringService }) : options.keyring;
  const account = keyringAccount(options.dataDir);
  let keyringProblem = keyring ? null : 'no keyring was configured';
  let stored: string | null = null;
  if (keyring) {
    try {
      stored = await keyring.get(account);
    } catch (err) {
      keyringProblem = firstLine(errorMessage(err));
    }
  }
  if (stored !== null) return { key: fromKeyring(stored, account), source: 'keyring' };

  const dbPath = join(options.dataDir, options.dbFile ?? 'vault.db');
  if (existsSync(dbPath)) throw keyMissing(dbPath, keyringProblem);

  const key = generateMasterKey();
  if (keyring && !keyringProblem) {
    try {
      await keyring.set(account, key.toString('hex'));
      const readBack = await keyring.get(account);
      if (readBack !== null) return { key: fromKeyring(readBack, account), source: 'keyring' };
      keyringProblem = 'the keyring accepted the key but did not return it';
    } catch (err) {
      keyringProblem = firstLine(errorMessage(err));
    }
  }
  const written = await createKeyFile(filePath, key);
  options.logger.warn('No usable OS keyring: the vault master key is in a file (mode 0600)', {
    file: filePath,
    reason: keyringProblem ?? 'unknown',
  });
  return { key: written, source: 'file' };
}

function fromKeyring(stored: string, account: string): Buffer {
  const hex = stored.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new NanoclawError('master_key_invalid', `The keyring entry nanoclaw/${account} does not hold a 64-hex-character key`, {
      hint: 'Restore the entry from a copy of the key, or remove it and restore a backup: ncl vault restore FILE',
    });
  }
  return Buffer.from(hex, 'hex');
}

function keyMissing(dbPath: string, keyringProblem: string | null): NanoclawError {
  const why = keyringProblem ? `the OS keyring is not usable (${keyringProblem})` : 'the OS keyring has no entry for it';
  return new NanoclawError('master_key_missing', `The vault ${dbPath} exists but its master key is not reachable: ${why}, and there is no master.key beside it`, {
    hint:
      `Unlock or start your keyring (Secret Service), or set ${KEY_FILE_ENV} to the key file; ` +
      'if the key is lost, restore a backup into a new data dir: ncl vault restore FILE --data-dir DIR',
  });
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 200);
}

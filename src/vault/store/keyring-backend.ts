import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** Where a master key can be kept outside the data dir. Injectable so tests can force the file path. */
export interface KeyringBackend {
  /** The stored value, or null when there is no entry. Throws when the keyring cannot be used. */
  get(account: string): Promise<string | null>;
  /** Throws when the keyring cannot be used. */
  set(account: string, value: string): Promise<void>;
}

export const KEYRING_SERVICE = 'nanoclaw';

/** One keyring entry per vault data dir, so two vaults on one machine keep two keys. */
export function keyringAccount(dataDir: string): string {
  const digest = createHash('sha256').update(resolve(dataDir), 'utf8').digest('hex');
  return `vault-master-key:${digest.slice(0, 16)}`;
}

export interface OsKeyringOptions {
  service?: string;
  /** A locked keyring on a headless machine can wait forever for an unlock prompt. */
  timeoutMs?: number;
}

/**
 * The OS keyring through @napi-rs/keyring (macOS Keychain, Windows Credential Manager, Linux
 * Secret Service). On Linux it is pinned to the Secret Service: the library's fallback, the
 * kernel keyring, forgets everything at reboot, which would lose the vault with its key.
 * Note: the library connects to D-Bus once per process, with the DBUS_SESSION_BUS_ADDRESS of
 * the first call, and keeps that connection (or that failure) for the life of the process.
 */
export function osKeyring({ service = KEYRING_SERVICE, timeoutMs = 30_000 }: OsKeyringOptions = {}): KeyringBackend {
  // Loaded on first use: processes that get their key from a file never load the native module.
  const entry = async (account: string) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
  };
  return {
    async get(account) {
      return (await (await entry(account)).getPassword(AbortSignal.timeout(timeoutMs))) ?? null;
    },
    async set(account, value) {
      await (await entry(account)).setPassword(value, AbortSignal.timeout(timeoutMs));
    },
  };
}

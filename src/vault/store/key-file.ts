import { chmod, link, readFile, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../common/atomic-write.js';
import { NanoclawError, errorMessage } from '../../common/errors.js';
import { KEY_BYTES } from './crypto.js';

/** A new master key: 32 random bytes. */
export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** The key in a file's bytes: 32 raw bytes, or 64 hex characters with optional surrounding whitespace. */
export function parseKeyBytes(bytes: Buffer): Buffer | null {
  if (bytes.length === KEY_BYTES) return Buffer.from(bytes);
  const hex = bytes.toString('latin1').trim();
  return /^[0-9a-fA-F]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}

/** Reads a key file that must exist and hold a key. The file's content never appears in an error. */
export async function readKeyFile(path: string, hint: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NanoclawError('master_key_unreadable', `Cannot read the vault key file ${path}: ${errorMessage(err)}`, { hint, cause: err });
  }
  const key = parseKeyBytes(bytes);
  if (!key) {
    throw new NanoclawError(
      'master_key_invalid',
      `The vault key file ${path} holds ${bytes.length} bytes; it must hold 32 raw bytes or 64 hex characters`,
      { hint },
    );
  }
  return key;
}

/** Reads `path` when it exists (tightening a too-open mode to 0600); null when there is no such file. */
export async function readKeyFileIfPresent(path: string): Promise<Buffer | null> {
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (mode & 0o077) await chmod(path, 0o600);
  return readKeyFile(path, `Restore the right ${path} from a copy, or move it away to start a new vault`);
}

/**
 * Writes `key` as hex to `path` (0600) unless the file already exists, and returns the key the
 * file holds afterwards: when two processes race, both end up with the first one's key.
 */
export async function createKeyFile(path: string, key: Buffer): Promise<Buffer> {
  const staging = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  await writeFileAtomic(staging, key.toString('hex') + '\n', { mode: 0o600 });
  try {
    await link(staging, path); // fails with EEXIST instead of replacing another process's key
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKeyFile(path, `Move ${path} away and try again`);
    // A filesystem without hard links: a plain atomic rename, which only loses the race guard.
    await rename(staging, path);
    return key;
  } finally {
    await rm(staging, { force: true });
  }
}

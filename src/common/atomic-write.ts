import { constants } from 'node:fs';
import { open, rename, rm, stat, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { nodeCrypto } from './node-crypto.js';

export interface AtomicWriteOptions {
  /** File mode; defaults to the existing file's mode, else 0o600 (files we write often hold keys). */
  mode?: number;
}

async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` to `path` so that a crash at any moment leaves either the old bytes or
 * the new bytes: temp file in the same directory, fsync, rename over, fsync the directory.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const mode = options.mode ?? (await existingMode(path)) ?? 0o600;
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed the mode given to open()
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse to open a directory, which is fine.
  try {
    const d = await open(dir, constants.O_RDONLY);
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort */
  }
}

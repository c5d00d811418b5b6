import { chmod, chown, lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-write.js';
import { NanoclawError } from '../common/errors.js';

export interface KeyMountOptions {
  /** A private runtime directory (ProjectPaths.runtimeDir); made 0700. Never the project dir. */
  dir: string;
  /** File name, e.g. `<container>.key`. */
  fileName: string;
  key: Buffer;
  /** Owner for the container's user when the host runs as root. */
  chownTo?: { uid: number; gid: number } | null;
}

async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = await lstat(dir);
  if (!s.isDirectory() || (typeof process.getuid === 'function' && s.uid !== process.getuid())) {
    throw new NanoclawError('runtime_dir_unsafe', `${dir} is not a directory owned by you; the vault key is not written there`, {
      hint: `Remove it (rm -rf ${dir}) or point XDG_RUNTIME_DIR at a private directory, then run the command again`,
    });
  }
  if ((s.mode & 0o077) !== 0) await chmod(dir, 0o700);
}

/**
 * Writes the master key (hex) to `<dir>/<fileName>`, mode 0600, for a read-only bind mount.
 * Returns the path and whether the content changed: a running container keeps the old file
 * (the mount holds the replaced inode), so a change means "recreate the container".
 */
export async function writeKeyMount(options: KeyMountOptions): Promise<{ path: string; changed: boolean }> {
  const { key, ...rest } = options;
  return writeSecretMount({ ...rest, content: key.toString('hex') + '\n' });
}

/** Like writeKeyMount, for any secret text the vault container reads from a file (a bot token). */
export async function writeSecretMount(options: Omit<KeyMountOptions, 'key'> & { content: string }): Promise<{ path: string; changed: boolean }> {
  await privateDir(options.dir);
  const path = join(options.dir, options.fileName);
  const before = await readFile(path, 'utf8').catch(() => null);
  const changed = before !== options.content;
  if (changed) await writeFileAtomic(path, options.content, { mode: 0o600 });
  else await chmod(path, 0o600);
  if (options.chownTo) await chown(path, options.chownTo.uid, options.chownTo.gid);
  return { path, changed };
}

/** Removes the key file written by writeKeyMount; never throws when it is already gone. */
export async function removeKeyMount(dir: string, fileName: string): Promise<void> {
  await rm(join(dir, fileName), { force: true });
}

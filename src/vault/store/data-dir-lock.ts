import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NanoclawError, errorMessage } from '../../common/errors.js';

export const LOCK_FILE_NAME = 'vault.lock';

/** Who holds a data directory: written into its lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Tells this holder's file from a later one's with the same pid (a restarted container). */
  nonce: string;
}

export type OwnerState = 'alive' | 'gone' | 'elsewhere';

/**
 * Whether a lock's owner still runs. Pure: `alive(pid)` is the probe. A lock of this very pid
 * is left over from an earlier life of this process's slot (a restarted container: pid 1 again).
 */
export function ownerState(owner: LockOwner | null, self: { pid: number; host: string }, alive: (pid: number) => boolean): OwnerState {
  if (owner === null) return 'gone';
  if (owner.host !== self.host) return 'elsewhere';
  if (owner.pid === self.pid) return 'gone';
  return alive(owner.pid) ? 'alive' : 'gone';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { command: '?', since: '?', nonce: '', ...o } as LockOwner : null;
  } catch {
    return null;
  }
}

export interface DataDirLock {
  path: string;
  /** Removes the lock file if it is still this holder's; never throws. */
  release(): void;
}

export interface AcquireOptions {
  dataDir: string;
  /** What holds it, shown to a command that is refused (e.g. `ncl vault serve`). */
  command: string;
  /**
   * A lock from another host (the vault container, seen from a shared volume) cannot be checked:
   * `take-over` (the vault starting again in a new container) or `refuse` (commands that change data).
   */
  foreign: 'take-over' | 'refuse';
  /** Where the directory came from, for the message when it cannot be written (`--data-dir`, `NANOCLAW_VAULT_DIR`). */
  setting?: string;
}

function inUse(dataDir: string, lockPath: string, owner: LockOwner, elsewhere: boolean): NanoclawError {
  const who = `process ${owner.pid}${elsewhere ? ` on host ${owner.host}` : ''} (${owner.command}, since ${owner.since})`;
  return new NanoclawError('vault_in_use', `The vault data directory ${dataDir} is in use by ${who}`, {
    hint: elsewhere
      ? `Stop that vault first (ncl vault down for the container). If it no longer runs, remove ${lockPath} and run this again`
      : `Stop that vault first (Ctrl-C where it runs, or kill ${owner.pid}; ncl vault down for the container), then run this again`,
    details: { pid: owner.pid, host: owner.host, command: owner.command },
  });
}

/**
 * Takes the data directory for this process: a lock file made with O_EXCL that names the holder.
 * A lock whose holder is gone is taken over; a live holder's makes this throw `vault_in_use`.
 * Creates the directory (0700) when missing; one it cannot write is `data_dir_unwritable`, naming `setting`.
 */
export async function acquireDataDirLock(options: AcquireOptions): Promise<DataDirLock> {
  const path = join(options.dataDir, LOCK_FILE_NAME);
  const self = { pid: process.pid, host: hostname() };
  const mine: LockOwner = { ...self, command: options.command, since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  const text = JSON.stringify(mine) + '\n';
  const unwritable = (err: unknown) =>
    new NanoclawError('data_dir_unwritable', `Cannot write the vault data directory ${options.dataDir} (${errorMessage(err)})`, {
      hint: `Set ${options.setting ?? 'the data directory'} to a directory this user can write, or fix its owner and mode (it is ${options.dataDir} now)`,
      cause: err,
    });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw unwritable(err);
  });
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(text);
      } finally {
        await handle.close();
      }
      return { path, release: () => releaseIfMine(path, mine.nonce) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(err);
    }
    const owner = parseOwner(await readFile(path, 'utf8').catch(() => ''));
    const state = ownerState(owner, self, pidAlive);
    if (owner && state === 'alive') throw inUse(options.dataDir, path, owner, false);
    if (owner && state === 'elsewhere' && options.foreign === 'refuse') throw inUse(options.dataDir, path, owner, true);
    // Gone (or a container's lock the vault itself takes over): remove it and try again.
    await unlink(path).catch(() => undefined);
  }
  throw new NanoclawError('vault_lock_contended', `Could not take ${path}: other processes keep taking it`, {
    hint: 'Check which nanoclaw processes use this data directory, then run this again',
  });
}

function releaseIfMine(path: string, nonce: string): void {
  try {
    if (parseOwner(readFileSync(path, 'utf8'))?.nonce === nonce) unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Runs `fn` while holding the data directory; refuses while a vault (or another command) holds it. */
export async function withDataDirLock<T>(options: { dataDir: string; command: string; setting?: string }, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireDataDirLock({ ...options, foreign: 'refuse' });
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

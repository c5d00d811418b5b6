import { hostname } from 'node:os';
import { open, readFile, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { NanoclawError } from '../../src/common/errors.js';

export interface FileLockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number;
  /** A lock older than this is taken over even if its owner looks alive. */
  staleMs?: number;
  pollMs?: number;
}

function ownerAlive(content: string): boolean {
  const [pid, host] = content.split('\n');
  if (host !== hostname()) return true; // cannot tell: trust the age check instead
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function tryAcquire(path: string, staleMs: number): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    await handle.writeFile(`${process.pid}\n${hostname()}\n${Date.now()}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const content = await readFile(path, 'utf8').catch(() => '');
  const since = Number(content.split('\n')[2]);
  const stale = !ownerAlive(content) || (Number.isFinite(since) && Date.now() - since > staleMs);
  // An owner that died mid-build leaves its lock behind; take it over. Two waiters may both
  // do so at once: the worst outcome is one redundant build, never a broken image.
  if (content !== '' && stale) await unlink(path).catch(() => undefined);
  return false;
}

/**
 * Runs `fn` while holding an exclusive lock file shared by every process on this machine
 * (O_EXCL create; the file records pid, host and time so a crashed owner is detected).
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const { timeoutMs = 15 * 60_000, staleMs = 30 * 60_000, pollMs = 200 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await tryAcquire(path, staleMs))) {
    if (Date.now() > deadline) {
      throw new NanoclawError('lock_timeout', `Timed out after ${timeoutMs} ms waiting for ${path}`, {
        hint: `If no other test run is building, remove the lock: rm -f ${path}`,
      });
    }
    await sleep(pollMs);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from '../support/file-lock.js';

describe('withFileLock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nanoclaw-lock-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one holder in at a time and releases the lock afterwards', async () => {
    const lock = join(dir, 'x.lock');
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        withFileLock(lock, async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await sleep(30);
          order.push(n);
          inside -= 1;
        }, { pollMs: 5 }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order.sort()).toEqual([1, 2, 3, 4]);
    await expect(readFile(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock left by a process that died', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const lock = join(dir, 'stale.lock');
    await writeFile(lock, `${dead.pid}\n${hostname()}\n${Date.now()}\n`);
    const result = await withFileLock(lock, async () => 'got it', { timeoutMs: 2_000, pollMs: 5 });
    expect(result).toBe('got it');
  });

  it('times out with the command to clear a lock held by a live process', async () => {
    const lock = join(dir, 'held.lock');
    await writeFile(lock, `${process.pid}\n${hostname()}\n${Date.now()}\n`);
    await expect(
      withFileLock(lock, async () => 'never', { timeoutMs: 100, pollMs: 10 }),
    ).rejects.toMatchObject({ code: 'lock_timeout', hint: expect.stringContaining(`rm -f ${lock}`) });
  });
});

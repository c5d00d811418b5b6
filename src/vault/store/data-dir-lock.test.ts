import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNanoclawError } from '../../common/errors.js';
import { acquireDataDirLock, LOCK_FILE_NAME, ownerState, withDataDirLock, type LockOwner } from './data-dir-lock.js';

const owner = (o: Partial<LockOwner>): LockOwner => ({ pid: 10, host: 'h', command: 'ncl vault serve', since: 't', nonce: 'n', ...o });

describe('ownerState', () => {
  const self = { pid: 1, host: 'h' };
  it('is alive only for a live process on this host other than this one', () => {
    expect(ownerState(owner({}), self, () => true)).toBe('alive');
    expect(ownerState(owner({}), self, () => false)).toBe('gone');
    // A restarted container runs as the same pid again: its old lock is its own.
    expect(ownerState(owner({ pid: 1 }), self, () => true)).toBe('gone');
    expect(ownerState(owner({ host: 'other' }), self, () => true)).toBe('elsewhere');
    expect(ownerState(null, self, () => true)).toBe('gone');
  });
});

describe('acquireDataDirLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ncl-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function liveChild() {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    return child;
  }

  it('refuses while a live process holds it, naming the pid and command, and takes over once it is gone', async () => {
    const child = await liveChild();
    const path = join(dir, 'data', LOCK_FILE_NAME);
    const held = owner({ pid: child.pid!, host: hostname(), command: 'ncl vault serve --api-listen :1' });
    mkdirSync(join(dir, 'data'));
    writeFileSync(path, JSON.stringify(held));
    const err = await withDataDirLock({ dataDir: join(dir, 'data'), command: 'ncl vault restore' }, async () => 'ran').catch((e: unknown) => e);
    expect(isNanoclawError(err) && err.code).toBe('vault_in_use');
    expect((err as Error).message).toContain(`process ${child.pid} (ncl vault serve --api-listen :1`);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await withDataDirLock({ dataDir: join(dir, 'data'), command: 'ncl vault restore' }, async () => JSON.parse(readFileSync(path, 'utf8')).command)).toBe('ncl vault restore');
    expect(existsSync(path)).toBe(false);
  });

  it('a lock from another host: the vault takes it over, a command that changes data refuses', async () => {
    const path = join(dir, LOCK_FILE_NAME);
    writeFileSync(path, JSON.stringify(owner({ host: 'container-1' })));
    const err = await acquireDataDirLock({ dataDir: dir, command: 'restore', foreign: 'refuse' }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('on host container-1');
    expect((err as { hint: string }).hint).toContain(`remove ${path}`);
    const lock = await acquireDataDirLock({ dataDir: dir, command: 'serve', foreign: 'take-over' });
    expect(JSON.parse(readFileSync(path, 'utf8')).command).toBe('serve');
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('release leaves a later holder’s lock alone', async () => {
    const first = await acquireDataDirLock({ dataDir: dir, command: 'a', foreign: 'refuse' });
    const second = await acquireDataDirLock({ dataDir: dir, command: 'b', foreign: 'take-over' }); // same pid: taken over
    first.release();
    expect(JSON.parse(readFileSync(second.path, 'utf8')).command).toBe('b');
    second.release();
    expect(existsSync(second.path)).toBe(false);
  });

  it('a directory it cannot create is data_dir_unwritable, naming the setting', async () => {
    writeFileSync(join(dir, 'file'), '');
    const err = await acquireDataDirLock({ dataDir: join(dir, 'file', 'v'), command: 'a', foreign: 'refuse', setting: 'NANOCLAW_VAULT_DIR' }).catch((e: unknown) => e);
    expect(isNanoclawError(err) && err.code).toBe('data_dir_unwritable');
    expect((err as { hint: string }).hint).toContain('Set NANOCLAW_VAULT_DIR');
  });
});

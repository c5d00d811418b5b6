import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, markStepDone, readSetupState, recordedFor, setupStatePath } from './setup-state.js';

let dir = '';
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('setup state file', () => {
  it('records finished steps in .nanoclaw/setup-state.json and reads them back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'setup-state-'));
    const file = setupStatePath(dir);
    expect(file).toBe(join(dir, '.nanoclaw', 'setup-state.json'));
    const state = await readSetupState(file);
    expect(state).toEqual(emptyState());
    await markStepDone(file, state, 'vault', { vaultUrl: 'http://127.0.0.1:10254', group: 'main' }, new Date('2025-01-02T03:04:05Z'));
    const again = await readSetupState(file);
    expect(again.completed.vault).toEqual({ at: '2025-01-02T03:04:05.000Z', vaultUrl: 'http://127.0.0.1:10254', group: 'main' });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(recordedFor(again, 'vault', { vaultUrl: 'http://127.0.0.1:10254' })).toBe(true);
    expect(recordedFor(again, 'vault', { vaultUrl: 'http://127.0.0.1:9999' })).toBe(false);
    expect(recordedFor(again, 'vault', { group: 'other' })).toBe(false);
    expect(recordedFor(again, 'auth', {})).toBe(false);
  });

  it('starts over from an empty state when the file is damaged (steps re-check the world anyway)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'setup-state-'));
    const file = setupStatePath(dir);
    await markStepDone(file, emptyState(), 'auth', {});
    await writeFile(file, '{"version": 1, "completed": {"auth": ');
    expect(await readSetupState(file)).toEqual(emptyState());
    await writeFile(file, JSON.stringify({ version: 7, completed: {} }));
    expect(await readSetupState(file)).toEqual(emptyState());
    expect(await readFile(file, 'utf8')).toBe('{"version":7,"completed":{}}') // reading never rewrites it;
  });
});

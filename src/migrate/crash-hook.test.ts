import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { crashHookFromEnv } from './crash-hook.js';

function hook(env: Record<string, string>) {
  const log: string[] = [];
  let killed = 0;
  const cp = crashHookFromEnv({ env, log: (l) => log.push(l), kill: () => void killed++ });
  return { cp, log, killed: () => killed };
}


describe('crashHookFromEnv', () => {
  it('does nothing unless NANOCLAW_TEST_HOOKS=1', () => {
    expect(crashHookFromEnv({ env: { NANOCLAW_TEST_CRASH_AT: '1' }, log: () => {} })).toBeUndefined();
  });

  it('announces each checkpoint and kills at the Nth', () => {
    const h = hook({ NANOCLAW_TEST_HOOKS: '1', NANOCLAW_TEST_CRASH_AT: '2' });
    h.cp!('start');
    expect(h.killed()).toBe(0);
    h.cp!('saved A');
    expect(h.killed()).toBe(1);
    expect(h.log).toEqual(['test-hook: checkpoint 1 start', 'test-hook: checkpoint 2 saved A']);
  });

  it('with N+T, kills when the Tth file operation after the Nth checkpoint completes', async () => {
    const h = hook({ NANOCLAW_TEST_HOOKS: '1', NANOCLAW_TEST_CRASH_AT: '1+3' });
    await stat(tmpdir());
    h.cp!('before-env-write');
    await stat(tmpdir());
    await stat(tmpdir());
    expect(h.killed()).toBe(0);
    await stat(tmpdir());
    expect(h.killed()).toBe(1);
    await stat(tmpdir());
    expect(h.killed()).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { withReadCache } from './read-cache.js';
import type { VaultStore } from './types.js';

/** A store whose reads count how often they reach it, and may move the version while they run. */
function fakeStore() {
  const state = { version: 1 as number | null, reads: 0, duringRead: () => {} };
  const read = <T>(value: () => T) => () => {
    state.reads++;
    state.duringRead();
    return value();
  };
  const store = {
    path: 'fake',
    agents: {
      get: read(() => ({ id: 'agt_1', name: 'a' })),
      getByIdentifier: read(() => null),
      findByToken: read(() => ({ id: 'agt_1' })),
      grantedSecrets: read(() => [{ id: 'sec_1' }]),
    },
    secrets: { list: read(() => [{ id: 'sec_1' }]), get: read(() => null), reveal: read(() => 'value') },
  } as unknown as VaultStore;
  return { state, cached: withReadCache(store, () => state.version) };
}

describe('read cache', () => {
  it('reads once per version, and again once the version moves', () => {
    const { state, cached } = fakeStore();
    const first = cached.secrets.list();
    expect(cached.secrets.list()).toBe(first);
    cached.agents.findByToken('aoc_x');
    cached.agents.findByToken('aoc_x');
    expect(state.reads).toBe(2);
    state.version = 2;
    expect(cached.secrets.list()).not.toBe(first);
    expect(state.reads).toBe(3);
  });

  it('keeps apart different arguments and different reads', () => {
    const { state, cached } = fakeStore();
    cached.agents.get('agt_1');
    cached.agents.get('agt_2');
    cached.agents.grantedSecrets('agt_1');
    cached.agents.getByIdentifier('agt_1');
    expect(state.reads).toBe(4);
  });

  it('keeps nothing read inside a transaction, nor what was read while the version moved', () => {
    const { state, cached } = fakeStore();
    state.version = null;
    cached.secrets.list();
    cached.secrets.list();
    expect(state.reads).toBe(2);
    state.version = 5;
    state.duringRead = () => void (state.version = 6);
    cached.secrets.list();
    state.duringRead = () => {};
    cached.secrets.list();
    expect(state.reads).toBe(4);
  });

  it('never caches a revealed value, and hands out frozen results', () => {
    const { state, cached } = fakeStore();
    cached.secrets.reveal('sec_1');
    cached.secrets.reveal('sec_1');
    expect(state.reads).toBe(2);
    const list = cached.secrets.list();
    expect(Object.isFrozen(list) && Object.isFrozen(list[0])).toBe(true);
  });
});

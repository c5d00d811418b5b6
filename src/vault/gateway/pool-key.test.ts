import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { poolKey } from './pool-key.js';

describe('poolKey', () => {
  it('gives one key per (agent, secret) pair and another for every other pair, also once more pairs were seen than it keeps', () => {
    const r = seededRandom(1406);
    const id = (prefix: string) => `${prefix}_${Math.floor(r() * 0xffffff).toString(16)}`;
    const pairs = Array.from({ length: 6_000 }, () => ({ agentId: id('agt'), secretId: r() < 0.1 ? null : id('sec') }));
    const first = pairs.map((p) => poolKey(p));
    // Asked again, after the cache was cleared on the way: equal text for the same pair.
    pairs.forEach((p, i) => expect(poolKey({ ...p }), `pair ${i}`).toBe(first[i]));
    const byKey = new Map<string, string>();
    pairs.forEach((p, i) => {
      const pair = `${p.agentId}/${p.secretId}`;
      expect(byKey.get(first[i]!) ?? pair, `key ${i}`).toBe(pair);
      byKey.set(first[i]!, pair);
    });
    expect(poolKey({ agentId: 'agt_1', secretId: null })).not.toBe(poolKey({ agentId: 'agt_1', secretId: 'sec_1' }));
    expect(poolKey({ agentId: 'agt_1', secretId: 'sec_1' })).not.toBe(poolKey({ agentId: 'agt_2', secretId: 'sec_1' }));
  });
});

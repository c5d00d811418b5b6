import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { PairCache } from './pair-cache.js';

describe('PairCache', () => {
  it('answers as a map keyed by the joined pair would, for generated pairs, until it holds max pairs', () => {
    const r = seededRandom(77);
    const cache = new PairCache<string, number, string>({ max: 50 });
    const model = new Map<string, string>();
    for (let i = 0; i < 2_000; i++) {
      const a = `a${Math.floor(r() * 8)}`;
      const b = Math.floor(r() * 10);
      if (r() < 0.5) {
        const v = `v${i}`;
        if (model.size >= 50 && !model.has(`${a}|${b}`)) model.clear();
        cache.set(a, b, v);
        model.set(`${a}|${b}`, v);
      }
      expect(cache.get(a, b)).toBe(model.get(`${a}|${b}`));
    }
  });

  it('keeps pairs with the same first key apart, and one first key apart from another', () => {
    const cache = new PairCache<object, string, number>({ max: 10 });
    const x = {};
    const y = {};
    cache.set(x, 'k', 1);
    cache.set(x, 'l', 2);
    cache.set(y, 'k', 3);
    expect([cache.get(x, 'k'), cache.get(x, 'l'), cache.get(y, 'k'), cache.get(y, 'l')]).toEqual([1, 2, 3, undefined]);
  });

  it('obtain makes a missing pair once and hands out the kept value after', () => {
    const cache = new PairCache<string, number, { made: string }>({ max: 10 });
    let calls = 0;
    const make = (a: string, b: number) => ((calls += 1), { made: `${a}${b}` });
    const first = cache.obtain('a', 1, make);
    expect(first).toEqual({ made: 'a1' });
    expect(cache.obtain('a', 1, make)).toBe(first);
    expect(cache.obtain('a', 2, make)).toEqual({ made: 'a2' });
    expect(calls).toBe(2);
  });
});

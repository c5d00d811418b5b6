import { describe, expect, it } from 'vitest';
import { roundOrder } from './run-cases.js';

describe('roundOrder', () => {
  it('over as many rounds as subjects, every subject runs once in every place, and each round runs them all', () => {
    for (let n = 1; n <= 6; n++) {
      const subjects = Array.from({ length: n }, (_, i) => `s${i}`);
      const places = subjects.map(() => new Set<string>());
      for (let round = 1; round <= n; round++) {
        const order = roundOrder(subjects, round);
        expect([...order].sort()).toEqual([...subjects].sort());
        order.forEach((s, place) => places[place]!.add(s));
      }
      for (const seen of places) expect(seen.size).toBe(n);
    }
  });

  it('round 1 keeps the given order; the input is not changed', () => {
    const subjects = ['direct', 'gateway', 'gateway-baseline', 'floor'];
    expect(roundOrder(subjects, 1)).toEqual(subjects);
    expect(roundOrder(subjects, 2)).toEqual(['gateway', 'gateway-baseline', 'floor', 'direct']);
    expect(subjects).toEqual(['direct', 'gateway', 'gateway-baseline', 'floor']);
    expect(roundOrder([], 3)).toEqual([]);
  });
});

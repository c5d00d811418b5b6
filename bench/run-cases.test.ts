import { describe, expect, it } from 'vitest';
import { roundOrder, roundShare, williamsRows } from './run-cases.js';

describe('roundOrder', () => {
  it('over a whole design, every subject runs equally often in every place and right after every other', () => {
    for (let n = 1; n <= 9; n++) {
      const subjects = Array.from({ length: n }, (_, i) => `s${i}`);
      const rows = williamsRows(n).length;
      expect(rows).toBe(n % 2 === 0 ? n : 2 * n);
      const places = new Map<string, number>();
      const follows = new Map<string, number>();
      for (let round = 1; round <= rows; round++) {
        const order = roundOrder(subjects, round);
        expect([...order].sort()).toEqual([...subjects].sort());
        order.forEach((s, place) => places.set(`${s}@${place}`, (places.get(`${s}@${place}`) ?? 0) + 1));
        for (let i = 1; i < n; i++) {
          const key = `${order[i - 1]}>${order[i]}`;
          follows.set(key, (follows.get(key) ?? 0) + 1);
        }
      }
      expect(places.size).toBe(n * n);
      expect(new Set(places.values())).toEqual(new Set([rows / n]));
      if (n > 1) {
        expect(follows.size).toBe(n * (n - 1));
        expect(new Set(follows.values())).toEqual(new Set([rows / n]));
      }
    }
  });

  it('round 1 starts with the first subject; later rounds go on through the design and wrap; the input is not changed', () => {
    const subjects = ['direct', 'gateway-baseline', 'gateway', 'floor'];
    expect(roundOrder(subjects, 1)).toEqual(['direct', 'gateway-baseline', 'floor', 'gateway']);
    expect(roundOrder(subjects, 2)).toEqual(['gateway-baseline', 'gateway', 'direct', 'floor']);
    expect(roundOrder(subjects, 5)).toEqual(roundOrder(subjects, 1));
    expect(subjects).toEqual(['direct', 'gateway-baseline', 'gateway', 'floor']);
    expect(roundOrder([], 3)).toEqual([]);
  });
});

describe('roundShare', () => {
  it('shares n samples over the rounds in turn, each taken once, the shares at most one apart', () => {
    for (let n = 1; n <= 50; n++) {
      for (let rounds = 1; rounds <= n; rounds++) {
        const shares = Array.from({ length: rounds }, (_, i) => roundShare(n, rounds, i + 1));
        expect(shares[0]![0]).toBe(0);
        expect(shares.at(-1)![1]).toBe(n);
        shares.slice(1).forEach(([start], i) => expect(start).toBe(shares[i]![1]));
        const sizes = shares.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(Math.min(...sizes)).toBeGreaterThan(0);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { medianBy, medianInterval, msSince, percentile, summarize, medianOfEach } from './stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(10);
  });

  it('is NaN without samples and the sample itself with one', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 1)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
  });

  it('p99 of 1000 samples is the 990th', () => {
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 99)).toBe(990);
  });
});

describe('summarize', () => {
  it('sorts numerically without touching the input', () => {
    const input = [10, 9, 100, 1, 2];
    const s = summarize(input);
    expect(input).toEqual([10, 9, 100, 1, 2]);
    expect(s).toEqual({ count: 5, min: 1, mean: 24.4, p50: 9, p90: 100, p99: 100, max: 100 });
  });

  it('reports NaN figures for no samples', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.mean).toBeNaN();
    expect(s.p50).toBeNaN();
  });
});

describe('msSince', () => {
  it('converts nanoseconds to milliseconds', () => {
    expect(msSince(1_000_000n, 3_500_000n)).toBe(2.5);
  });
});

describe('medianBy', () => {
  it('picks the middle item by key, the lower one for an even count', () => {
    const rounds = [{ rps: 900 }, { rps: 1200 }, { rps: 1000 }];
    expect(medianBy(rounds, (r) => r.rps)).toEqual({ rps: 1000 });
    expect(medianBy([{ rps: 2 }, { rps: 1 }], (r) => r.rps)).toEqual({ rps: 1 });
    expect(medianBy([], (r: { rps: number }) => r.rps)).toBeUndefined();
  });
});

describe('medianOfEach', () => {
  it('takes every number, nested ones too, as its own median over the items; other values from the median item', () => {
    const items = [
      { rps: 10, cpu: 50, lat: { p50: 1.0, p99: 9 }, tag: 'a' },
      { rps: 30, cpu: 40, lat: { p50: 3.0, p99: 4 }, tag: 'b' },
      { rps: 20, cpu: 70, lat: { p50: 2.0, p99: 5 }, tag: 'c' },
    ];
    // The median round by rps is 'c'; its own cpu (70) and p99 (5) are not the middle ones.
    expect(medianOfEach(items, (x) => x.rps)).toEqual({ rps: 20, cpu: 50, lat: { p50: 2.0, p99: 5 }, tag: 'c' });
    expect(items[2]).toEqual({ rps: 20, cpu: 70, lat: { p50: 2.0, p99: 5 }, tag: 'c' });
  });

  it('keeps null where the median item has null, skips NaN, and is undefined without items', () => {
    expect(medianOfEach([{ a: 1, b: null }, { a: 3, b: null }], (x) => x.a)).toEqual({ a: 1, b: null });
    expect(medianOfEach([{ a: 1, c: Number.NaN }, { a: 2, c: 4 }, { a: 3, c: 6 }], (x) => x.a)).toEqual({ a: 2, c: 4 });
    expect(medianOfEach([] as { a: number }[], (x) => x.a)).toBeUndefined();
  });
});

describe('medianInterval', () => {
  /** P(k-th smallest <= true median <= k-th largest) by brute force over every sign pattern. */
  function bruteCoverage(n: number, k: number): number {
    let inside = 0;
    for (let mask = 0; mask < 2 ** n; mask++) {
      let belowCount = 0;
      for (let i = 0; i < n; i++) if (mask & (1 << i)) belowCount++;
      // The true median lies inside when at least k values fall at or below it and at least k above.
      if (belowCount >= k && n - belowCount >= k) inside++;
    }
    return inside / 2 ** n;
  }

  it('picks the narrowest order-statistic interval whose exact coverage reaches the confidence', () => {
    for (let n = 1; n <= 15; n++) {
      const values = Array.from({ length: n }, (_, i) => (i * 7919) % 101); // distinct, unsorted
      const sorted = [...values].sort((a, b) => a - b);
      for (const confidence of [0.5, 0.8, 0.9, 0.95]) {
        const m = medianInterval(values, confidence)!;
        const k = sorted.indexOf(m.low) + 1;
        expect(sorted[n - k]).toBe(m.high);
        expect(m.coverage).toBeCloseTo(bruteCoverage(n, k), 12);
        const wider = bruteCoverage(n, k + 1);
        if (m.coverage >= confidence) expect(2 * (k + 1) > n + 1 || wider < confidence).toBe(true);
        else expect(k).toBe(1); // too few values: [min, max] and its own, lower coverage
        expect(m.low).toBeLessThanOrEqual(m.median);
        expect(m.median).toBeLessThanOrEqual(m.high);
      }
    }
  });

  it('eleven rounds at 90% take the 3rd smallest and 3rd largest; nothing gives undefined', () => {
    const m = medianInterval([5, 1, 9, 3, 11, 7, 2, 10, 4, 8, 6])!;
    expect(m).toMatchObject({ count: 11, median: 6, low: 3, high: 9 });
    expect(m.coverage).toBeCloseTo(1 - (2 * (1 + 11 + 55)) / 2048, 12);
    expect(medianInterval([])).toBeUndefined();
    expect(medianInterval([Number.NaN, 4])).toMatchObject({ count: 1, median: 4, low: 4, high: 4, coverage: 0 });
  });
});

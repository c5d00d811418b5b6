import { describe, expect, it } from 'vitest';
import { launchOnly, launchWanted } from './launch-case.js';

describe('launch case selection', () => {
  it('runs by default and when named in BENCH_CASES or BENCH_ONLY', () => {
    expect(launchWanted({ cases: null, only: null })).toBe(true);
    expect(launchWanted({ cases: ['launch', 'idle'], only: null })).toBe(true);
    expect(launchWanted({ cases: null, only: ['launch'] })).toBe(true);
  });

  it('is left out when a selector names other things only', () => {
    expect(launchWanted({ cases: ['idle'], only: null })).toBe(false);
    expect(launchWanted({ cases: null, only: ['gateway', 'squid'] })).toBe(false);
  });

  it('skips the proxy cases only when launch is the sole selection', () => {
    expect(launchOnly({ cases: ['launch'], only: null })).toBe(true);
    expect(launchOnly({ cases: null, only: ['launch'] })).toBe(true);
    expect(launchOnly({ cases: ['launch', 'sse'], only: null })).toBe(false);
    expect(launchOnly({ cases: null, only: null })).toBe(false);
    expect(launchOnly({ cases: [], only: null })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

const MIN = 60_000;

describe('RateLimiter (sliding)', () => {
  it('allows `limit` hits in any window and frees each slot one window after its hit', () => {
    const limiter = new RateLimiter();
    expect(limiter.tryHit('k', 2, MIN, 0)).toBe(true);
    expect(limiter.tryHit('k', 2, MIN, 30_000)).toBe(true);
    expect(limiter.tryHit('k', 2, MIN, 59_999)).toBe(false);
    expect(limiter.retryAfterMs('k', 2, MIN, 59_999)).toBe(1);
    expect(limiter.tryHit('k', 2, MIN, 60_000)).toBe(true); // the hit at 0 has left the window
    expect(limiter.tryHit('k', 2, MIN, 60_001)).toBe(false);
    expect(limiter.retryAfterMs('k', 2, MIN, 60_001)).toBe(29_999);
    expect(limiter.count('k', MIN, 200_000)).toBe(0);
  });

  it('keeps keys apart and does not count a refused hit', () => {
    const limiter = new RateLimiter();
    expect(limiter.tryHit('a', 1, MIN, 0)).toBe(true);
    expect(limiter.tryHit('b', 1, MIN, 0)).toBe(true);
    expect(limiter.tryHit('a', 1, MIN, 10)).toBe(false);
    expect(limiter.count('a', MIN, 10)).toBe(1);
    expect(limiter.wouldAllow('a', 2, MIN, 10)).toBe(true);
  });

  it('forgets the least recently used keys beyond maxKeys', () => {
    const limiter = new RateLimiter({ maxKeys: 2 });
    limiter.hit('a', MIN, 0);
    limiter.hit('b', MIN, 0);
    limiter.hit('a', MIN, 1);
    limiter.hit('c', MIN, 2);
    expect(limiter.count('b', MIN, 3)).toBe(0);
    expect(limiter.count('a', MIN, 3)).toBe(2);
  });
});

describe('RateLimiter (fixed)', () => {
  it('counts per aligned window and resets at the boundary', () => {
    const limiter = new RateLimiter({ mode: 'fixed' });
    expect(limiter.tryHit('k', 2, MIN, 10_000)).toBe(true);
    expect(limiter.tryHit('k', 2, MIN, 50_000)).toBe(true);
    expect(limiter.tryHit('k', 2, MIN, 59_000)).toBe(false);
    expect(limiter.retryAfterMs('k', 2, MIN, 59_000)).toBe(1_000);
    expect(limiter.tryHit('k', 2, MIN, 60_000)).toBe(true);
    expect(limiter.count('k', MIN, 60_000)).toBe(1);
  });
});

/**
 * In-memory request counting per key (the policy uses rule id + agent). Time is always passed in,
 * so behaviour is deterministic in tests. `sliding` keeps a log of hit times (exact: never more
 * than `limit` hits in any window); `fixed` counts per aligned window (cheaper, allows bursts at
 * window edges).
 */

import type { RateCounter, RateLimitHit } from '../model/policy-rule.js';

export type RateLimitMode = 'sliding' | 'fixed';

export interface RateLimiterOptions {
  mode?: RateLimitMode;
  /** Least recently used keys are forgotten beyond this many. */
  maxKeys?: number;
}

interface Bucket {
  /** sliding: hit times, oldest first. fixed: [windowStart, count]. */
  hits: number[];
}

export class RateLimiter implements RateCounter {
  readonly mode: RateLimitMode;
  private readonly maxKeys: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(opts: RateLimiterOptions = {}) {
    this.mode = opts.mode ?? 'sliding';
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Hits counted for `key` in the window ending at `now`. */
  count(key: string, windowMs: number, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    this.prune(bucket, windowMs, now);
    return this.mode === 'sliding' ? bucket.hits.length : (bucket.hits[1] ?? 0);
  }

  /** Whether one more hit fits under `limit`; records nothing. */
  wouldAllow(key: string, limit: number, windowMs: number, now: number): boolean {
    return this.count(key, windowMs, now) < limit;
  }

  /** Records one hit. */
  hit(key: string, windowMs: number, now: number): void {
    const bucket = this.buckets.get(key) ?? { hits: this.mode === 'sliding' ? [] : [windowStart(now, windowMs), 0] };
    this.prune(bucket, windowMs, now);
    if (this.mode === 'sliding') bucket.hits.push(now);
    else bucket.hits[1] = (bucket.hits[1] ?? 0) + 1;
    this.buckets.delete(key); // re-insert: Map order doubles as least-recently-used order
    this.buckets.set(key, bucket);
    for (const oldest of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(oldest);
    }
  }

  /** Records a hit if it fits; returns whether it did. */
  tryHit(key: string, limit: number, windowMs: number, now: number): boolean {
    if (!this.wouldAllow(key, limit, windowMs, now)) return false;
    this.hit(key, windowMs, now);
    return true;
  }

  tryHitAll(limits: readonly RateLimitHit[], now: number): { index: number; retryAfterMs: number } | null {
    const index = limits.findIndex((l) => !this.wouldAllow(l.key, l.limit, l.windowMs, now));
    if (index >= 0) {
      const full = limits[index]!;
      return { index, retryAfterMs: this.retryAfterMs(full.key, full.limit, full.windowMs, now) };
    }
    for (const l of limits) this.hit(l.key, l.windowMs, now);
    return null;
  }

  /** Milliseconds until one more hit would fit (0 when it fits now). */
  retryAfterMs(key: string, limit: number, windowMs: number, now: number): number {
    const count = this.count(key, windowMs, now);
    if (count < limit) return 0;
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    if (this.mode === 'fixed') return (bucket.hits[0] ?? now) + windowMs - now;
    const freeing = bucket.hits[count - limit] ?? now;
    return Math.max(freeing + windowMs - now, 0);
  }

  private prune(bucket: Bucket, windowMs: number, now: number): void {
    if (this.mode === 'fixed') {
      const start = windowStart(now, windowMs);
      if (bucket.hits[0] !== start) bucket.hits = [start, 0];
      return;
    }
    const cutoff = now - windowMs;
    let drop = 0;
    while (drop < bucket.hits.length && (bucket.hits[drop] ?? 0) <= cutoff) drop++;
    if (drop > 0) bucket.hits.splice(0, drop);
  }
}

function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

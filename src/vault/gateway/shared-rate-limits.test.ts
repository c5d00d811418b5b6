import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/support/seeded-random.js';
import { storeHarness } from '../../../test/support/store-backends.js';
import { Redactor } from '../../common/redact.js';
import { RateLimiter } from '../inject/rate-limiter.js';
import type { RateLimitHit } from '../model/policy-rule.js';
import { openStore } from '../store/store.js';

describe('rate limits counted in Postgres, across vault processes', () => {
  const harness = storeHarness('postgres');
  const openTwo = () => {
    const masterKey = randomBytes(32);
    return [0, 1].map(() => openStore({ ...harness.location, masterKey, redactor: new Redactor() }));
  };

  it('decides every generated sequence of hits as the in-memory limiter does, whichever of two replicas counts', () => {
    const stores = openTwo();
    try {
      const memory = new RateLimiter({ mode: 'sliding' });
      const random = seededRandom(19);
      const keys = ['rule_a\0agt_1', 'rule_a\0agt_2', 'rule_b\0agt_1'];
      let now = 1_000_000;
      const outcomes = { allowed: 0, refused: 0 };
      for (let step = 0; step < 300; step++) {
        now += pick(random, [0, 1, 250, 4_000, 20_000]);
        const limits: RateLimitHit[] = keys
          .filter(() => random() < 0.6)
          .map((key) => ({ key, limit: key.startsWith('rule_a') ? 3 : 5, windowMs: key.startsWith('rule_a') ? 10_000 : 60_000 }));
        if (limits.length === 0) continue;
        const shared = stores[step % 2]!.rateLimits!.tryHitAll(limits, now);
        expect(shared, `step ${step}`).toEqual(memory.tryHitAll(limits, now));
        outcomes[shared ? 'refused' : 'allowed']++;
      }
      // The sequence reaches both answers many times, not only one of them.
      expect(outcomes.allowed).toBeGreaterThan(30);
      expect(outcomes.refused).toBeGreaterThan(30);
    } finally {
      for (const s of stores) s.close();
    }
  });

  it('lets exactly N hits through in a window, whichever replica each arrives at', () => {
    const [a, b] = openTwo();
    try {
      const limit = { key: 'rule\0agt', limit: 4, windowMs: 60_000 };
      const allowed = Array.from({ length: 10 }, (_, i) => ((i % 2 ? a : b)!.rateLimits!.tryHitAll([limit], 5_000) === null ? 1 : 0));
      expect(allowed.reduce((x: number, y) => x + y, 0)).toBe(4);
      expect(a!.rateLimits!.tryHitAll([limit], 5_000 + 60_000)).toBeNull(); // the window moved on
    } finally {
      a!.close();
      b!.close();
    }
  });
});

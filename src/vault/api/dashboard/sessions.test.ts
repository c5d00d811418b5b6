import { describe, expect, it } from 'vitest';
import { SessionStore } from './sessions.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('SessionStore', () => {
  it('creates random, distinct ids and CSRF tokens of 256 bits', () => {
    const store = new SessionStore();
    const a = store.create();
    const b = store.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, b.id, a.csrf, b.csrf]).size).toBe(4);
    expect(store.get(a.id)).toBe(a);
  });

  it('knows nothing of unknown or empty ids', () => {
    const store = new SessionStore();
    store.create();
    expect(store.get(undefined)).toBeNull();
    expect(store.get('')).toBeNull();
    expect(store.get('made-up')).toBeNull();
  });

  it('ends a session after the idle time, and use keeps it alive', () => {
    const c = clock();
    const store = new SessionStore({ idleMs: 1000, maxAgeMs: 10_000, now: c.now });
    const s = store.create();
    c.advance(900);
    expect(store.get(s.id)).not.toBeNull();
    c.advance(900);
    expect(store.get(s.id)).not.toBeNull();
    c.advance(1001);
    expect(store.get(s.id)).toBeNull();
    expect(store.size).toBe(0);
  });

  it('ends a session at its absolute age even when used all along', () => {
    const c = clock();
    const store = new SessionStore({ idleMs: 1000, maxAgeMs: 3000, now: c.now });
    const s = store.create();
    for (let i = 0; i < 3; i++) {
      c.advance(900);
      expect(store.get(s.id)).not.toBeNull();
    }
    c.advance(900);
    expect(store.get(s.id)).toBeNull();
  });

  it('signs out on delete', () => {
    const store = new SessionStore();
    const s = store.create();
    store.delete(s.id);
    expect(store.get(s.id)).toBeNull();
  });

  it('keeps at most `max` sessions, dropping the least recently used', () => {
    const c = clock();
    const store = new SessionStore({ max: 2, now: c.now });
    const a = store.create();
    c.advance(1);
    const b = store.create();
    c.advance(1);
    store.get(a.id);
    c.advance(1);
    const d = store.create();
    expect(store.size).toBe(2);
    expect(store.get(b.id)).toBeNull();
    expect(store.get(a.id)).not.toBeNull();
    expect(store.get(d.id)).not.toBeNull();
  });
});

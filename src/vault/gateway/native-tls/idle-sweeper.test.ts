import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleSweeper, type Sweepable } from './idle-sweeper.js';

function member(limit: number): Sweepable & { expired: number } {
  const m = { idleTicks: 0, idleLimit: limit, expired: 0, expire: () => void m.expired++ };
  return m;
}

describe('IdleSweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires a member after its limit of quiet ticks, and activity restarts the count', () => {
    vi.useFakeTimers();
    const sweeper = new IdleSweeper(100);
    const quiet = member(sweeper.ticks(250));
    const busy = member(sweeper.ticks(250));
    const unlimited = member(0);
    for (const m of [quiet, busy, unlimited]) sweeper.add(m);
    for (let i = 0; i < 5; i++) {
      busy.idleTicks = 0;
      vi.advanceTimersByTime(100);
    }
    expect(quiet.expired).toBeGreaterThan(0);
    expect(busy.expired).toBe(0);
    expect(unlimited.expired).toBe(0);
  });

  it("calls each member's own tick every sweep, and skips the expiry of one its tick removed", () => {
    vi.useFakeTimers();
    const sweeper = new IdleSweeper(100);
    const m = member(1);
    let ticks = 0;
    m.tick = () => {
      if (++ticks === 2) sweeper.delete(m);
    };
    m.idleLimit = 0;
    sweeper.add(m);
    vi.advanceTimersByTime(100);
    m.idleLimit = 1;
    vi.advanceTimersByTime(100);
    expect(ticks).toBe(2);
    expect(m.expired).toBe(0);
  });

  it('rounds a deadline up to whole ticks, never to zero', () => {
    const sweeper = new IdleSweeper(1_000);
    expect(sweeper.ticks(1)).toBe(1);
    expect(sweeper.ticks(2_500)).toBe(3);
    expect(sweeper.ticks(0)).toBe(0);
  });

  it('runs no timer once the last member has left', () => {
    vi.useFakeTimers();
    const sweeper = new IdleSweeper(100);
    const m = member(1);
    sweeper.add(m);
    expect(vi.getTimerCount()).toBe(1);
    sweeper.delete(m);
    expect(vi.getTimerCount()).toBe(0);
  });
});

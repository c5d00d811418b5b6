import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTrimmer } from './memory-trimmer.js';

describe('MemoryTrimmer', () => {
  let clock = 0;
  let released = 0;
  const trimmers: MemoryTrimmer[] = [];
  const make = (): MemoryTrimmer => {
    clock = 0;
    released = 0;
    const t = new MemoryTrimmer({ trim: () => (released++, true), quietMs: 1_000, maxWaitMs: 10_000, now: () => clock });
    trimmers.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of trimmers.splice(0)) t.stop();
  });

  it('never trims while nothing has changed', () => {
    const t = make();
    clock = 60_000;
    t.check();
    expect(released).toBe(0);
  });

  it('trims once churn has paused for the quiet time, and only once per burst', () => {
    const t = make();
    t.changed();
    clock = 500;
    t.changed();
    clock = 1_400;
    t.check();
    expect(released).toBe(0);
    clock = 1_500;
    t.check();
    expect(released).toBe(1);
    clock = 9_000;
    t.check();
    expect(released).toBe(1);
    t.changed();
    clock = 10_000;
    t.check();
    expect({ released, trims: t.trims }).toEqual({ released: 2, trims: 2 });
  });

  it('trims under constant churn no later than the longest wait after the first change', () => {
    const t = make();
    for (clock = 0; clock < 9_900; clock += 100) {
      t.changed();
      t.check();
    }
    expect(released).toBe(0);
    clock = 10_000;
    t.changed();
    t.check();
    expect(released).toBe(1);
  });

  it('runs on its own timer after a change, and stops it afterwards', async () => {
    let count = 0;
    const t = new MemoryTrimmer({ trim: () => (count++, false), quietMs: 20 });
    trimmers.push(t);
    t.changed();
    await new Promise((r) => setTimeout(r, 120));
    expect(count).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(count).toBe(1);
  });
});

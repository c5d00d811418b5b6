import { describe, expect, it } from 'vitest';
import { parseRssBytes, parseStat, processTree, processTreeProbe } from './probe.js';

describe('parseStat', () => {
  it('reads ppid and utime+stime past a command name with spaces and parens', () => {
    const line = '4242 (squid (kid) 1) S 4000 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 1 0 99 1000 50';
    expect(parseStat(line)).toEqual({ ppid: 4000, ticks: 325 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(parseStat('')).toBeNull();
    expect(parseStat('1 (x) S nope')).toBeNull();
  });
});

describe('parseRssBytes', () => {
  it('reads VmRSS in bytes', () => {
    expect(parseRssBytes('Name:\tsquid\nVmRSS:\t   20480 kB\nThreads:\t1\n')).toBe(20480 * 1024);
    expect(parseRssBytes('Name:\tzombie\n')).toBe(0);
  });
});

describe('processTree', () => {
  it('finds children and grandchildren, not siblings', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 1],
    ]);
    expect(processTree(10, parents).sort()).toEqual([10, 11, 12]);
  });
});

describe('processTreeProbe', () => {
  it('reads this process from /proc', async () => {
    const figures = await processTreeProbe(process.pid).figures();
    expect(figures.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(figures.cpuMicros).toBeGreaterThan(0);
  });
});

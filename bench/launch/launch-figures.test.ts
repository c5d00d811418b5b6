import { describe, expect, it } from 'vitest';
import { buildLaunchRows, formatLaunchTable, median, ratio, readLaunchSamples } from './launch-figures.js';

describe('launch bench figures', () => {
  it('takes the median of unsorted odd and even samples, null when empty', () => {
    expect(median([900, 100, 300])).toBe(300);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it('divides by the base and refuses a missing or zero base', () => {
    expect(ratio(300, 100)).toBe(3);
    expect(ratio(300, null)).toBeNull();
    expect(ratio(null, 100)).toBeNull();
    expect(ratio(300, 0)).toBeNull();
  });

  it('builds one row per mode with its ratio to plain docker run', () => {
    const rows = buildLaunchRows({
      'docker-run': [200, 100, 300],
      'lockdown-off': [400, 500, 600],
      'lockdown-self-test': [2000, 1000],
      'lockdown-skip-self-test': [],
    });
    expect(rows.map((r) => [r.mode, r.samples, r.medianMs, r.ratio])).toEqual([
      ['docker-run', 3, 200, 1],
      ['lockdown-off', 3, 500, 2.5],
      ['lockdown-self-test', 2, 1500, 7.5],
      ['lockdown-skip-self-test', 0, null, null],
    ]);
  });

  it('prints medians and ratios, a dash for a mode without samples', () => {
    const table = formatLaunchTable(
      buildLaunchRows({ 'docker-run': [200], 'lockdown-off': [500], 'lockdown-self-test': [1500], 'lockdown-skip-self-test': [] }),
    );
    const lines = table.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[2]).toMatch(/^plain docker run -d\s+1\s+200 ms\s+1\.00×$/);
    expect(lines[4]).toMatch(/self-test\s+1\s+1500 ms\s+7\.50×$/);
    expect(lines[5]).toMatch(/--skip-self-test\s+0\s+—\s+—$/);
  });

  it('reads BENCH_LAUNCH_SAMPLES with a default and rejects nonsense', () => {
    expect(readLaunchSamples({})).toBe(5);
    expect(readLaunchSamples({ BENCH_LAUNCH_SAMPLES: ' 12 ' })).toBe(12);
    expect(() => readLaunchSamples({ BENCH_LAUNCH_SAMPLES: '0' })).toThrow(/BENCH_LAUNCH_SAMPLES=0/);
    expect(() => readLaunchSamples({ BENCH_LAUNCH_SAMPLES: 'lots' })).toThrow(/between 1 and 100/);
  });
});

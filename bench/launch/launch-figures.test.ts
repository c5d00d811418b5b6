import { describe, expect, it } from 'vitest';
import { buildLaunchRows, formatLaunchTable, median, ratio, readLaunchSamples, type LaunchSample } from './launch-figures.js';

/** Samples of these wall times, each with a tenth of it as CPU. */
const at = (...ms: number[]): LaunchSample[] => ms.map((m) => ({ ms: m, cpuMs: m / 10 }));

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
      'docker-run': at(200, 100, 300),
      'docker-run-network': at(260),
      'lockdown-off': at(400, 500, 600),
      'lockdown-self-test': at(2000, 1000),
      'lockdown-skip-self-test': [],
      'lockdown-full-proof': at(2500),
    });
    expect(rows.map((r) => [r.mode, r.samples, r.medianMs, r.ratio, r.addedMs, r.cpuMedianMs, r.cpuRatio])).toEqual([
      ['docker-run', 3, 200, 1, 0, 20, 1],
      ['docker-run-network', 1, 260, 1.3, 60, 26, 1.3],
      ['lockdown-off', 3, 500, 2.5, 300, 50, 2.5],
      ['lockdown-self-test', 2, 1500, 7.5, 1300, 150, 7.5],
      ['lockdown-skip-self-test', 0, null, null, null, null, null],
      ['lockdown-full-proof', 1, 2500, 12.5, 2300, 250, 12.5],
    ]);
  });

  it('leaves the CPU median out when a sample has no CPU time, and the CPU ratio when docker run has none', () => {
    const rows = buildLaunchRows({
      'docker-run': [{ ms: 200, cpuMs: null }],
      'docker-run-network': [],
      'lockdown-off': [{ ms: 300, cpuMs: 120 }],
      'lockdown-self-test': [{ ms: 300, cpuMs: 120 }, { ms: 310, cpuMs: null }],
      'lockdown-skip-self-test': [],
      'lockdown-full-proof': [],
    });
    expect(rows.map((r) => [r.cpuMedianMs, r.cpuRatio])).toEqual([
      [null, null],
      [null, null],
      [120, null],
      [null, null],
      [null, null],
      [null, null],
    ]);
  });

  it('judges the added time against the goals of lockdown off (+100 ms) and on with the self-test (+150 ms)', () => {
    const rows = buildLaunchRows({
      'docker-run': at(200),
      'docker-run-network': [],
      'lockdown-off': at(300),
      'lockdown-self-test': at(351),
      'lockdown-skip-self-test': [],
      'lockdown-full-proof': [],
    });
    const goal = (mode: string) => rows.find((r) => r.mode === mode)?.goal;
    expect(goal('lockdown-off')).toEqual({ maxAddedMs: 100, met: true });
    expect(goal('lockdown-self-test')).toEqual({ maxAddedMs: 150, met: false });
    expect(goal('lockdown-skip-self-test')).toBeNull();
  });

  it('prints medians and ratios, a dash for a mode without samples', () => {
    const table = formatLaunchTable(
      buildLaunchRows({ 'docker-run': at(200), 'docker-run-network': [], 'lockdown-off': at(280), 'lockdown-self-test': at(1500), 'lockdown-skip-self-test': [], 'lockdown-full-proof': [] }),
    );
    const lines = table.split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/added\s+cpu\s+cpu vs docker run\s+goal$/);
    expect(lines[2]).toMatch(/^plain docker run -d\s+1\s+200 ms\s+1\.00×\s+\+0 ms\s+20 ms\s+1\.00×$/);
    expect(lines[3]).toMatch(/outbound network\s+0\s+—/);
    expect(lines[4]).toMatch(/lockdown off\s+1\s+280 ms\s+1\.40×\s+\+80 ms\s+28 ms\s+1\.40×\s+≤ \+100 ms: met$/);
    expect(lines[5]).toMatch(/self-test\s+1\s+1500 ms\s+7\.50×\s+\+1300 ms\s+150 ms\s+7\.50×\s+≤ \+150 ms: MISSED$/);
    expect(lines[6]).toMatch(/--skip-self-test\s+0\s+—\s+—\s+—\s+—\s+—$/);
  });

  it('reads BENCH_LAUNCH_SAMPLES with a default and rejects nonsense', () => {
    expect(readLaunchSamples({})).toBe(5);
    expect(readLaunchSamples({ BENCH_LAUNCH_SAMPLES: ' 12 ' })).toBe(12);
    expect(() => readLaunchSamples({ BENCH_LAUNCH_SAMPLES: '0' })).toThrow(/BENCH_LAUNCH_SAMPLES=0/);
    expect(() => readLaunchSamples({ BENCH_LAUNCH_SAMPLES: 'lots' })).toThrow(/between 1 and 100/);
  });
});

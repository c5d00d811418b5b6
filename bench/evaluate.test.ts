import { describe, expect, it } from 'vitest';
import { describeTarget, evaluate, judge, misses } from './evaluate.js';
import { METRICS, type Metric } from './metrics.js';
import { emptyResult, type SubjectResult } from './results.js';
import { summarize } from './stats.js';

const metric = (id: string): Metric => {
  const m = METRICS.find((x) => x.id === id);
  if (!m) throw new Error(`no metric ${id}`);
  return m;
};

function load(rps: number, latencies: number[], cpu: number | null) {
  const latencyMs = summarize(latencies);
  return { connections: 16, requests: 1000, errors: 0, seconds: 1, rps, latencyMs, cpuUsPerRequest: cpu, upstreamCpuUsPerRequest: null, clientCpuUsPerRequest: null };
}

describe('judge', () => {
  it('judges ratios to direct', () => {
    expect(judge(metric('rps_16'), 6000, 10000)).toEqual({ value: 6000, derived: 0.6, ok: true });
    expect(judge(metric('rps_16'), 5999, 10000).ok).toBe(false);
  });

  it('judges what a proxy adds to direct', () => {
    const cell = judge(metric('p50_1'), 0.5, 0.25);
    expect(cell.derived).toBeCloseTo(0.25);
    expect(cell.ok).toBe(true);
    expect(judge(metric('p50_1'), 0.6, 0.25).ok).toBe(false);
  });

  it('judges absolute figures without a baseline', () => {
    expect(judge(metric('cpu_16'), 61, null)).toEqual({ value: 61, derived: null, ok: false });
    expect(judge(metric('conn_new_host'), 4.9, 1).ok).toBe(true);
  });

  it('cannot judge a relative figure without direct, nor a missing one', () => {
    expect(judge(metric('rps_16'), 6000, null).ok).toBeNull();
    expect(judge(metric('rps_16'), null, 10000)).toEqual({ value: null, derived: null, ok: null });
    expect(judge(metric('rps_1'), 5000, 10000)).toEqual({ value: 5000, derived: 0.5, ok: null });
  });
});

describe('describeTarget', () => {
  it('says each target the way the issue does', () => {
    expect(describeTarget(metric('rps_16'))).toBe('≥0.60× direct');
    expect(describeTarget(metric('p50_1'))).toBe('≤ direct +0.3 ms');
    expect(describeTarget(metric('cpu_16'))).toBe('≤60 µs');
    expect(describeTarget(metric('idle_kib'))).toBe('≤32 KiB');
    expect(describeTarget(metric('bad'))).toBe('≤0');
    expect(describeTarget(metric('rps_1'))).toBe('');
  });
});

describe('evaluate', () => {
  const direct: SubjectResult = { ...emptyResult('direct'), keepAlive16: load(10000, [1, 1, 1], null), errors: 2 };
  const gateway: SubjectResult = {
    ...emptyResult('gateway'),
    keepAlive16: load(7000, [2, 2, 2], 80),
    injection: { requests: 100, matched: 99, missing: 1, connections: 2 },
  };

  it('judges every proxy against the same run direct figures', () => {
    const e = evaluate([direct, gateway], METRICS);
    expect(e.subjects).toEqual(['direct', 'gateway']);
    const rps = e.rows.find((r) => r.metric.id === 'rps_16');
    expect(rps?.cells.gateway).toEqual({ value: 7000, derived: 0.7, ok: true });
    expect(rps?.cells.direct).toEqual({ value: 10000, derived: null, ok: null });
    expect(misses(e, 'gateway')).toEqual(['cpu_16', 'bad']);
  });

  it('leaves proxy-only figures empty for direct and judges failures everywhere', () => {
    const e = evaluate([direct, gateway], METRICS);
    expect(e.rows.find((r) => r.metric.id === 'cpu_16')?.cells.direct?.value).toBeNull();
    expect(e.rows.find((r) => r.metric.id === 'bad')?.cells.direct).toEqual({ value: 2, derived: null, ok: false });
    expect(misses(e, 'direct')).toEqual(['bad']);
  });
});

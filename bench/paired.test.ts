import { describe, expect, it } from 'vitest';
import { METRICS, type Metric } from './metrics.js';
import { pairedCell, pairedRows, roundRatios, worseBy } from './paired.js';
import { formatPaired, formatPairedCell } from './report.js';
import { emptyResult, type LoadResult, type SubjectResult } from './results.js';
import { summarize } from './stats.js';

const metric = (id: string): Metric => METRICS.find((m) => m.id === id)!;
const rps16 = metric('rps_16');
const cpu16 = metric('cpu_16');

function load(rps: number, cpu: number): LoadResult {
  return {
    connections: 16,
    requests: rps * 4,
    errors: 0,
    seconds: 4,
    rps,
    latencyMs: summarize([16 / rps]),
    cpuUsPerRequest: cpu,
    upstreamCpuUsPerRequest: null,
    clientCpuUsPerRequest: null,
  };
}

function round(subject: string, rps: number | null, cpu = 1e6 / (rps ?? 1)): SubjectResult {
  return { ...emptyResult(subject), keepAlive16: rps === null ? null : load(rps, cpu) };
}

/** A seeded generator, so a failure names inputs that come back. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('paired figures', () => {
  it('divide round by round and skip a round either subject lacks', () => {
    const a = [round('gateway', 900), round('gateway', null), round('gateway', 1100)];
    const b = [round('base', 1000), round('base', 1000), round('base', 1000), round('base', 1000)];
    expect(roundRatios(rps16, a, b)).toEqual([0.9, 1.1]);
    expect(roundRatios(rps16, b, [])).toEqual([]);
  });

  it('see a steady 3% loss through drift between rounds that hides it in the medians of the columns', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const rounds = 5 + Math.floor(next() * 10);
      const a: SubjectResult[] = [];
      const b: SubjectResult[] = [];
      for (let r = 0; r < rounds; r++) {
        // The machine's speed this round: up to ±30% either way, the same for both subjects.
        const speed = 10_000 * (0.7 + 0.6 * next());
        a.push(round('gateway', 0.97 * speed));
        b.push(round('base', speed));
      }
      const cell = pairedCell(rps16, roundRatios(rps16, a, b))!;
      expect(cell.median).toBeCloseTo(0.97, 12);
      expect(cell.low).toBeCloseTo(0.97, 12);
      expect(cell.high).toBeCloseTo(0.97, 12);
      expect(cell.verdict).toBe('ok');
    }
  });

  it('judge in the figure\'s own direction: fewer requests per second or more CPU is worse', () => {
    expect(worseBy(rps16, 0.9)).toBeCloseTo(0.1, 12);
    expect(worseBy(cpu16, 0.9)).toBeCloseTo(-0.1, 12);
    const steady = (ratio: number): number[] => Array.from({ length: 11 }, () => ratio);
    expect(pairedCell(rps16, steady(0.94))!.verdict).toBe('worse');
    expect(pairedCell(cpu16, steady(0.94))!.verdict).toBe('ok');
    expect(pairedCell(cpu16, steady(1.06))!.verdict).toBe('worse');
    expect(pairedCell(rps16, steady(1.06))!.verdict).toBe('ok');
    // Two outliers of eleven stay outside the 90% interval; three reach into it.
    expect(pairedCell(cpu16, [...steady(1).slice(2), 1.2, 1.3])!.verdict).toBe('ok');
    expect(pairedCell(cpu16, [...steady(1).slice(3), 1.2, 1.3, 1.25])!.verdict).toBe('unclear');
    expect(pairedCell(cpu16, [])).toBeNull();
  });

  it('cover every metric with a figure to divide, for pairings whose subjects ran', () => {
    const rounds = new Map([
      ['gateway', [round('gateway', 950, 41)]],
      ['gateway-baseline', [round('gateway-baseline', 1000, 40)]],
    ]);
    const pairings = [
      { subject: 'gateway', against: 'gateway-baseline' },
      { subject: 'gateway-twin', against: 'gateway' },
    ];
    const rows = pairedRows(METRICS, pairings, rounds);
    expect(rows.map((r) => r.metric.id)).toEqual(['rps_16', 'p50_16', 'p99_16', 'cpu_16']);
    // Counts and near-zero figures are never paired, whatever the rounds hold.
    const large = { bytes: 1, seconds: 1, mibPerSecond: 500, errors: 0, rssBeforeMiB: 10, rssMaxMiB: 10.1 };
    const withLarge = new Map([...rounds].map(([s, r]) => [s, r.map((x) => ({ ...x, large }))]));
    const ids = pairedRows(METRICS, pairings, withLarge).map((r) => r.metric.id);
    expect(ids).toContain('large');
    expect(ids).not.toContain('large_rss');
    expect(ids).not.toContain('requests');
    expect(rows.every((r) => r.cells[1] === null)).toBe(true);
    expect(rows[3]!.cells[0]).toMatchObject({ count: 1, median: 1.025, verdict: 'ok' });
    const text = formatPaired(rows, pairings);
    expect(text).toContain('gateway vs gateway-baseline');
    expect(text).toContain('gateway-twin vs gateway');
    expect(text).toMatch(/keep-alive req\/s, 16 conn\s+−5\.0% \(1 round\)\s+—/);
  });

  it('print the change, its interval and the verdict', () => {
    const cell = pairedCell(rps16, [0.93, 0.91, 0.95, 0.9, 0.94, 0.92, 0.96])!;
    expect(formatPairedCell(cell)).toBe('−7.0% [−10.0%, −4.0%] 98% worse'); // 7 rounds: [min, max]
    expect(formatPairedCell(pairedCell(cpu16, [1.01, 1.02, 1.0])!)).toBe('+1.0% [+0.0%, +2.0%] 75% ok');
    expect(formatPairedCell(null)).toBe('—');
  });
});

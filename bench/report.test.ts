import { describe, expect, it } from 'vitest';
import type { Evaluation } from './evaluate.js';
import type { Metric } from './metrics.js';
import { formatCell, formatTable, formatValue } from './report.js';

const rps: Metric = {
  id: 'rps',
  label: 'req/s',
  unit: 'req/s',
  compare: 'ratio',
  bound: { op: '>=', limit: 0.6 },
  pick: () => null,
};
const p50: Metric = { id: 'p50', label: 'p50', unit: 'ms', compare: 'added', pick: () => null };

describe('formatValue', () => {
  it('rounds per unit and leaves counts bare', () => {
    expect(formatValue(1234.56, 'req/s')).toBe('1235 req/s');
    expect(formatValue(0.1234, 'ms')).toBe('0.12 ms');
    expect(formatValue(42, 'count')).toBe('42');
    expect(formatValue(null, 'ms')).toBe('—');
  });
});

describe('formatCell', () => {
  it('puts the ratio and the verdict next to the figure', () => {
    expect(formatCell(rps, { value: 6000, derived: 0.6, ok: true })).toBe('6000 req/s (0.60×) ok');
    expect(formatCell(rps, { value: 5000, derived: 0.5, ok: false })).toBe('5000 req/s (0.50×) MISS');
  });

  it('signs what a proxy adds and omits a verdict without target', () => {
    expect(formatCell(p50, { value: 0.5, derived: 0.25, ok: null })).toBe('0.50 ms (+0.25)');
    expect(formatCell(p50, { value: 0.2, derived: -0.05, ok: null })).toBe('0.20 ms (-0.05)');
    expect(formatCell(p50, undefined)).toBe('—');
  });
});

describe('formatTable', () => {
  it('aligns a header, a rule and one line per metric', () => {
    const evaluation: Evaluation = {
      subjects: ['direct', 'gateway'],
      rows: [
        {
          metric: rps,
          target: '≥0.60× direct',
          cells: {
            direct: { value: 10000, derived: null, ok: null },
            gateway: { value: 5000, derived: 0.5, ok: false },
          },
        },
      ],
    };
    const lines = formatTable(evaluation).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^metric\s+target\s+direct\s+gateway$/);
    expect(lines[2]).toContain('10000 req/s');
    expect(lines[2]).toMatch(/5000 req\/s \(0\.50×\) MISS$/);
    expect(lines[0]?.length).toBe(lines[2]?.length);
  });
});

import type { Metric } from './metrics.js';
import type { SubjectResult } from './results.js';

/** One subject's figure for one metric: the value, what is judged (ratio/added) and the verdict. */
export interface Cell {
  value: number | null;
  /** value / direct for `ratio`, value - direct for `added`; null for `value` or without direct. */
  derived: number | null;
  /** null: no target, or nothing to judge. */
  ok: boolean | null;
}

export interface Row {
  metric: Metric;
  target: string;
  cells: Record<string, Cell>;
}

export interface Evaluation {
  subjects: string[];
  rows: Row[];
}

const DIRECT = 'direct';

function finite(n: number | null | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Judges one figure against a metric's target, relative to direct where the metric says so. */
export function judge(metric: Metric, value: number | null, direct: number | null): Cell {
  if (value === null) return { value, derived: null, ok: null };
  let derived: number | null = null;
  if (metric.compare === 'ratio') derived = direct !== null && direct > 0 ? value / direct : null;
  if (metric.compare === 'added') derived = direct !== null ? value - direct : null;
  const judged = metric.compare === 'value' ? value : derived;
  if (!metric.bound || judged === null) return { value, derived, ok: null };
  const { op, limit } = metric.bound;
  return { value, derived, ok: op === '>=' ? judged >= limit : judged <= limit };
}

/** The target as people read it: "≥0.60× direct", "≤ direct +0.30 ms", "≤60 µs", or "". */
export function describeTarget(metric: Metric): string {
  if (!metric.bound) return '';
  const { op, limit } = metric.bound;
  const sign = op === '>=' ? '≥' : '≤';
  if (metric.compare === 'ratio') return `${sign}${limit.toFixed(2)}× direct`;
  if (metric.compare === 'added') return `${sign} direct +${limit} ${metric.unit}`;
  return metric.unit === 'count' ? `${sign}${limit}` : `${sign}${limit} ${metric.unit}`;
}

/** Every metric for every subject, judged against the direct baseline of the same run. */
export function evaluate(results: readonly SubjectResult[], metrics: readonly Metric[]): Evaluation {
  const direct = results.find((r) => r.subject === DIRECT);
  const rows = metrics.map((metric): Row => {
    const base = direct ? finite(metric.pick(direct)) : null;
    const cells: Record<string, Cell> = {};
    for (const r of results) {
      const isDirect = r.subject === DIRECT;
      if (isDirect && metric.proxiesOnly) {
        cells[r.subject] = { value: null, derived: null, ok: null };
        continue;
      }
      const cell = judge(metric, finite(metric.pick(r)), isDirect ? null : base);
      if (isDirect) cells[r.subject] = { ...cell, derived: null, ok: metric.judgeDirect ? cell.ok : null };
      else cells[r.subject] = cell;
    }
    return { metric, target: describeTarget(metric), cells };
  });
  return { subjects: results.map((r) => r.subject), rows };
}

/** Ids of metrics a subject missed. */
export function misses(evaluation: Evaluation, subject: string): string[] {
  return evaluation.rows.filter((row) => row.cells[subject]?.ok === false).map((row) => row.metric.id);
}

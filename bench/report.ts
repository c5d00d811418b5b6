import type { Cell, Evaluation } from './evaluate.js';
import type { Metric, Unit } from './metrics.js';
import type { PairedCell, PairedRow, Pairing } from './paired.js';

const DECIMALS: Record<Unit, number> = { 'req/s': 0, ms: 2, µs: 1, 'MiB/s': 1, MiB: 1, KiB: 1, count: 0 };

/** A number in a metric's unit: `1234 req/s`, `0.42 ms`, `17 ` (counts carry no unit). */
export function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return '—';
  const text = value.toFixed(DECIMALS[unit]);
  return unit === 'count' ? text : `${text} ${unit}`;
}

function formatDerived(metric: Metric, derived: number | null): string {
  if (derived === null) return '';
  if (metric.compare === 'ratio') return `${derived.toFixed(2)}×`;
  if (metric.compare === 'added') return `${derived >= 0 ? '+' : ''}${derived.toFixed(DECIMALS[metric.unit])}`;
  return '';
}

/** One table cell: the figure, its ratio to direct or what it adds, and ok/MISS against the target. */
export function formatCell(metric: Metric, cell: Cell | undefined): string {
  if (!cell || cell.value === null) return '—';
  const parts = [formatValue(cell.value, metric.unit)];
  const derived = formatDerived(metric, cell.derived);
  if (derived) parts.push(`(${derived})`);
  if (cell.ok !== null) parts.push(cell.ok ? 'ok' : 'MISS');
  return parts.join(' ');
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Rows of cells as an aligned plain-text table; the first `leftColumns` columns align left. */
function renderTable(header: string[], lines: string[][], leftColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cols: string[]): string =>
    cols
      .map((c, i) => pad(c, widths[i] ?? 0, i >= leftColumns))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(header), rule, ...lines.map(render)].join('\n');
}

/** The whole evaluation as an aligned plain-text table, one metric per line. */
export function formatTable(evaluation: Evaluation): string {
  const header = ['metric', 'target', ...evaluation.subjects];
  const lines = evaluation.rows.map((row) => [
    row.metric.label,
    row.target,
    ...evaluation.subjects.map((s) => formatCell(row.metric, row.cells[s])),
  ]);
  return renderTable(header, lines, 2);
}

/** A ratio as the change it makes to the figure: 0.931 → `−6.9%`. */
function percentChange(ratio: number): string {
  const pct = (ratio - 1) * 100;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/**
 * `−6.9% [−9.1%, −3.0%] 93% worse`: the median change, its interval and the interval's coverage
 * (below 90% where too few rounds ran), the verdict; `+0.4% (1 round)` without an interval.
 */
export function formatPairedCell(cell: PairedCell | null): string {
  if (!cell) return '—';
  if (cell.count < 2) return `${percentChange(cell.median)} (1 round)`;
  const coverage = `${Math.floor(cell.coverage * 100)}%`;
  return `${percentChange(cell.median)} [${percentChange(cell.low)}, ${percentChange(cell.high)}] ${coverage} ${cell.verdict}`;
}

/** The paired table: per metric, each pairing's median per-round change and its interval. */
export function formatPaired(rows: readonly PairedRow[], pairings: readonly Pairing[]): string {
  const header = ['metric', ...pairings.map((p) => `${p.subject} vs ${p.against}`)];
  const lines = rows.map((row) => [row.metric.label, ...row.cells.map(formatPairedCell)]);
  return renderTable(header, lines, 1);
}

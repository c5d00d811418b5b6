import type { Metric, Unit } from './metrics.js';
import type { SubjectResult } from './results.js';
import { medianInterval, type MedianInterval } from './stats.js';

/**
 * Paired figures: a subject against another, round by round. Two columns' medians each carry the
 * whole spread of the machine between rounds; the ratio of two runs of the same round carries only
 * what changed in the minute between them, so it resolves a few percent where the medians cannot.
 * (Within one round the floor's figure divides out: (a/floor)/(b/floor) = a/b.)
 */

/** Units whose larger figure is the better one; in every other unit, less is better. */
const HIGHER_IS_BETTER: readonly Unit[] = ['req/s', 'MiB/s'];

/** Worse by more than this fraction is a regression (issue 14's "no figure worse by more than 5%"). */
export const TOLERANCE = 0.05;

/** How much worse a ratio (subject ÷ against) makes a figure, as a fraction; negative is better. */
export function worseBy(metric: Metric, ratio: number): number {
  return HIGHER_IS_BETTER.includes(metric.unit) ? 1 - ratio : ratio - 1;
}

/**
 * `ok`: even the interval's worse end is within the tolerance; `worse`: the median itself is past
 * it; `unclear`: the median is within, but the interval reaches past it (more rounds would tell).
 */
export type PairedVerdict = 'ok' | 'worse' | 'unclear';

export interface PairedCell extends MedianInterval {
  verdict: PairedVerdict;
}

export interface PairedRow {
  metric: Metric;
  /** One per pairing, in the order given; null where a round never had both figures. */
  cells: (PairedCell | null)[];
}

/** A subject measured against another: `gateway` ÷ `gateway-baseline`, or the same build twice. */
export interface Pairing {
  subject: string;
  against: string;
}

function finite(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** The per-round ratios of one metric, subject ÷ against, over the rounds both took part in. */
export function roundRatios(metric: Metric, subject: readonly SubjectResult[], against: readonly SubjectResult[]): number[] {
  const ratios: number[] = [];
  for (let round = 0; round < Math.min(subject.length, against.length); round++) {
    const a = metric.pick(subject[round]!);
    const b = metric.pick(against[round]!);
    if (finite(a) && finite(b) && b > 0) ratios.push(a / b);
  }
  return ratios;
}

/** The median ratio, its interval and the verdict against the tolerance; null without a round. */
export function pairedCell(metric: Metric, ratios: readonly number[], confidence = 0.9): PairedCell | null {
  const m = medianInterval(ratios, confidence);
  if (!m) return null;
  const worstEnd = Math.max(worseBy(metric, m.low), worseBy(metric, m.high));
  const verdict: PairedVerdict = worseBy(metric, m.median) > TOLERANCE ? 'worse' : worstEnd > TOLERANCE ? 'unclear' : 'ok';
  return { ...m, verdict };
}

/**
 * Every metric with a figure to divide (not counts, not those marked `paired: false`) for every
 * pairing whose two subjects both ran; `rounds` holds each subject's results round by round.
 */
export function pairedRows(
  metrics: readonly Metric[],
  pairings: readonly Pairing[],
  rounds: ReadonlyMap<string, readonly SubjectResult[]>,
): PairedRow[] {
  return metrics
    .filter((metric) => metric.unit !== 'count' && metric.paired !== false)
    .map((metric) => ({
      metric,
      cells: pairings.map(({ subject, against }) => {
        const a = rounds.get(subject);
        const b = rounds.get(against);
        return a && b ? pairedCell(metric, roundRatios(metric, a, b)) : null;
      }),
    }))
    .filter((row) => row.cells.some((c) => c !== null));
}

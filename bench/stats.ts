/** Latency and size statistics of one benchmark case; pure, so the numbers can be unit-tested. */

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of ascending-sorted values (p in 0..100); NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))] as number;
}

/** Count, mean and percentiles of unsorted samples (the input is not modified). */
export function summarize(values: readonly number[]): Summary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    min: n ? (sorted[0] as number) : Number.NaN,
    mean: n ? sum / n : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: n ? (sorted[n - 1] as number) : Number.NaN,
  };
}

/** The item whose `key` is the median (the lower middle one for an even count); undefined when empty. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * The item whose `key` is the median, with every number in it (nested objects too) replaced by
 * that number's own median over all items: each figure is the middle of its rounds, not a reading
 * from the one round in the middle of another figure. Undefined when empty. Pure.
 */
export function medianOfEach<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  const middle = medianBy(items, key);
  return middle === undefined ? undefined : (eachMedian(middle, items as unknown[]) as T);
}

function eachMedian(shape: unknown, values: unknown[]): unknown {
  if (typeof shape === 'number') {
    const numbers = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
    return numbers.length === 0 ? shape : medianBy(numbers, (v) => v);
  }
  if (shape === null || typeof shape !== 'object' || Array.isArray(shape)) return shape;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(shape)) out[k] = eachMedian(v, values.map((x) => (x as Record<string, unknown> | null)?.[k]));
  return out;
}

/** The middle of a set of values and a distribution-free interval around it. */
export interface MedianInterval {
  count: number;
  median: number;
  low: number;
  high: number;
  /** The chance that the interval holds the true median (exact, from the binomial distribution). */
  coverage: number;
}

/**
 * The median of `values` and the narrowest interval between order statistics (the k-th smallest and
 * the k-th largest) that holds the true median with at least `confidence`: whatever the values'
 * distribution, the true median lies below the k-th smallest only when fewer than k values fall
 * below it, a binomial(n, ½) tail. Too few values for that confidence give [min, max] and the lower
 * coverage they have. Undefined when there are none. Pure.
 */
export function medianInterval(values: readonly number[], confidence = 0.9): MedianInterval | undefined {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return undefined;
  // tail[k] = P(X < k) for X ~ binomial(n, ½), so coverage(k) = 1 - 2 tail[k].
  let below = 0;
  let term = 1; // C(n, i), as a float: exact enough far past the rounds a bench runs
  let k = 1;
  let coverage = 1 - 2 / 2 ** n;
  for (let i = 0; 2 * (i + 2) <= n + 1; i++) {
    below += term;
    term = (term * (n - i)) / (i + 1);
    const next = 1 - (2 * (below + term)) / 2 ** n;
    if (next < confidence) break;
    k = i + 2;
    coverage = next;
  }
  return {
    count: n,
    median: medianBy(sorted, (v) => v) as number,
    low: sorted[k - 1] as number,
    high: sorted[n - k] as number,
    coverage,
  };
}

/** Milliseconds elapsed since a `process.hrtime.bigint()` reading. */
export function msSince(start: bigint, now: bigint = process.hrtime.bigint()): number {
  return Number(now - start) / 1e6;
}

import { NanoclawError } from '../../src/common/errors.js';

/** The ways of starting the same agent image that the launch bench compares. */
export const LAUNCH_MODES = ['docker-run', 'docker-run-network', 'lockdown-off', 'lockdown-self-test', 'lockdown-skip-self-test', 'lockdown-full-proof'] as const;
export type LaunchMode = (typeof LAUNCH_MODES)[number];

export const MODE_LABELS: Record<LaunchMode, string> = {
  'docker-run': 'plain docker run -d',
  // What the agent's network itself costs at start (Docker's embedded DNS is set up on every
  // user-defined network, never on the default bridge): the share of the launch's added time that is not ncl's.
  'docker-run-network': 'plain docker run -d, agents\' outbound network',
  'lockdown-off': 'ncl launch, lockdown off',
  'lockdown-self-test': 'ncl launch, lockdown on, self-test',
  'lockdown-skip-self-test': 'ncl launch, lockdown on, --skip-self-test',
  'lockdown-full-proof': 'ncl launch, lockdown on, self-test, no proof kept',
};

/** Issue 17: a launch may take at most this much longer than plain `docker run -d` (median against median). */
export const ADDED_MS_GOALS: Partial<Record<LaunchMode, number>> = { 'lockdown-off': 100, 'lockdown-self-test': 150 };

export const DEFAULT_LAUNCH_SAMPLES = 5;

/** One timed start: wall time from spawn to exit, and the CPU (user + system) of the process and its children. */
export interface LaunchSample {
  ms: number;
  /** Null when the shell did not report it. */
  cpuMs: number | null;
}

export interface LaunchRow {
  mode: LaunchMode;
  label: string;
  samples: number;
  medianMs: number | null;
  /**
   * Median CPU time of the starting process (`ncl launch`, or the docker CLI): steadier than wall
   * time on a shared machine, and what the CLI itself costs (wall time also holds the engine's work).
   */
  cpuMedianMs: number | null;
  /** cpuMedianMs over the CPU median of plain `docker run`. */
  cpuRatio: number | null;
  /** Median of this mode over the median of plain `docker run`; null when either is missing. */
  ratio: number | null;
  /** Median of this mode minus the median of plain `docker run`. */
  addedMs: number | null;
  /** The most addedMs may be (ADDED_MS_GOALS), and whether it was met. */
  goal: { maxAddedMs: number; met: boolean | null } | null;
}

/** BENCH_LAUNCH_SAMPLES (1–100), default 5; anything else is an error naming the variable. */
export function readLaunchSamples(env: NodeJS.ProcessEnv): number {
  const raw = env.BENCH_LAUNCH_SAMPLES?.trim();
  if (!raw) return DEFAULT_LAUNCH_SAMPLES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new NanoclawError('invalid_bench_setting', `BENCH_LAUNCH_SAMPLES=${raw} is not a whole number between 1 and 100`, {
      hint: `Unset it to use ${DEFAULT_LAUNCH_SAMPLES}, or run e.g. BENCH_LAUNCH_SAMPLES=5 BENCH_CASES=launch npm run bench`,
    });
  }
  return n;
}

/** Median of unsorted values (mean of the two middle ones for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `value / base`, or null when either is missing or the base is not positive. */
export function ratio(value: number | null, base: number | null): number | null {
  if (value === null || base === null || base <= 0) return null;
  return value / base;
}

const wall = (samples: readonly LaunchSample[]) => median(samples.map((s) => s.ms));
/** The CPU median, or null unless every sample has its CPU time. */
const cpu = (samples: readonly LaunchSample[]) => (samples.every((s) => s.cpuMs !== null) ? median(samples.map((s) => s.cpuMs!)) : null);

/** One row per mode, in LAUNCH_MODES order, each with its ratios (wall and CPU) to plain `docker run`. */
export function buildLaunchRows(samples: Readonly<Record<LaunchMode, readonly LaunchSample[]>>): LaunchRow[] {
  const base = wall(samples['docker-run']);
  const cpuBase = cpu(samples['docker-run']);
  return LAUNCH_MODES.map((mode) => {
    const m = wall(samples[mode]);
    const c = cpu(samples[mode]);
    const addedMs = m === null || base === null ? null : m - base;
    const max = ADDED_MS_GOALS[mode];
    const goal = max === undefined ? null : { maxAddedMs: max, met: addedMs === null ? null : addedMs <= max };
    return {
      mode,
      label: MODE_LABELS[mode],
      samples: samples[mode].length,
      medianMs: m,
      ratio: ratio(m, base),
      addedMs,
      cpuMedianMs: c,
      cpuRatio: ratio(c, cpuBase),
      goal,
    };
  });
}

/** The rows as an aligned plain-text table: median ms, ratio and added ms to plain docker run, the same for CPU, and the goal. */
export function formatLaunchTable(rows: readonly LaunchRow[]): string {
  const header = ['launch to running agent', 'samples', 'median', 'vs docker run', 'added', 'cpu', 'cpu vs docker run', 'goal'];
  const times = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);
  const goal = (g: LaunchRow['goal']) => (g === null ? '' : `≤ +${g.maxAddedMs} ms: ${g.met === null ? '—' : g.met ? 'met' : 'MISSED'}`);
  const lines = rows.map((r) => [
    r.label,
    String(r.samples),
    r.medianMs === null ? '—' : `${r.medianMs.toFixed(0)} ms`,
    times(r.ratio),
    r.addedMs === null ? '—' : `${r.addedMs >= 0 ? '+' : ''}${r.addedMs.toFixed(0)} ms`,
    r.cpuMedianMs === null ? '—' : `${r.cpuMedianMs.toFixed(0)} ms`,
    times(r.cpuRatio),
    goal(r.goal),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cols: string[]): string =>
    cols.map((c, i) => (i === 0 || i === header.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}

import { NanoclawError } from '../src/common/errors.js';

/** How long and how hard the benchmark runs; every knob has a BENCH_* variable. */
export interface BenchSettings {
  /** Measured seconds per keep-alive case. */
  seconds: number;
  /** Every case but idle memory runs this many rounds, subjects interleaved; each figure is the median of its rounds. */
  rounds: number;
  /** Cap on requests per keep-alive case, so a fast machine still stops. */
  maxRequests: number;
  /** Samples of each new-connection case, shared out over the rounds. */
  connectSamples: number;
  sseStreams: number;
  sseEvents: number;
  sseGapMs: number;
  largeMiB: number;
  idleConnections: number;
  /** Idle time before each RSS reading of the idle case (a third before the full GC, the rest after). */
  idleSettleMs: number;
  /** Subjects to run; direct always runs (everything is a ratio to it). */
  only: string[] | null;
  /** Cases to run (idle, keepalive, connect, sse, large); null runs them all. */
  cases: string[] | null;
  /** Where the gateway child writes a V8 CPU profile (--cpu-prof), or null for none. */
  cpuProfileDir: string | null;
  /**
   * Another built checkout whose gateway runs beside this one as `gateway-baseline` (BENCH_BASELINE):
   * a change measured against the build before it in one run, both against the same floor.
   */
  baseline: string | null;
  /** Every gateway process starts afresh before each keep-alive round (BENCH_RESTART=1). */
  restart: boolean;
}

export const DEFAULT_SETTINGS: BenchSettings = {
  seconds: 4,
  rounds: 3,
  maxRequests: 1_000_000,
  connectSamples: 40,
  sseStreams: 10,
  sseEvents: 20,
  sseGapMs: 10,
  largeMiB: 256,
  idleConnections: 1000,
  idleSettleMs: 3000,
  only: null,
  cases: null,
  cpuProfileDir: null,
  baseline: null,
  restart: false,
};

const KNOBS: [keyof BenchSettings, string, number, number][] = [
  ['seconds', 'BENCH_SECONDS', 0.5, 120],
  ['rounds', 'BENCH_ROUNDS', 1, 99],
  ['maxRequests', 'BENCH_MAX_REQUESTS', 100, 100_000_000],
  ['connectSamples', 'BENCH_CONNECT_SAMPLES', 1, 10_000],
  ['sseStreams', 'BENCH_SSE_STREAMS', 1, 1_000],
  ['sseEvents', 'BENCH_SSE_EVENTS', 2, 10_000],
  ['sseGapMs', 'BENCH_SSE_GAP_MS', 1, 10_000],
  ['largeMiB', 'BENCH_LARGE_MIB', 1, 65_536],
  ['idleConnections', 'BENCH_IDLE_CONNECTIONS', 1, 100_000],
  ['idleSettleMs', 'BENCH_IDLE_SETTLE_MS', 0, 60_000],
];

export const CASES = ['idle', 'keepalive', 'connect', 'sse', 'large'] as const;

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Reads BENCH_* from `env`; a value that is not a number in range is an error naming the variable. */
export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const settings: BenchSettings = { ...DEFAULT_SETTINGS };
  for (const [key, name, min, max] of KNOBS) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      throw new NanoclawError('invalid_bench_setting', `${name}=${raw} is not a number between ${min} and ${max}`, {
        hint: `Unset ${name} to use ${DEFAULT_SETTINGS[key] as number}, or run e.g. ${name}=${DEFAULT_SETTINGS[key] as number} npm run bench`,
      });
    }
    (settings[key] as number) = key === 'seconds' ? n : Math.round(n);
  }
  const only = env.BENCH_ONLY?.trim();
  if (only) settings.only = list(only);
  const cases = env.BENCH_CASES?.trim();
  if (cases) settings.cases = list(cases);
  const profile = env.BENCH_CPU_PROF_DIR?.trim();
  if (profile) settings.cpuProfileDir = profile;
  const baseline = env.BENCH_BASELINE?.trim();
  if (baseline) settings.baseline = baseline;
  const restart = env.BENCH_RESTART?.trim();
  if (restart) {
    if (!['0', '1'].includes(restart)) {
      throw new NanoclawError('invalid_bench_setting', `BENCH_RESTART=${restart} is neither 0 nor 1`, {
        hint: 'Run with BENCH_RESTART=1 to start every gateway process afresh before each round, or unset it',
      });
    }
    settings.restart = restart === '1';
  }
  return settings;
}

/** Whether a case runs under BENCH_CASES. */
export function caseWanted(settings: BenchSettings, name: (typeof CASES)[number]): boolean {
  return settings.cases === null || settings.cases.includes(name);
}

/** The subjects BENCH_BASELINE adds run whenever it is set, whatever BENCH_ONLY says. */
export const BASELINE_SUBJECT = 'gateway-baseline';

/**
 * This build's gateway a second time, beside the baseline: the same build against itself in the
 * same run, so the paired table shows what a difference of nothing reads as on this machine.
 */
export const TWIN_SUBJECT = 'gateway-twin';

/** Whether a subject runs under BENCH_ONLY. */
export function wanted(settings: BenchSettings, subject: string): boolean {
  if (subject === BASELINE_SUBJECT || subject === TWIN_SUBJECT) return settings.baseline !== null;
  return subject === 'direct' || settings.only === null || settings.only.includes(subject);
}

import type { BenchSettings } from '../settings.js';
import { formatLaunchTable, readLaunchSamples, type LaunchRow } from './launch-figures.js';
import { runLaunchBench } from './launch-bench.js';

const NAME = 'launch';

/** Whether the launch case runs: by default yes; BENCH_CASES or BENCH_ONLY without `launch` leave it out. */
export function launchWanted(settings: Pick<BenchSettings, 'cases' | 'only'>): boolean {
  const inCases = settings.cases === null || settings.cases.includes(NAME);
  const inOnly = settings.only === null || settings.only.includes(NAME);
  return inCases && inOnly;
}

/** Whether only the launch case was asked for (BENCH_CASES=launch or BENCH_ONLY=launch): the proxy cases are skipped. */
export function launchOnly(settings: Pick<BenchSettings, 'cases' | 'only'>): boolean {
  const only = (list: string[] | null): boolean => list !== null && list.length > 0 && list.every((c) => c === NAME);
  return only(settings.cases) || only(settings.only);
}

export interface LaunchCaseReport {
  rows: LaunchRow[];
  /** The printed section: heading, table (when measured) and notes. */
  lines: string[];
  notes: string[];
}

/** Runs the launch case with BENCH_LAUNCH_SAMPLES from `env` and renders its section of the report. */
export async function runLaunchCase(env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<LaunchCaseReport> {
  const samples = readLaunchSamples(env);
  const { rows, notes } = await runLaunchBench({ samples, progress });
  const measured = rows.some((r) => r.medianMs !== null);
  const lines = [`ncl launch vs docker run — median of ${samples} interleaved launches per mode, command: sleep 3600`];
  if (measured) lines.push('', formatLaunchTable(rows));
  lines.push(...notes.map((n) => `note: ${n}`));
  return { rows, lines, notes };
}

import { randomBytes } from 'node:crypto';
import { NanoclawError } from '../src/common/errors.js';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { evaluate, misses, type Evaluation } from './evaluate.js';
import { startChild } from './ipc.js';
import { childProbe } from './probe.js';
import { METRICS } from './metrics.js';
import { startDirectSubject } from './proxies/direct.js';
import {
  startGatewayBaselineSubject,
  startGatewayNodeTlsSubject,
  startGatewayOAuthSubject,
  startGatewayPostgresSubject,
  startGatewaySubject,
  startGatewayTwinSubject,
} from './proxies/gateway.js';
import { startFloor } from './proxies/floor.js';
import { startMitmproxy } from './proxies/mitmproxy.js';
import { startSquid, type ComparisonStart } from './proxies/squid.js';
import { launchOnly, launchWanted, runLaunchCase, type LaunchCaseReport } from './launch/launch-case.js';
import { pairedRows, type Pairing, type PairedRow } from './paired.js';
import { formatPaired, formatTable } from './report.js';
import type { SubjectResult } from './results.js';
import { runCases } from './run-cases.js';
import { BASELINE_SUBJECT, readSettings, TWIN_SUBJECT, wanted, type BenchSettings } from './settings.js';
import { INJECTED_HEADER, newHostNames, UPSTREAM_HOST, type Subject } from './subject.js';
import type { UpstreamReady } from './upstream-child.js';
import type { UpstreamOptions } from './upstream-server.js';

/**
 * `npm run bench`: the gateway against direct connections to the same TLS upstream, in the same
 * run on the same machine, with squid and mitmproxy as comparison rows where installed, and the
 * gateway with an `oauth2` secret (`gateway-oauth`) beside it with a static one, and the
 * gateway on a Postgres store where BENCH_DATABASE_URL names a database.
 * Knobs (settings.ts): BENCH_SECONDS, BENCH_ROUNDS, BENCH_ONLY=gateway,squid, BENCH_CASES=
 * idle,keepalive,connect,sse,large,launch, BENCH_LARGE_MIB, BENCH_IDLE_CONNECTIONS, BENCH_IDLE_SETTLE_MS,
 * BENCH_CPU_PROF_DIR, BENCH_BASELINE=<another built checkout> (its gateway beside this one, as
 * `gateway-baseline`, with this one's twin, and a paired table of both), BENCH_RESTART=1 (every
 * gateway process started afresh before each keep-alive round), BENCH_LAUNCH_SAMPLES
 * (BENCH_CASES=launch alone runs only `ncl launch` against `docker run`).
 */

type Start = (o: ComparisonStart & { cpuProfileDir: string | null; baseline: string | null }) => Promise<Subject | string>;

// The order of the columns; each round runs them in an order of its own (run-cases.ts roundOrder).
const SUBJECTS: [string, Start][] = [
  ['direct', startDirectSubject],
  [BASELINE_SUBJECT, startGatewayBaselineSubject],
  ['gateway', startGatewaySubject],
  [TWIN_SUBJECT, startGatewayTwinSubject],
  ['gateway-node-tls', startGatewayNodeTlsSubject],
  ['gateway-oauth', startGatewayOAuthSubject],
  ['gateway-postgres', startGatewayPostgresSubject],
  ['squid', startSquid],
  ['mitmproxy', startMitmproxy],
  ['floor', startFloor],
];

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Starts every wanted subject; one that cannot start becomes a note. */
async function startSubjects(settings: BenchSettings, start: ComparisonStart, notes: string[]): Promise<Subject[]> {
  const subjects: Subject[] = [];
  for (const [name, startSubject] of SUBJECTS) {
    if (!wanted(settings, name)) continue;
    const subject = await startSubject({ ...start, cpuProfileDir: settings.cpuProfileDir, baseline: settings.baseline }).catch(
      (err: unknown) => `${name} skipped: ${err instanceof Error ? err.message : String(err)}`,
    );
    if (typeof subject === 'string') {
      notes.push(subject);
      progress(subject);
    } else subjects.push(subject);
  }
  return subjects;
}

/** Other work was running: more than half the cores' worth of runnable tasks over the last minute. */
function busy(loadavg: number[], cpus: number): boolean {
  return (loadavg[0] ?? 0) > cpus / 2;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  if (launchOnly(settings)) {
    const launch = await runLaunchCase(process.env, progress);
    process.stdout.write(`${launch.lines.join('\n')}\n`);
    if (launch.notes.some((n) => n.startsWith('launch failed'))) process.exitCode = 1;
    return;
  }
  // A throwaway value for this run only: the upstream counts requests that arrive with it.
  const value = `bench-${randomBytes(16).toString('hex')}`;
  const names = [UPSTREAM_HOST, ...SUBJECTS.flatMap(([s]) => newHostNames(s, settings.connectSamples))];
  const upstreamScript = fileURLToPath(new URL('./upstream-child.js', import.meta.url));
  const upstream = startChild(upstreamScript, { execArgv: ['--expose-gc'] });
  const notes: string[] = [];
  const subjects: Subject[] = [];
  const loadBefore = os.loadavg();
  let results: SubjectResult[];
  let rounds: Map<string, SubjectResult[]>;
  try {
    const options: UpstreamOptions = { names, headerName: INJECTED_HEADER, value };
    const ready = await upstream.call<UpstreamReady>('start', options);
    const start: ComparisonStart = { upstreamPort: ready.port, upstreamCaPem: ready.caPem, value, names };
    subjects.push(...(await startSubjects(settings, start, notes)));
    const upstreamProbe = childProbe(upstream);
    ({ results, rounds } = await runCases({ subjects, settings, upstreamPort: ready.port, upstream, upstreamProbe, progress }));
  } finally {
    for (const subject of subjects) await subject.close();
    await upstream.close();
  }
  for (const r of results) notes.push(...r.notes);
  if (busy(loadBefore, os.cpus().length)) {
    const load = loadBefore[0]?.toFixed(2);
    notes.push(`the machine was busy (load average ${load}) when the bench started: figures are noisy; run again when it is quiet`);
  }
  const launch = launchWanted(settings) ? await runLaunchCase(process.env, progress) : null;
  const evaluation = evaluate(results, METRICS);
  const paired = pairedRows(METRICS, PAIRINGS, rounds);
  const outcome: Outcome = { settings, results, rounds, evaluation, paired, notes, loadBefore, launch };
  process.stdout.write(`${summary(outcome).join('\n')}\n`);
  if (launch) process.stdout.write(`\n${launch.lines.join('\n')}\n`);
  const file = await writeJson(outcome);
  process.stdout.write(`wrote ${file}\n`);
  const gateway = results.find((r) => r.subject === 'gateway');
  if (gateway && (gateway.errors > 0 || gateway.injection.missing > 0)) process.exitCode = 1;
}

/** This build against the baseline, and against itself: what a difference of nothing reads as. */
const PAIRINGS: readonly Pairing[] = [
  { subject: 'gateway', against: BASELINE_SUBJECT },
  { subject: TWIN_SUBJECT, against: 'gateway' },
];

interface Outcome {
  settings: BenchSettings;
  results: SubjectResult[];
  rounds: Map<string, SubjectResult[]>;
  evaluation: Evaluation;
  paired: PairedRow[];
  notes: string[];
  loadBefore: number[];
  launch?: LaunchCaseReport | null;
}

/** The printed report: what ran where, the table, the misses per subject, the notes. */
function summary(o: Outcome): string[] {
  const cpus = os.cpus();
  return [
    `nanoclaw gateway benchmark — ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}, ` +
      `${o.settings.seconds}s per load case, median of ${o.settings.rounds} interleaved rounds, ` +
      `load average ${o.loadBefore[0]?.toFixed(2)} before`,
    '',
    formatTable(o.evaluation),
    '',
    ...o.results.map((r) => {
      const missed = misses(o.evaluation, r.subject);
      return `${r.subject}: ${missed.length === 0 ? 'all targets met' : `missed ${missed.join(', ')}`}`;
    }),
    ...pairedSection(o.paired),
    ...o.notes.map((n) => `note: ${n}`),
  ];
}

/** The paired table, when a baseline ran: per-round changes, their median and interval. */
function pairedSection(rows: readonly PairedRow[]): string[] {
  if (rows.length === 0) return [];
  return [
    '',
    'paired, round by round: the median change of each figure, its interval and the chance the interval holds the',
    'true median (90% or more from 5 rounds up); ok: all of the interval within 5%; unclear: the median within',
    `5%, the interval not; worse: the median more than 5% worse. ${TWIN_SUBJECT} is this build again.`,
    '',
    formatPaired(rows, PAIRINGS),
  ];
}

/** bench/results/<timestamp>.json: settings, machine, raw results and the judged table. */
async function writeJson(o: Outcome): Promise<string> {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const at = new Date().toISOString();
  const file = `${dir}${at.replace(/[:.]/g, '-')}.json`;
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    model: cpus[0]?.model ?? null,
    node: process.version,
    kernel: os.release(),
    loadBefore: o.loadBefore,
    loadAfter: os.loadavg(),
  };
  const rows = o.evaluation.rows.map(({ metric, target, cells }) => {
    return { id: metric.id, label: metric.label, unit: metric.unit, target, cells };
  });
  const { settings, results, notes } = o;
  const launch = o.launch ? { rows: o.launch.rows, notes: o.launch.notes } : null;
  const rounds = Object.fromEntries(o.rounds);
  const paired = o.paired.map(({ metric, cells }) => ({
    id: metric.id,
    label: metric.label,
    cells: cells.map((cell, i) => ({ ...PAIRINGS[i], ...cell })),
  }));
  const json = { at, machine, settings, results, rounds, evaluation: rows, paired, notes, launch };
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  return file;
}

main().catch((err: unknown) => {
  // A setting the user got wrong says how to fix it; anything else is a bug in the bench: full stack.
  const text =
    err instanceof NanoclawError
      ? `${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}`
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  process.stderr.write(`bench failed: ${text}\n`);
  process.exitCode = 1;
});

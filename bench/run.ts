import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { evaluate, misses } from './evaluate.js';
import { startChild } from './ipc.js';
import { childProbe } from './probe.js';
import { METRICS } from './metrics.js';
import { startDirectSubject } from './proxies/direct.js';
import { startGatewaySubject } from './proxies/gateway.js';
import { startMitmproxy } from './proxies/mitmproxy.js';
import { startSquid, type ComparisonStart } from './proxies/squid.js';
import { formatTable } from './report.js';
import type { SubjectResult } from './results.js';
import { runCases } from './run-cases.js';
import { readSettings, wanted, type BenchSettings } from './settings.js';
import { INJECTED_HEADER, newHostNames, UPSTREAM_HOST, type Subject } from './subject.js';
import type { UpstreamReady } from './upstream-child.js';
import type { UpstreamOptions } from './upstream-server.js';

/**
 * `npm run bench`: the gateway against direct connections to the same TLS upstream, in the same
 * run on the same machine, with squid and mitmproxy as comparison rows where installed.
 */

type Start = (o: ComparisonStart & { cpuProfileDir: string | null }) => Promise<Subject | string>;

const SUBJECTS: [string, Start][] = [
  ['direct', startDirectSubject],
  ['gateway', startGatewaySubject],
  ['squid', startSquid],
  ['mitmproxy', startMitmproxy],
];

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Starts every wanted subject; one that cannot start becomes a note. */
async function startSubjects(settings: BenchSettings, start: ComparisonStart, notes: string[]): Promise<Subject[]> {
  const subjects: Subject[] = [];
  for (const [name, startSubject] of SUBJECTS) {
    if (!wanted(settings, name)) continue;
    const subject = await startSubject({ ...start, cpuProfileDir: settings.cpuProfileDir }).catch(
      (err: unknown) => `${name} skipped: ${err instanceof Error ? err.message : String(err)}`,
    );
    if (typeof subject === 'string') {
      notes.push(subject);
      progress(subject);
    } else subjects.push(subject);
  }
  return subjects;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  // A throwaway value for this run only: the upstream counts requests that arrive with it.
  const value = `bench-${randomBytes(16).toString('hex')}`;
  const names = [UPSTREAM_HOST, ...SUBJECTS.flatMap(([s]) => newHostNames(s, settings.connectSamples))];
  const upstream = startChild(fileURLToPath(new URL('./upstream-child.js', import.meta.url)), { execArgv: ['--expose-gc'] });
  const notes: string[] = [];
  const subjects: Subject[] = [];
  const loadBefore = os.loadavg();
  let results: SubjectResult[];
  try {
    const ready = await upstream.call<UpstreamReady>('start', { names, headerName: INJECTED_HEADER, value } satisfies UpstreamOptions);
    const start: ComparisonStart = { upstreamPort: ready.port, upstreamCaPem: ready.caPem, value, names };
    subjects.push(...(await startSubjects(settings, start, notes)));
    results = await runCases({ subjects, settings, upstreamPort: ready.port, upstream, upstreamProbe: childProbe(upstream), progress });
  } finally {
    for (const subject of subjects) await subject.close();
    await upstream.close();
  }
  for (const r of results) notes.push(...r.notes);
  const evaluation = evaluate(results, METRICS);
  const cpus = os.cpus();
  const lines = [
    `nanoclaw gateway benchmark — ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}, ` +
      `${settings.seconds}s per load case, median of ${settings.rounds} interleaved rounds, load average ${loadBefore[0]?.toFixed(2)} before`,
    '',
    formatTable(evaluation),
    '',
    ...results.map((r) => `${r.subject}: ${misses(evaluation, r.subject).length === 0 ? 'all targets met' : `missed ${misses(evaluation, r.subject).join(', ')}`}`),
    ...notes.map((n) => `note: ${n}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  const machine = { cpus: cpus.length, model: cpus[0]?.model ?? null, node: process.version, kernel: os.release(), loadBefore, loadAfter: os.loadavg() };
  const rows = evaluation.rows.map((row) => ({ id: row.metric.id, label: row.metric.label, unit: row.metric.unit, target: row.target, cells: row.cells }));
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), machine, settings, results, evaluation: rows, notes }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
  const gateway = results.find((r) => r.subject === 'gateway');
  if (gateway && (gateway.errors > 0 || gateway.injection.missing > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

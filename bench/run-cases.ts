import { runIdle } from './cases/idle.js';
import { runKeepAlive } from './cases/keep-alive.js';
import { runLargeBody } from './cases/large-body.js';
import { runNewConnections } from './cases/new-connection.js';
import { runSse } from './cases/sse.js';
import type { Child } from './ipc.js';
import type { Probe } from './probe.js';
import { emptyResult, type SubjectResult } from './results.js';
import { caseWanted, type BenchSettings, type CASES } from './settings.js';
import { medianOfEach } from './stats.js';
import { newHostNames, UPSTREAM_HOST, type CaseContext, type Subject } from './subject.js';
import type { UpstreamCounts } from './upstream-server.js';

export interface RunCasesOptions {
  subjects: Subject[];
  settings: BenchSettings;
  upstreamPort: number;
  upstream: Child;
  upstreamProbe: Probe;
  progress: (line: string) => void;
}

/**
 * The subjects in the order round `round` (from 1) runs them: each round starts one further along,
 * so over the rounds every subject runs in every place, and after every other subject, equally
 * often. In one fixed order the subject after `direct` always ran in the wake of the heaviest load
 * (the client's and the upstream's garbage to collect); whatever that costs, it is now shared.
 */
export function roundOrder<T>(subjects: readonly T[], round: number): T[] {
  const start = (round - 1) % Math.max(subjects.length, 1);
  return [...subjects.slice(start), ...subjects.slice(0, start)];
}

/**
 * Runs case by case, and within a case subject after subject (round after round where rounds
 * apply, each in its own order: roundOrder), so a change in the machine's load while the bench
 * runs hits every subject alike.
 * Idle memory goes first, while every proxy process is fresh: later cases leave freed heap that
 * new connections would reuse without growing RSS, hiding their cost.
 */
export async function runCases(o: RunCasesOptions): Promise<SubjectResult[]> {
  const { settings } = o;
  const results = new Map(o.subjects.map((s) => [s.name, emptyResult(s.name)]));
  const each = async <T>(
    name: (typeof CASES)[number],
    label: string,
    rounds: number,
    fn: (ctx: CaseContext) => Promise<T>,
  ): Promise<Map<string, T[]>> => {
    const out = new Map<string, T[]>(o.subjects.map((s) => [s.name, []]));
    if (!caseWanted(settings, name)) return out;
    for (let round = 1; round <= rounds; round++) {
      for (const subject of roundOrder(o.subjects, round)) {
        if (subject.sitsOut?.includes(name)) continue;
        const r = results.get(subject.name)!;
        o.progress(`${subject.name}: ${label}${rounds > 1 ? ` (round ${round}/${rounds})` : ''}…`);
        const ctx: CaseContext = {
          subject,
          settings,
          upstream: o.upstreamProbe,
          target: { host: UPSTREAM_HOST, port: o.upstreamPort, headers: subject.headers },
        };
        await o.upstream.call('reset');
        try {
          out.get(subject.name)!.push(await fn(ctx));
        } catch (err) {
          r.notes.push(`${subject.name} ${label} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        const counts = await o.upstream.call<UpstreamCounts>('counts');
        r.injection.requests += counts.matched + counts.missing;
        r.injection.matched += counts.matched;
        r.injection.missing += counts.missing;
      }
    }
    return out;
  };
  const n = settings.connectSamples;
  const rounds = settings.rounds;
  const idle = await each('idle', `${settings.idleConnections} idle connections`, 1, runIdle);
  const ka1 = await each('keepalive', 'keep-alive, 1 connection', rounds, (ctx) => runKeepAlive(ctx, 1));
  const ka16 = await each('keepalive', 'keep-alive, 16 connections', rounds, (ctx) => runKeepAlive(ctx, 16));
  const cached = await each('connect', 'new connections, cached leaf', 1, (ctx) =>
    runNewConnections(ctx, Array.from({ length: n }, () => UPSTREAM_HOST)),
  );
  const fresh = await each('connect', 'new connections, new hosts', 1, (ctx) =>
    runNewConnections(ctx, newHostNames(ctx.subject.name, n)),
  );
  const sse = await each('sse', 'server-sent events', rounds, runSse);
  const large = await each('large', `large body (${settings.largeMiB} MiB)`, rounds, runLargeBody);
  for (const r of results.values()) {
    const all = <T>(m: Map<string, T[]>): T[] => m.get(r.subject) ?? [];
    r.idle = all(idle)[0] ?? null;
    // Each figure the median of its own rounds (latency, CPU per request), not the median round's.
    r.keepAlive1 = medianOfEach(all(ka1), (x) => x.rps) ?? null;
    r.keepAlive16 = medianOfEach(all(ka16), (x) => x.rps) ?? null;
    r.connectCached = all(cached)[0] ?? null;
    r.connectNewHost = all(fresh)[0] ?? null;
    r.sse = medianOfEach(all(sse), (x) => x.firstEventMs.p50) ?? null;
    r.large = medianOfEach(all(large), (x) => x.mibPerSecond) ?? null;
    // Every round's failures count, not only the median round's.
    const runs = [all(idle), all(ka1), all(ka16), all(cached), all(fresh), all(sse), all(large)].flat();
    r.errors = runs.reduce((sum, c) => sum + c.errors, 0) + r.notes.length;
  }
  return [...results.values()];
}

import { runIdle } from './cases/idle.js';
import { runKeepAlive } from './cases/keep-alive.js';
import { runLargeBody } from './cases/large-body.js';
import { runNewConnections } from './cases/new-connection.js';
import { runSse } from './cases/sse.js';
import type { Child } from './ipc.js';
import type { Probe } from './probe.js';
import { emptyResult, type ConnectResult, type SubjectResult } from './results.js';
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
 * The cases BENCH_RESTART starts processes afresh for: the keep-alive ones, which warm up (every
 * connection opened, both sides' JIT settled) before they measure. The others would measure a
 * cold process: a new connection's first request through code not yet compiled, a leaf not yet
 * cached, which is another figure than the one they report.
 */
const RESTARTED: readonly (typeof CASES)[number][] = ['keepalive'];

/** Round `round`'s (from 1) share of `n` samples over `rounds`: [start, end), in turn, none left out. Pure. */
export function roundShare(n: number, rounds: number, round: number): [number, number] {
  return [Math.floor(((round - 1) * n) / rounds), Math.floor((round * n) / rounds)];
}

/** Each figure the median of its rounds, with the samples of all of them counted; null without a round. */
function connectFigures(rounds: ConnectResult[]): ConnectResult | null {
  const middle = medianOfEach(rounds, (x) => x.ms.p50);
  return middle ? { ...middle, samples: rounds.reduce((sum, x) => sum + x.samples, 0) } : null;
}

export interface CaseResults {
  /** Each subject's figures, each the median of its rounds. */
  results: SubjectResult[];
  /** Each subject's figures round by round (index 0 is round 1), for paired comparisons. */
  rounds: Map<string, SubjectResult[]>;
}

/**
 * The orders of a Williams design for `n` subjects (indices): every subject runs in every place,
 * and right after every other subject, equally often over the rows (n rows for even n, 2n for
 * odd). Whatever running after a given subject costs (the garbage of direct's heavy load, a warm
 * or cold upstream), every subject pays it alike, not always the same one. Rotating one fixed
 * order moved subjects between places but kept each behind the same neighbour. Pure.
 */
export function williamsRows(n: number): number[][] {
  if (n <= 0) return [[]];
  // 0, 1, n-1, 2, n-2, …: the differences between neighbours are all different modulo n.
  const first = Array.from({ length: n }, (_, j) => (j % 2 === 1 ? (j + 1) / 2 : (n - j / 2) % n));
  const rows = Array.from({ length: n }, (_, i) => first.map((s) => (s + i) % n));
  return n % 2 === 0 ? rows : [...rows, ...rows.map((row) => [...row].reverse())];
}

/** The subjects in the order round `round` (from 1) runs them: the rows of `williamsRows` in turn. */
export function roundOrder<T>(subjects: readonly T[], round: number): T[] {
  const rows = williamsRows(subjects.length);
  return rows[(round - 1) % rows.length]!.map((i) => subjects[i]!);
}

/**
 * Runs case by case, and within a case subject after subject (round after round where rounds
 * apply, each in its own order: roundOrder), so a change in the machine's load while the bench
 * runs hits every subject alike.
 * Idle memory goes first, while every proxy process is fresh: later cases leave freed heap that
 * new connections would reuse without growing RSS, hiding their cost.
 */
export async function runCases(o: RunCasesOptions): Promise<CaseResults> {
  const { settings } = o;
  const results = new Map(o.subjects.map((s) => [s.name, emptyResult(s.name)]));
  // Per subject, each round's figure at the round's index (a failed round leaves a hole).
  const each = async <T>(
    name: (typeof CASES)[number],
    label: string,
    rounds: number,
    fn: (ctx: CaseContext, round: number) => Promise<T>,
  ): Promise<Map<string, (T | undefined)[]>> => {
    const out = new Map<string, (T | undefined)[]>(o.subjects.map((s) => [s.name, []]));
    if (!caseWanted(settings, name)) return out;
    for (let round = 1; round <= rounds; round++) {
      if (settings.restart && rounds > 1 && RESTARTED.includes(name)) {
        o.progress(`round ${round}/${rounds}: starting every gateway process afresh…`);
        for (const subject of o.subjects) {
          await subject.renew?.().catch((err: unknown) => {
            results.get(subject.name)!.notes.push(`${subject.name} restart failed: ${err instanceof Error ? err.message : String(err)}`);
          });
        }
      }
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
          out.get(subject.name)![round - 1] = await fn(ctx, round);
        } catch (err) {
          r.notes.push(`${subject.name} ${label} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        const counts = await o.upstream.call<UpstreamCounts>('counts');
        r.injection.requests += counts.matched + counts.missing;
        r.injection.matched += counts.matched;
        r.injection.missing += counts.missing;
        r.injection.connections += counts.connections;
      }
    }
    return out;
  };
  const n = settings.connectSamples;
  const rounds = settings.rounds;
  const idle = await each('idle', `${settings.idleConnections} idle connections`, 1, runIdle);
  const ka1 = await each('keepalive', 'keep-alive, 1 connection', rounds, (ctx) => runKeepAlive(ctx, 1));
  const ka16 = await each('keepalive', 'keep-alive, 16 connections', rounds, (ctx) => runKeepAlive(ctx, 16));
  // The samples are shared out over the rounds (each new host still used once by one subject).
  const connectRounds = Math.min(rounds, n);
  const share = <T>(items: T[], round: number): T[] => items.slice(...roundShare(n, connectRounds, round));
  const cached = await each('connect', 'new connections, cached leaf', connectRounds, (ctx, round) =>
    runNewConnections(ctx, share(Array.from({ length: n }, () => UPSTREAM_HOST), round)),
  );
  const fresh = await each('connect', 'new connections, new hosts', connectRounds, (ctx, round) =>
    runNewConnections(ctx, share(newHostNames(ctx.subject.name, n), round)),
  );
  const sse = await each('sse', 'server-sent events', rounds, runSse);
  const large = await each('large', `large body (${settings.largeMiB} MiB)`, rounds, runLargeBody);
  const byRound = new Map<string, SubjectResult[]>();
  for (const r of results.values()) {
    const at = <T>(m: Map<string, (T | undefined)[]>): (T | undefined)[] => m.get(r.subject) ?? [];
    const all = <T>(m: Map<string, (T | undefined)[]>): T[] => at(m).filter((x): x is T => x !== undefined);
    r.idle = all(idle)[0] ?? null;
    // Each figure the median of its own rounds (latency, CPU per request), not the median round's.
    r.keepAlive1 = medianOfEach(all(ka1), (x) => x.rps) ?? null;
    r.keepAlive16 = medianOfEach(all(ka16), (x) => x.rps) ?? null;
    r.connectCached = connectFigures(all(cached));
    r.connectNewHost = connectFigures(all(fresh));
    r.sse = medianOfEach(all(sse), (x) => x.firstEventMs.p50) ?? null;
    r.large = medianOfEach(all(large), (x) => x.mibPerSecond) ?? null;
    // Every round's failures count, not only the median round's.
    const runs = [all(idle), all(ka1), all(ka16), all(cached), all(fresh), all(sse), all(large)].flat();
    r.errors = runs.reduce((sum, c) => sum + c.errors, 0) + r.notes.length;
    // Round by round, for the paired figures (one-round cases only in the first).
    byRound.set(
      r.subject,
      Array.from({ length: rounds }, (_, i) => ({
        ...emptyResult(r.subject),
        idle: at(idle)[i] ?? null,
        keepAlive1: at(ka1)[i] ?? null,
        keepAlive16: at(ka16)[i] ?? null,
        connectCached: at(cached)[i] ?? null,
        connectNewHost: at(fresh)[i] ?? null,
        sse: at(sse)[i] ?? null,
        large: at(large)[i] ?? null,
      })),
    );
  }
  return { results: [...results.values()], rounds: byRound };
}

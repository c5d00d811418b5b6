import type { Dial, Target } from './client.js';
import type { Probe } from './probe.js';
import type { BenchSettings, CASES } from './settings.js';

/** The upstream's name; subdomains of it are the never-seen hosts of the new-host case. */
export const UPSTREAM_HOST = 'bench.upstream.test';

/** The header every request must reach the upstream with. */
export const INJECTED_HEADER = 'x-bench-key';

/** One way of reaching the upstream: direct, our gateway, or a comparison proxy. */
export interface Subject {
  name: string;
  dial: Dial;
  /** Headers the client sends itself: direct sends the value, proxies must inject it. */
  headers: Readonly<Record<string, string>>;
  /** The proxy's CPU and memory; null for direct. */
  probe: Probe | null;
  /** Cases this subject cannot take part in (the floor mints no leaves); its column shows — there. */
  sitsOut?: readonly (typeof CASES)[number][];
  close(): Promise<void>;
  /**
   * Replaces the subject's process with a fresh one (BENCH_RESTART, before every keep-alive round): a
   * process's own luck (its memory layout, where it lands on the cores) then averages out over
   * the rounds instead of biasing its whole column.
   */
  renew?(): Promise<void>;
}

/** What every case gets. */
export interface CaseContext {
  subject: Subject;
  target: Target;
  settings: BenchSettings;
  /** The upstream's own CPU and memory: the cost of a plain Node HTTPS server, for reference. */
  upstream: Probe;
}

/** Host names used once each by one subject's new-host case (the upstream has a leaf for each). */
export function newHostNames(subject: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${subject}-${i}.${UPSTREAM_HOST}`);
}

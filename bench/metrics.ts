import type { SubjectResult } from './results.js';

export type Unit = 'req/s' | 'ms' | 'µs' | 'MiB/s' | 'MiB' | 'KiB' | 'count';

/**
 * How a subject's figure is judged: as it is, as a ratio to direct, or as the amount it adds
 * to direct. `bound` is the target; a metric without one is shown for information.
 */
export interface Metric {
  id: string;
  label: string;
  unit: Unit;
  compare: 'value' | 'ratio' | 'added';
  bound?: { op: '>=' | '<='; limit: number };
  /** Only proxies have it (CPU, memory): the direct column stays empty. */
  proxiesOnly?: boolean;
  /** The bound applies to the direct column too (e.g. zero failed requests). */
  judgeDirect?: boolean;
  /** False: a figure near zero, whose ratio between two subjects means nothing (not paired). */
  paired?: false;
  pick(r: SubjectResult): number | null | undefined;
}

/** The figures of issue 3's benchmark section, in the order the table prints them. */
export const METRICS: readonly Metric[] = [
  { id: 'rps_1', label: 'keep-alive req/s, 1 conn', unit: 'req/s', compare: 'ratio', pick: (r) => r.keepAlive1?.rps },
  {
    id: 'rps_16',
    label: 'keep-alive req/s, 16 conn',
    unit: 'req/s',
    compare: 'ratio',
    bound: { op: '>=', limit: 0.6 },
    pick: (r) => r.keepAlive16?.rps,
  },
  {
    id: 'p50_1',
    label: 'latency p50, 1 conn',
    unit: 'ms',
    compare: 'added',
    bound: { op: '<=', limit: 0.3 },
    pick: (r) => r.keepAlive1?.latencyMs.p50,
  },
  { id: 'p99_1', label: 'latency p99, 1 conn', unit: 'ms', compare: 'added', pick: (r) => r.keepAlive1?.latencyMs.p99 },
  { id: 'p50_16', label: 'latency p50, 16 conn', unit: 'ms', compare: 'added', pick: (r) => r.keepAlive16?.latencyMs.p50 },
  { id: 'p99_16', label: 'latency p99, 16 conn', unit: 'ms', compare: 'added', pick: (r) => r.keepAlive16?.latencyMs.p99 },
  {
    id: 'cpu_16',
    label: 'proxy CPU per request, 16 conn',
    unit: 'µs',
    compare: 'value',
    bound: { op: '<=', limit: 60 },
    proxiesOnly: true,
    pick: (r) => r.keepAlive16?.cpuUsPerRequest,
  },
  {
    id: 'cpu_1',
    label: 'proxy CPU per request, 1 conn',
    unit: 'µs',
    compare: 'value',
    proxiesOnly: true,
    pick: (r) => r.keepAlive1?.cpuUsPerRequest,
  },
  {
    id: 'upstream_cpu_16',
    label: 'upstream CPU per request, 16 conn',
    unit: 'µs',
    compare: 'value',
    pick: (r) => r.keepAlive16?.upstreamCpuUsPerRequest,
  },
  {
    id: 'client_cpu_16',
    label: 'load generator CPU per request, 16 conn',
    unit: 'µs',
    compare: 'value',
    pick: (r) => r.keepAlive16?.clientCpuUsPerRequest,
  },
  { id: 'conn_cached', label: 'new conn + 1st request, cached leaf p50', unit: 'ms', compare: 'added', pick: (r) => r.connectCached?.ms.p50 },
  {
    id: 'conn_new_host',
    label: 'new conn + 1st request, new host p50',
    unit: 'ms',
    compare: 'value',
    bound: { op: '<=', limit: 5 },
    pick: (r) => r.connectNewHost?.ms.p50,
  },
  {
    id: 'sse_first',
    label: 'SSE first event p50',
    unit: 'ms',
    compare: 'added',
    bound: { op: '<=', limit: 1 },
    pick: (r) => r.sse?.firstEventMs.p50,
  },
  { id: 'sse_delay_50', label: 'SSE per-event delay p50', unit: 'ms', compare: 'added', pick: (r) => r.sse?.eventDelayMs.p50 },
  { id: 'sse_delay_99', label: 'SSE per-event delay p99', unit: 'ms', compare: 'added', pick: (r) => r.sse?.eventDelayMs.p99 },
  {
    id: 'large',
    label: 'large body throughput',
    unit: 'MiB/s',
    compare: 'ratio',
    bound: { op: '>=', limit: 0.65 },
    pick: (r) => r.large?.mibPerSecond,
  },
  {
    id: 'large_rss',
    label: 'proxy RSS growth during large body',
    unit: 'MiB',
    compare: 'value',
    // "Flat memory": the bound issue 3's 256 MiB streaming test uses.
    bound: { op: '<=', limit: 64 },
    proxiesOnly: true,
    paired: false,
    pick: (r) => (r.large?.rssMaxMiB != null && r.large.rssBeforeMiB != null ? r.large.rssMaxMiB - r.large.rssBeforeMiB : null),
  },
  {
    id: 'idle_kib',
    label: 'memory per idle connection (direct: bare Node TLS server)',
    unit: 'KiB',
    compare: 'value',
    bound: { op: '<=', limit: 32 },
    // The direct column shows the upstream's own figure: what Node's TLS server needs.
    pick: (r) => r.idle?.kibPerConnection,
  },
  { id: 'requests', label: 'requests seen by the upstream', unit: 'count', compare: 'value', pick: (r) => r.injection.requests },
  {
    id: 'upstream_connections',
    label: 'TLS connections the upstream accepted',
    unit: 'count',
    compare: 'value',
    pick: (r) => r.injection.connections,
  },
  {
    id: 'bad',
    label: 'requests failed or without injected value',
    unit: 'count',
    compare: 'value',
    bound: { op: '<=', limit: 0 },
    judgeDirect: true,
    pick: (r) => r.injection.missing + r.errors,
  },
];

import type { Summary } from './stats.js';

/** What one benchmark run measured for one subject (direct, gateway, squid, mitmproxy). */

export interface LoadResult {
  connections: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  latencyMs: Summary;
  /** CPU the proxy process(es) used per request; null for direct or when it cannot be read. */
  cpuUsPerRequest: number | null;
  /** CPU the upstream (a plain Node HTTPS server) used per request: what one TLS+HTTP side costs. */
  upstreamCpuUsPerRequest: number | null;
  /** The load generator's own CPU (this process): what it takes from the two cores the subject shares. */
  clientCpuUsPerRequest: number | null;
}

export interface ConnectResult {
  samples: number;
  errors: number;
  /** CONNECT (when proxied) + TLS handshake + first request and its response. */
  ms: Summary;
}

export interface SseResult {
  streams: number;
  events: number;
  errors: number;
  /** From sending the request to the first event, on a warm keep-alive connection. */
  firstEventMs: Summary;
  /** From the upstream writing an event to the client parsing it (monotonic clock, same host). */
  eventDelayMs: Summary;
}

export interface LargeResult {
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  errors: number;
  rssBeforeMiB: number | null;
  rssMaxMiB: number | null;
}

/** For direct: the upstream's memory per idle connection (Node's own TLS server floor). */
export interface IdleResult {
  connections: number;
  errors: number;
  rssBeforeMiB: number | null;
  rssAfterMiB: number | null;
  kibPerConnection: number | null;
}

/** Requests the upstream saw, how many carried the expected injected header value, and the TLS connections they came on. */
export interface InjectionCount {
  requests: number;
  matched: number;
  missing: number;
  connections: number;
}

export interface SubjectResult {
  subject: string;
  keepAlive1: LoadResult | null;
  keepAlive16: LoadResult | null;
  connectCached: ConnectResult | null;
  connectNewHost: ConnectResult | null;
  sse: SseResult | null;
  large: LargeResult | null;
  idle: IdleResult | null;
  injection: InjectionCount;
  /** Client-side failures over every case. */
  errors: number;
  notes: string[];
}

/** An empty result to fill case by case. */
export function emptyResult(subject: string): SubjectResult {
  return {
    subject,
    keepAlive1: null,
    keepAlive16: null,
    connectCached: null,
    connectNewHost: null,
    sse: null,
    large: null,
    idle: null,
    injection: { requests: 0, matched: 0, missing: 0, connections: 0 },
    errors: 0,
    notes: [],
  };
}

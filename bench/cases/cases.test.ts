import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage, ownFigures } from '../own-figures.js';
import type { Probe } from '../probe.js';
import { startDirectSubject } from '../proxies/direct.js';
import { DEFAULT_SETTINGS } from '../settings.js';
import { INJECTED_HEADER, UPSTREAM_HOST, newHostNames, type CaseContext } from '../subject.js';
import { startUpstream, type UpstreamServer } from '../upstream-server.js';
import { runIdle } from './idle.js';
import { runKeepAlive } from './keep-alive.js';
import { runLargeBody } from './large-body.js';
import { runNewConnections } from './new-connection.js';
import { runSse } from './sse.js';

// Every case against the real upstream, direct, in this process: the figures must be sane and
// every request must have reached the upstream with the value.
const VALUE = 'bench-test-value';
let upstream: UpstreamServer;
let ctx: CaseContext;
const selfProbe: Probe = { figures: async () => ownFigures(), gc: async () => collectGarbage() };

beforeAll(async () => {
  upstream = await startUpstream({ names: [UPSTREAM_HOST, ...newHostNames('direct', 3)], headerName: INJECTED_HEADER, value: VALUE });
  const subject = await startDirectSubject({ upstreamPort: upstream.port, upstreamCaPem: upstream.caPem, value: VALUE });
  ctx = {
    subject,
    settings: { ...DEFAULT_SETTINGS, seconds: 0.5, sseStreams: 2, sseEvents: 3, sseGapMs: 5, largeMiB: 8, idleConnections: 20, idleSettleMs: 30 },
    upstream: selfProbe,
    target: { host: UPSTREAM_HOST, port: upstream.port, headers: subject.headers },
  };
});

afterAll(async () => {
  await upstream.close();
});

describe('bench cases against the upstream, direct', () => {
  it('keep-alive measures requests/s, latency and upstream CPU', async () => {
    const before = upstream.counts.matched;
    const r = await runKeepAlive(ctx, 4);
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(20);
    expect(r.rps).toBeCloseTo(r.requests / r.seconds);
    expect(r.latencyMs.p50).toBeGreaterThan(0);
    expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
    expect(r.cpuUsPerRequest).toBeNull();
    expect(r.upstreamCpuUsPerRequest).toBeGreaterThan(0);
    expect(r.clientCpuUsPerRequest).toBeGreaterThan(0);
    expect(upstream.counts.matched - before).toBeGreaterThanOrEqual(r.requests);
    expect(upstream.counts.missing).toBe(0);
  });

  it('new connections time one sample per host', async () => {
    const r = await runNewConnections(ctx, newHostNames('direct', 3));
    expect(r).toMatchObject({ samples: 3, errors: 0 });
    expect(r.ms.p50).toBeGreaterThan(0);
    const bad = await runNewConnections(ctx, ['unknown.test']);
    expect(bad).toMatchObject({ samples: 0, errors: 1 });
  });

  it('SSE counts every event and times the first', async () => {
    const r = await runSse(ctx);
    expect(r).toMatchObject({ streams: 2, events: 6, errors: 0 });
    expect(r.firstEventMs.count).toBe(2);
    expect(r.eventDelayMs.count).toBe(6);
    expect(r.eventDelayMs.min).toBeGreaterThanOrEqual(0);
    expect(r.eventDelayMs.max).toBeLessThan(1_000);
  });

  it('large body reads every byte', async () => {
    const r = await runLargeBody(ctx);
    expect(r.errors).toBe(0);
    expect(r.bytes).toBe(8 * 1024 * 1024);
    expect(r.mibPerSecond).toBeGreaterThan(0);
    expect(r.rssBeforeMiB).toBeNull();
  });

  it('idle connections are held open and measured', async () => {
    const r = await runIdle(ctx);
    expect(r).toMatchObject({ connections: 20, errors: 0 });
    expect(r.rssAfterMiB).toBeGreaterThan(0);
    expect(r.kibPerConnection).not.toBeNull();
  });
});

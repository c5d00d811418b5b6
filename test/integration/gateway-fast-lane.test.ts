import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../src/vault/model/policy-rule.js';
import type { AuditEntry } from '../../src/vault/model/records.js';
import { agentConnection, B64, laneHandler, VALUE, type Seen } from './fast-lane-harness.js';
import { startHarness, type Harness } from './gateway-harness.js';

/**
 * The native fast lane (native/tls-transport/lane.cc) against the JavaScript path: the same
 * requests on kept-alive connections through a gateway with the lane and one without must reach
 * the upstream as the same bytes, reach the agent as the same responses, and leave the same
 * audit rows; and the lane must really have served them.
 */

interface Step {
  /** Raw request bytes; `{host}` stands for the Host value. */
  raw: string;
  method: string;
  /** Several requests written at once: read this many responses. */
  responses?: string[];
}

const GET = (path: string, extra = ''): Step => ({ raw: `GET ${path} HTTP/1.1\r\nHost: {host}\r\n${extra}\r\n`, method: 'GET' });

const STEPS: Step[] = [
  GET('/first'),
  GET('/json', 'Accept: application/json\r\nUser-Agent: lane-test\r\n'),
  GET('/json?q=1', 'authorization: Bearer agent-own\r\nX-Mixed-Case: Yes\r\n'),
  GET('/split'),
  GET('/bin'),
  GET('/gzip', 'Accept-Encoding: gzip\r\n'),
  GET('/header', 'Connection: keep-alive\r\n'),
  GET('/keep'),
  GET('/empty'),
  { raw: 'HEAD /json HTTP/1.1\r\nHost: {host}\r\n\r\n', method: 'HEAD' },
  { raw: 'POST /post HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world', method: 'POST' },
  // The placeholder and a chunked body are the JavaScript path's.
  GET('/json', 'X-Api-Key: onecli-managed\r\n'),
  { raw: 'POST /post HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', method: 'POST' },
  // Pipelined: both written at once, answered in order.
  { raw: 'GET /json/a HTTP/1.1\r\nHost: {host}\r\n\r\nGET /json/b HTTP/1.1\r\nHost: {host}\r\n\r\n', method: 'GET', responses: ['GET', 'GET'] },
  GET('/close'),
  GET('/last'),
];

interface RunResult {
  responses: Seen[];
  upstream: { method: string; url: string; rawHeaders: string[]; body: string }[];
  audit: Pick<AuditEntry, 'method' | 'path' | 'secretName' | 'decision' | 'status' | 'bytesIn' | 'bytesOut' | 'reason'>[];
}

async function runSteps(h: Harness, token: string, host: string, port: number): Promise<RunResult> {
  const target = `${host}:${port}`;
  const before = h.upstream.requests.length;
  const agent = await agentConnection(h, token, target, h.vaultCaPem);
  const responses: Seen[] = [];
  for (const step of STEPS) {
    agent.send(step.raw.replaceAll('{host}', target));
    for (const method of step.responses ?? [step.method]) responses.push(await agent.read(method));
  }
  agent.close();
  await new Promise((r) => setTimeout(r, 50));
  const rows = h.rows().slice().reverse();
  return {
    responses,
    // The two gateways' upstreams listen on different ports.
    upstream: h.upstream.requests.slice(before).map((r) => ({
      method: r.method,
      url: r.url,
      rawHeaders: r.rawHeaders.map((v) => v.replace(`:${port}`, ':PORT')),
      body: r.body.toString('latin1'),
    })),
    audit: rows
      .filter((r) => r.method !== 'CONNECT')
      .slice(-responses.length)
      .map(({ method, path, secretName, decision, status, bytesIn, bytesOut, reason }) => ({ method, path, secretName, decision, status, bytesIn, bytesOut, reason })),
  };
}

const rules: PolicyRule[] = [];

// The lane is the native transport's: the gateway-node-tls project (Node's TLS) has none to test.
describe.skipIf(process.env.NANOCLAW_GATEWAY_TLS === 'node')('the native fast lane', () => {
  const withLane = {} as { h: Harness; token: string };
  const without = {} as { h: Harness; token: string };

  beforeAll(async () => {
    for (const [suite, fastLane] of [
      [withLane, true],
      [without, false],
    ] as const) {
      suite.h = await startHarness({ handler: laneHandler, gateway: { tls: 'native', fastLane, policyRules: () => rules } });
      suite.token = suite.h.addAgent('lane-agent').token;
      suite.h.addSecret({ name: 'gh', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
      suite.h.addSecret({ name: 'anthropic', type: 'anthropic', value: `sk-ant-api-${VALUE}`, hostPattern: 'api.anthropic.com' });
    }
  });
  afterAll(async () => {
    await withLane.h?.close();
    await without.h?.close();
  });

  for (const host of ['api.github.test', 'api.anthropic.com']) {
    it(`serves ${host} exactly as the JavaScript path does, and really serves it`, async () => {
      const lane = await runSteps(withLane.h, withLane.token, host, withLane.h.upstream.port);
      const js = await runSteps(without.h, without.token, host, without.h.upstream.port);
      expect(lane.responses).toEqual(js.responses);
      expect(lane.upstream).toEqual(js.upstream);
      expect(lane.audit).toEqual(js.audit);
      // The lane forwarded most of them (the first needs a pooled connection, a few are the JavaScript path's).
      const counts = withLane.h.gateway.laneCounts();
      expect(counts.forwarded).toBeGreaterThanOrEqual(8);
      expect(counts.takenOver).toBeGreaterThanOrEqual(1); // the gzip body is decoded by JavaScript
      expect(without.h.gateway.laneCounts()).toEqual({ forwarded: 0, takenOver: 0 });
    });
  }

  it('redacts every echo in headers and bodies of any type, also split across upstream writes', async () => {
    const { responses } = await runSteps(withLane.h, withLane.token, 'api.github.test', withLane.h.upstream.port);
    const stars = (s: string): string => '*'.repeat(s.length);
    // Index 4 is a binary body: scanned too, whatever its type (response-plan.ts).
    expect(responses[4]!.body).toBe(stars(VALUE));
    const text = JSON.stringify(responses);
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(B64);
    expect(responses[1]!.body).toBe(JSON.stringify({ echo: stars(VALUE), b64: stars(B64), path: '/json' }));
    expect(responses[3]!.body).toBe(`data: ${stars(VALUE)}\n\n`);
    // The whole field the gateway wrote is an echo form of its own.
    expect(responses[6]!.headers).toContain('[REDACTED]');
    expect(responses[6]!.headers).not.toContain('Bearer');
  });

  it('redacts a body sent with a Content-Length at equal length, keeping its Content-Length and framing', async () => {
    const { responses } = await runSteps(withLane.h, withLane.token, 'api.github.test', withLane.h.upstream.port);
    for (const at of [1, 4]) {
      const r = responses[at]!;
      const names = r.headers.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
      expect(names).not.toContain('transfer-encoding');
      expect(r.headers[names.indexOf('content-length') * 2 + 1]).toBe(String(Buffer.byteLength(r.body, 'latin1')));
      expect(r.body).not.toContain(VALUE);
    }
    // The lane served them.
    expect(withLane.h.gateway.laneCounts().forwarded).toBeGreaterThanOrEqual(8);
  });

  const both = (): [Harness, string][] => [
    [withLane.h, withLane.token],
    [without.h, without.token],
  ];

  it('counts a rate limit once per request, on the lane as on the JavaScript path', async () => {
    rules.splice(0, rules.length, { id: 'three', action: 'rate_limit', hostPattern: 'api.github.test', limit: 3, window: 'minute' });
    try {
      const forwarded = withLane.h.gateway.laneCounts().forwarded;
      for (const [h, token] of both()) {
        const agent = await agentConnection(h, token, `api.github.test:${h.upstream.port}`, h.vaultCaPem);
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          agent.send(`GET /limited/${i} HTTP/1.1\r\nHost: api.github.test:${h.upstream.port}\r\n\r\n`);
          statuses.push((await agent.read('GET')).status);
        }
        agent.close();
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        const rows = h.rows().filter((r) => r.path.startsWith('/limited/'));
        expect(rows.map((r) => r.decision).sort()).toEqual(['injected', 'injected', 'injected', 'rate_limited', 'rate_limited']);
      }
      expect(withLane.h.gateway.laneCounts().forwarded).toBeGreaterThan(forwarded);
    } finally {
      rules.length = 0;
    }
  });

  it('audits an agent that leaves mid-response as client_closed, as the JavaScript path does', async () => {
    const reasons: (string | null)[] = [];
    for (const [h, token] of both()) {
      const agent = await agentConnection(h, token, `api.github.test:${h.upstream.port}`, h.vaultCaPem);
      agent.send(`GET /json HTTP/1.1\r\nHost: api.github.test:${h.upstream.port}\r\n\r\n`);
      await agent.read('GET');
      agent.send(`GET /slow HTTP/1.1\r\nHost: api.github.test:${h.upstream.port}\r\n\r\n`);
      await new Promise((r) => setTimeout(r, 50));
      agent.close();
      await new Promise((r) => setTimeout(r, 300));
      const row = h.rows().find((r) => r.path === '/slow');
      reasons.push(row?.reason ?? 'no row');
      expect(row).toMatchObject({ decision: 'injected', reason: 'client_closed' });
    }
    expect(reasons[0]).toBe(reasons[1]);
  });

  it('cuts the agent’s response short when the upstream fails mid-body, as the JavaScript path does', async () => {
    for (const [h, token] of both()) {
      const agent = await agentConnection(h, token, `api.github.test:${h.upstream.port}`, h.vaultCaPem);
      agent.send(`GET /json HTTP/1.1\r\nHost: api.github.test:${h.upstream.port}\r\n\r\n`);
      await agent.read('GET');
      agent.send(`GET /cut HTTP/1.1\r\nHost: api.github.test:${h.upstream.port}\r\n\r\n`);
      await expect(agent.read('GET')).rejects.toThrow(/closed before the response/);
      await new Promise((r) => setTimeout(r, 50));
      expect(h.rows().find((r) => r.path === '/cut')).toMatchObject({ decision: 'injected', status: 200, reason: 'upstream_error' });
    }
  });

  // This also caught the JavaScript path's native pipe reading on into JavaScript after the pipe
  // began (the test's own byte-by-byte reading lets records pile up), which stalled the body.
  it('carries large bodies as the JavaScript path does: binary and text scanned', async () => {
    const seen: { status: number; length: number; sha256: string; redactions: number }[][] = [];
    for (const [h, token] of both()) {
      const agent = await agentConnection(h, token, `api.github.test:${h.upstream.port}`, h.vaultCaPem);
      const results = [];
      for (const path of ['/json', '/big', '/big-text', '/json']) {
        agent.send(`GET ${path} HTTP/1.1\r\nHost: api.github.test:${h.upstream.port}\r\n\r\n`);
        const r = await agent.read('GET');
        results.push({
          status: r.status,
          length: r.body.length,
          sha256: createHash('sha256').update(r.body, 'latin1').digest('hex'),
          redactions: r.body.split(`*`.repeat(VALUE.length)).length - 1,
        });
        expect(r.body).not.toContain(path === '/big' ? 'never' : VALUE);
      }
      agent.close();
      seen.push(results);
    }
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]![1]!.length).toBe(8 * 1024 * 1024 + 12_345);
    expect(seen[0]![2]!.redactions).toBeGreaterThan(20);
  });

  it('answers, in order, more pipelined requests than the lane holds while one is in flight', async () => {
    for (const [h, token] of both()) {
      const agent = await agentConnection(h, token, `api.github.test:${h.upstream.port}`, h.vaultCaPem);
      const host = `api.github.test:${h.upstream.port}`;
      agent.send(`GET /json HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      await agent.read('GET');
      // ~320 KiB of requests behind a slow one, each 128 bytes so that TLS records (16 KiB) end
      // on request boundaries: the lane holds them, stops reading past 256 KiB, and must go on.
      const count = 2_500;
      const request = (path: string): string => {
        const head = (pad: string) => `GET ${path}?${pad} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
        return head('p'.repeat(128 - head('').length));
      };
      let burst = request('/slow');
      for (let i = 0; i < count; i++) burst += request(`/n/${i}`);
      expect(burst.length).toBe(128 * (count + 1));
      agent.send(burst);
      expect((await agent.read('GET')).body).toBe(`0123456789${'x'.repeat(90)}`);
      for (let i = 0; i < count; i++) {
        const r = await agent.read('GET');
        expect(JSON.parse(r.body).path).toMatch(new RegExp(`^/n/${i}\\?p+$`));
      }
      agent.close();
    }
  }, 60_000);

  it('never logs or audits the value', async () => {
    for (const [h, token] of both()) {
      await runSteps(h, token, 'api.github.test', h.upstream.port);
      h.gateway.flushAudit();
      const rows = h.store.audit.list({ limit: 100_000, offset: 0 });
      expect(rows.total).toBe(rows.data.length);
      expect(rows.data.filter((r) => r.decision === 'injected').length).toBeGreaterThanOrEqual(10);
      const seen = JSON.stringify(rows.data) + h.logLines.join('\n');
      expect(seen).not.toContain(VALUE);
      expect(seen).not.toContain(B64);
    }
  });
});

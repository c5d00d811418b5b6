import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeSelfTest, PROBE_SCRIPT, selfTestPlan, type ProbeResult } from './self-test-probe.js';

const run = promisify(execFile);

describe('selfTestPlan', () => {
  const plan = selfTestPlan({
    hostAddresses: ['192.168.1.5', 'fd00::5'],
    bridgeGateways: ['172.17.0.1', '192.168.1.5'],
    otherContainers: ['172.20.0.2'],
    gateway: { host: 'gateway', port: 10255 },
    apiPort: 10254,
    ports: [22, 80],
  });
  const targets = plan.map((t) => `${t.kind} ${t.target}`);
  it('covers host addresses, bridge gateways, other containers, metadata, a public IP, DNS, the API port and the gateway', () => {
    expect(targets).toEqual(expect.arrayContaining([
      'tcp 192.168.1.5:22', 'tcp [fd00::5]:80', 'tcp 172.17.0.1:80', 'tcp 172.20.0.2:10254', 'tcp 169.254.169.254:80',
      'tcp 1.1.1.1:443', 'http gateway:10254', 'dns example.com', 'gateway gateway:10255',
    ]));
  });
  it('deduplicates (a host address that is also a bridge gateway is tried once)', () => {
    expect(new Set(targets).size).toBe(targets.length);
    expect(targets.filter((t) => t === 'tcp 192.168.1.5:22')).toHaveLength(1);
  });
});

describe('judgeSelfTest', () => {
  const plan = selfTestPlan({ hostAddresses: ['10.0.0.5'], bridgeGateways: [], otherContainers: [], gateway: { host: 'gateway', port: 10255 }, apiPort: 10254, ports: [80] });
  const closedAll = (): ProbeResult[] => plan.map((t) => ({ kind: t.kind, target: t.target, outcome: t.kind === 'gateway' ? 'open' : 'closed', detail: 'ENETUNREACH' }));
  it('passes when every path is closed and the gateway answered', () => {
    expect(judgeSelfTest(plan, closedAll())).toEqual({ ok: true, escapes: [], gatewayProblem: null });
  });
  it('names each open path and why it matters', () => {
    const results = closedAll().map((r) => (r.target === '10.0.0.5:80' ? { ...r, outcome: 'open' as const, detail: 'ECONNREFUSED' } : r));
    const v = judgeSelfTest(plan, results);
    expect(v.ok).toBe(false);
    expect(v.escapes).toEqual(['10.0.0.5:80 (a host address: ECONNREFUSED)']);
  });
  it('fails when the gateway did not answer, and counts a missing result as an escape', () => {
    const results = closedAll().filter((r) => r.kind !== 'dns').map((r) => (r.kind === 'gateway' ? { ...r, outcome: 'closed' as const, detail: 'timeout' } : r));
    const v = judgeSelfTest(plan, results);
    expect(v.gatewayProblem).toMatch(/did not answer \(timeout\)/);
    expect(v.escapes.some((e) => e.includes('not tried'))).toBe(true);
  });
});

describe('PROBE_SCRIPT (run with this node against real sockets)', () => {
  let listener: Server;
  let proxy: Server;
  let closedPort: number;
  let api: Server;
  beforeAll(async () => {
    api = createServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))).listen(0, '127.0.0.1');
    await new Promise((r) => api.once('listening', r));
    listener = createServer((s) => s.end()).listen(0, '127.0.0.1');
    proxy = createServer((s) => s.once('data', () => s.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'))).listen(0, '127.0.0.1');
    await Promise.all([listener, proxy].map((s) => new Promise((r) => s.once('listening', r))));
    const tmp = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => tmp.once('listening', r));
    closedPort = (tmp.address() as { port: number }).port;
    await new Promise((r) => tmp.close(r));
  });
  afterAll(() => {
    listener.close();
    proxy.close();
    api.close();
  });

  it('reports connected and refused ports as open, unroutable ones as closed, HTTP answers, and the 407 of the gateway', async () => {
    const port = (s: Server) => (s.address() as { port: number }).port;
    const plan = [
      { kind: 'tcp', target: `127.0.0.1:${port(listener)}`, why: 'x' },
      { kind: 'tcp', target: `127.0.0.1:${closedPort}`, why: 'x' },
      { kind: 'tcp', target: '[100::1]:9', why: 'x' },
      { kind: 'dns', target: 'name.invalid', why: 'x' },
      { kind: 'gateway', target: `127.0.0.1:${port(proxy)}`, why: 'x' },
      { kind: 'http', target: `127.0.0.1:${port(api)}`, why: 'x' },
      { kind: 'http', target: `127.0.0.1:${port(listener)}`, why: 'x' },
      { kind: 'http', target: `127.0.0.1:${closedPort}`, why: 'x' },
    ];
    const { stdout } = await run(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify(plan), '500']);
    const results = JSON.parse(stdout) as ProbeResult[];
    expect(results.map((r) => [r.target.replace(/:\d+$/, ''), r.outcome, r.detail])).toEqual([
      ['127.0.0.1', 'open', 'connected'],
      ['127.0.0.1', 'open', 'ECONNREFUSED'],
      ['[100::1]', 'closed', expect.any(String)],
      ['name.invalid', 'closed', expect.any(String)],
      ['127.0.0.1', 'open', 'HTTP 407'],
      ['127.0.0.1', 'open', 'HTTP 200'],
      ['127.0.0.1', 'closed', 'closed without an answer'],
      ['127.0.0.1', 'closed', 'ECONNREFUSED'],
    ]);
  });
});

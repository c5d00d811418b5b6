import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTunnel, proxyAuth, startHarness, viaProxy, waitForAudit, type Harness } from './gateway-harness.js';

const GH = 'ghp_EGRESStestValue0123456789abcdef';

// Addresses of every class the guard refuses, each also reached through a name.
const CLASSES: [string, string][] = [
  ['127.0.0.1', 'egress_loopback'],
  ['::1', 'egress_loopback'],
  ['0.0.0.0', 'egress_unspecified'],
  ['::', 'egress_unspecified'],
  ['10.1.2.3', 'egress_private'],
  ['172.16.5.5', 'egress_private'],
  ['192.168.1.1', 'egress_private'],
  ['169.254.169.254', 'egress_link_local'],
  ['fe80::1', 'egress_link_local'],
  ['100.64.0.1', 'egress_cgnat'],
  ['fd00::1', 'egress_unique_local'],
  ['::ffff:127.0.0.1', 'egress_loopback'],
  ['::ffff:169.254.169.254', 'egress_link_local'],
  ['64:ff9b::a00:1', 'egress_private'],
  ['2002:7f00:1::1', 'egress_loopback'],
  ['224.0.0.1', 'egress_multicast'],
  ['255.255.255.255', 'egress_broadcast'],
  ['240.0.0.1', 'egress_reserved'],
  ['192.0.0.8', 'egress_ietf_protocol'],
  ['198.18.0.1', 'egress_benchmarking'],
  ['0.1.2.3', 'egress_this_network'],
  ['93.184.216.34', 'egress_own_address'],
];
const names = Object.fromEntries(CLASSES.map(([ip], i) => [`class${i}.test`, [ip]]));

let h: Harness;
let token: string;
let plain: http.Server;
let plainPort: number;
const plainSeen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  plain = http.createServer((req, res) => {
    plainSeen.push(req.headers);
    res.end(`plain ${req.url}`);
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  plainPort = (plain.address() as AddressInfo).port;
  h = await startHarness({
    names: { ...names, 'rebind.test': ['8.8.8.8', '127.0.0.1'] },
    gateway: { ownAddresses: ['93.184.216.34'], allowPrivate: [] },
  });
  token = h.addAgent('egress').token;
  h.addSecret({ name: 'gh', type: 'api_key', value: GH, hostPattern: 'api.github.test' });
  h.addSecret({ name: 'plain-q', type: 'api_key', value: GH + 'x', hostPattern: 'plain.test' });
});

afterAll(async () => {
  await h?.close();
  plain?.close();
});

const connect = (target: string) => connectTunnel(h.gateway.port, target, token);

describe('egress guard', () => {
  it.each(CLASSES.map(([ip, reason], i) => [ip, reason, `class${i}.test`]))(
    'refuses %s (%s) as a literal and through the name %s',
    async (ip, reason, name) => {
      for (const target of [ip.includes(':') ? `[${ip}]:443` : `${ip}:443`, `${name}:443`]) {
        const res = await connect(target);
        expect(res.status, target).toBe(403);
        expect(res.headers['x-should-retry']).toBe('false');
        expect(JSON.parse(res.body)).toMatchObject({ error: 'blocked_by_policy', code: 'blocked_by_policy' });
        const row = h.rows()[0];
        expect(row).toMatchObject({ method: 'CONNECT', decision: 'blocked', status: 403, reason });
      }
    },
  );

  it('refuses a name with one private address among public ones (rebinding)', async () => {
    expect((await connect('rebind.test:443')).status).toBe(403);
  });

  it('refuses the loopback test upstream when it is not in allowPrivate, sending it nothing', async () => {
    const before = h.upstream.requests.length;
    for (const host of ['api.github.test', 'plain.test']) {
      const res = await viaProxy(h.gateway.port, { token, connect: `${host}:${h.upstream.port}`, ca: h.vaultCaPem });
      expect(res.status).toBe(403);
    }
    expect(h.upstream.requests.length).toBe(before);
  });

  it('refuses absolute-form http:// to a private address', async () => {
    const res = await plainGet(`http://127.0.0.1:${plainPort}/x`);
    expect(res.status).toBe(403);
    expect(plainSeen).toHaveLength(0);
  });

  it('refuses localhost through the system resolver', async () => {
    await using sys = await startHarness({ allowUpstream: false, gateway: { resolve: undefined as never } });
    const t = sys.addAgent('sys').token;
    const res = await connectTunnel(sys.gateway.port, `localhost:${sys.upstream.port}`, t);
    expect(res.status).toBe(403);
    expect(sys.upstream.requests).toHaveLength(0);
  });
});

function plainGet(url: string, viaPort = h.gateway.port): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: viaPort,
      method: 'GET',
      path: url,
      headers: { host: new URL(url).host, 'proxy-authorization': proxyAuth(token), authorization: 'Bearer onecli-managed' },
      agent: false,
    });
    req.once('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('allowed private destinations and plaintext', () => {
  it('forwards absolute-form http:// to an allowPrivate destination without injecting', async () => {
    await using g = await startHarness({ names: { 'plain.test': ['127.0.0.1'] }, gateway: { allowPrivate: [`plain.test:${plainPort}`] } });
    token = g.addAgent('p').token;
    g.addSecret({ name: 'plain', type: 'api_key', value: GH, hostPattern: 'plain.test' });
    const res = await plainGet(`http://plain.test:${plainPort}/hello?q=1`, g.gateway.port);
    expect(res).toEqual({ status: 200, body: 'plain /hello?q=1' });
    const seen = plainSeen.at(-1);
    expect(seen?.authorization).toBe('Bearer onecli-managed');
    expect(seen?.['proxy-authorization']).toBeUndefined();
    expect(seen?.host).toBe(`plain.test:${plainPort}`);
    const row = g.rows()[0];
    expect(row).toMatchObject({ method: 'GET', host: 'plain.test', decision: 'passthrough', status: 200, path: '/hello?q=' });
  });

  it('tunnels hosts without a secret untouched: the client sees the upstream certificate', async () => {
    await using g = await startHarness();
    const t = g.addAgent('t').token;
    const res = await viaProxy(g.gateway.port, { token: t, connect: `other.test:${g.upstream.port}`, ca: g.upstream.caPem });
    expect(res.status).toBe(200);
    const row = await waitForAudit(g, (r) => r.decision === 'tunnelled');
    expect(row).toMatchObject({ method: 'CONNECT', host: 'other.test', status: 200 });
    expect(row.bytesIn).toBeGreaterThan(100);
    expect(row.bytesOut).toBeGreaterThan(100);
  });

  it('refuses hosts outside an allowlist policy and lets listed ones through', async () => {
    await using g = await startHarness();
    const { agent, token: t } = g.addAgent('listed');
    g.store.agents.update(agent.id, { egressPolicy: 'allowlist', allowHosts: ['plain.test'] });
    const refused = await connectTunnel(g.gateway.port, `other.test:${g.upstream.port}`, t);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toBe('blocked_by_policy');
    const ok = await viaProxy(g.gateway.port, { token: t, connect: `plain.test:${g.upstream.port}`, ca: g.upstream.caPem });
    expect(ok.status).toBe(200);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DialAgent, directDial, get, proxyDial } from './client.js';
import { startUpstream, type UpstreamServer } from './upstream-server.js';

const HOST = 'bench.upstream.test';
let upstream: UpstreamServer;
let proxy: http.Server;
let proxyPort = 0;
const proxyAuthSeen: (string | undefined)[] = [];
const tunnels = new Set<net.Socket>();

beforeAll(async () => {
  upstream = await startUpstream({ names: [HOST, `n0.${HOST}`], headerName: 'x-bench-key', value: 'v-123' });
  // A bare CONNECT proxy: no interception, so the client's TLS reaches the upstream itself.
  proxy = http.createServer();
  proxy.on('connect', (req, socket: net.Socket, head: Buffer) => {
    proxyAuthSeen.push(req.headers['proxy-authorization']);
    tunnels.add(socket);
    const up = net.connect(upstream.port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket).pipe(up);
    });
    tunnels.add(up);
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of tunnels) s.destroy();
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
  await upstream.close();
});

describe('DialAgent over directDial', () => {
  it('keeps one TLS connection alive across sequential requests', async () => {
    let dials = 0;
    const dial = directDial({ port: upstream.port, ca: upstream.caPem });
    const agent = new DialAgent(() => (dials++, dial(HOST)), { maxSockets: 1 });
    const target = { host: HOST, port: upstream.port, headers: { 'x-bench-key': 'v-123' } };
    try {
      for (let i = 0; i < 5; i++) {
        const r = await get({ target, path: '/small', agent });
        expect(r.status).toBe(200);
        expect(r.bytes).toBeGreaterThan(10);
      }
    } finally {
      agent.destroy();
    }
    expect(dials).toBe(1);
    expect(upstream.counts.matched).toBeGreaterThanOrEqual(5);
  });

  it('refuses an upstream the client does not trust', async () => {
    const dial = directDial({ port: upstream.port, ca: upstream.caPem });
    await expect(dial('not-in-the-cert.test')).rejects.toThrow(/altnames|Hostname/i);
  });

  it('stops reading a large body at the deadline and says so', async () => {
    const dial = directDial({ port: upstream.port, ca: upstream.caPem });
    const socket = await dial(HOST);
    const target = { host: HOST, port: upstream.port, headers: {} };
    const r = await get({ target, path: `/large?bytes=${1 << 30}`, socket, deadline: performance.now() + 50 });
    expect(r.truncated).toBe(true);
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThan(1 << 30);
  });
});

describe('proxyDial', () => {
  it('tunnels with CONNECT, sends Proxy-Authorization and verifies the end host', async () => {
    const dial = proxyDial({ proxyPort, targetPort: upstream.port, ca: upstream.caPem, proxyAuthorization: 'Basic eDp0b2s=' });
    const host = `n0.${HOST}`;
    const socket = await dial(host);
    expect(socket.servername).toBe(host);
    const r = await get({ target: { host, port: upstream.port, headers: {} }, path: '/small', socket });
    expect(r.status).toBe(200);
    expect(proxyAuthSeen).toContain('Basic eDp0b2s=');
  });

  it('rejects when the proxy refuses the CONNECT', async () => {
    const refusing = http.createServer();
    refusing.on('connect', (_req, socket: net.Socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'));
    refusing.on('connection', (s: net.Socket) => tunnels.add(s));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const port = (refusing.address() as AddressInfo).port;
    try {
      await expect(proxyDial({ proxyPort: port, targetPort: 1, ca: upstream.caPem })(HOST)).rejects.toThrow(/answered 407/);
    } finally {
      await new Promise((r) => refusing.close(r));
    }
  });
});

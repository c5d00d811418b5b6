import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueLeaf } from '../ca/ca.js';
import { poolKey, type PoolKey } from './pool-key.js';
import { keepAliveTimeoutMs } from './upstream-call.js';
import { sharedTarget, UpstreamClient, requestHead, type BodyFraming, type DialTarget } from './upstream-client.js';

// A real TLS upstream with its own CA, and the client dialling it by address with the name checked.
const HOST = 'upstream.client.test';
let server: https.Server;
let target: DialTarget;
let client: UpstreamClient;
let connections = 0;
let lastBody = '';
const socketIds = new WeakMap<object, number>();
const ca = createCa({ commonName: 'upstream-client test CA' });
const OWNER = poolKey({ agentId: 'agent-1', secretId: 'secret-1' });
let serverSockets: number[] = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    lastBody = body;
    serverSockets.push(socketIds.get(req.socket) ?? 0);
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 4 * 1024 * 1024 });
      res.end(Buffer.alloc(4 * 1024 * 1024, 1));
    } else res.end(`${req.method} ${req.url} ${req.headers['x-key'] ?? ''}`);
  });
}

beforeAll(async () => {
  const leaf = issueLeaf({ ca, host: HOST });
  server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem, keepAliveTimeout: 60_000 }, handler);
  server.on('secureConnection', (s) => socketIds.set(s, ++connections));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = { address: '127.0.0.1', family: 4, port: (server.address() as AddressInfo).port, servername: HOST };
  client = new UpstreamClient({ secureContext: tls.createSecureContext({ ca: ca.certPem }), maxFreeSockets: 4 });
});

afterAll(async () => {
  client.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

interface Result {
  status: number;
  body: Buffer;
}

/** One call; with `slow`, the body is read with backpressure (paused, resumed 20 ms later). */
function send(o: { path: string; method?: string; body?: string[]; framing?: BodyFraming; to?: DialTarget; owner?: PoolKey; slow?: boolean }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    const framing = o.framing ?? 'none';
    const headers = ['host', HOST, 'x-key', 'k1', ...(framing === 'chunked' ? ['transfer-encoding', 'chunked'] : [])];
    const call = client.call({
      target: o.to ?? target,
      owner: o.owner ?? OWNER,
      method: o.method ?? 'GET',
      path: o.path,
      headers,
      body: framing,
      events: {
        head: (h) => (status = h.status),
        body: (c) => {
          chunks.push(c);
          if (o.slow && chunks.length % 16 === 0) {
            call.pause();
            setTimeout(() => call.resume(), 20);
          }
        },
        end: () => setImmediate(() => resolve({ status, body: Buffer.concat(chunks) })),
        error: reject,
      },
    });
    if (framing === 'none') return;
    for (const part of o.body ?? []) call.write(Buffer.from(part));
    call.end();
  });
}

describe('UpstreamClient', () => {
  it('sends the head as given and keeps one connection alive across calls', async () => {
    const before = connections;
    expect((await send({ path: '/a' })).body.toString()).toBe('GET /a k1');
    expect((await send({ path: '/b?q=1' })).body.toString()).toBe('GET /b?q=1 k1');
    expect(connections - before).toBeLessThanOrEqual(1);
  });

  // A shared target is one UpstreamPool.dialTarget hands every connection to a destination: its keys are kept, not rebuilt.
  it.each([
    ['a target of its own', () => ({ ...target })],
    ['a shared target', () => sharedTarget(target)],
  ])('never reuses a connection across owners (agent, secret), also after a warm-up, with %s', async (_, make) => {
    const to = make();
    const owners = [OWNER, poolKey({ agentId: 'agent-2', secretId: 'secret-1' }), poolKey({ agentId: 'agent-1', secretId: null }),
      poolKey({ agentId: 'agent-1', secretId: 'secret-2' })];
    client.warmUp(to, owners[1]!);
    serverSockets = [];
    const sentBy: PoolKey[] = [];
    for (let i = 0; i < 16; i++) {
      const owner = owners[(i * 7) % owners.length]!;
      await send({ path: `/o/${i}`, owner, to });
      sentBy.push(owner);
    }
    const ownerOf = new Map<number, PoolKey>();
    serverSockets.forEach((socket, i) => {
      expect(ownerOf.get(socket) ?? sentBy[i]).toBe(sentBy[i]);
      ownerOf.set(socket, sentBy[i]!);
    });
    // Each owner kept one connection alive for its own calls.
    expect(new Set(serverSockets).size).toBe(owners.length);
  });

  it('re-chunks a request body', async () => {
    const r = await send({ path: '/post', method: 'POST', framing: 'chunked', body: ['hello, ', 'world'] });
    expect(r.body.toString()).toBe('POST /post k1');
    expect(lastBody).toBe('hello, world');
  });

  it('reuses a connection it paused for backpressure', async () => {
    const big = await send({ path: '/big', slow: true });
    expect(big.body.length).toBe(4 * 1024 * 1024);
    const before = connections;
    expect((await send({ path: '/after' })).body.toString()).toBe('GET /after k1');
    expect(connections).toBe(before);
  });

  it('retries a bodyless request on a fresh connection when the pooled one was closed', async () => {
    await send({ path: '/warm' });
    server.closeIdleConnections();
    expect((await send({ path: '/again' })).body.toString()).toBe('GET /again k1');
  });

  it('verifies the certificate against the name it dials for', async () => {
    await expect(send({ path: '/', to: { ...target, servername: 'other.client.test' } })).rejects.toThrow(/altnames|other\.client\.test/);
  });

  it('refuses a header no HTTP/1.1 message may carry, before sending anything', () => {
    expect(() => requestHead('GET', '/', ['x-a', 'line\r\nbreak'])).toThrow(/invalid characters/);
    expect(() => requestHead('GET', '/', ['bad name', 'v'])).toThrow(/invalid header name/);
    expect(requestHead('GET', '/p', ['Host', 'h'])).toBe('GET /p HTTP/1.1\r\nHost: h\r\n\r\n');
  });

  it("reads the upstream's keep-alive timeout, after which a pooled connection is not reused", () => {
    expect(keepAliveTimeoutMs(['Keep-Alive', 'timeout=5, max=100'])).toBe(5_000);
    expect(keepAliveTimeoutMs(['keep-alive', 'max=3'])).toBeNull();
    expect(keepAliveTimeoutMs(['x-a', 'timeout=5'])).toBeNull();
  });
});

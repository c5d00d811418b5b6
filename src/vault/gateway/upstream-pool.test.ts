import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolKey, type PoolKey } from './pool-key.js';
import { UpstreamPool } from './upstream-pool.js';

// The pool's Node agents (plain HTTP and upgrades): a kept-alive socket serves one owner only.
let server: http.Server;
let pool: UpstreamPool;
const socketIds = new WeakMap<Socket, number>();
let sockets = 0;
const seen: { socket: number; owner: string }[] = [];

beforeAll(async () => {
  server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    seen.push({ socket: socketIds.get(req.socket) ?? 0, owner: String(req.headers['x-owner']) });
    res.end('ok');
  });
  server.on('connection', (s: Socket) => socketIds.set(s, ++sockets));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pool = new UpstreamPool();
});

afterAll(async () => {
  pool.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function get(owner: PoolKey, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const port = (server.address() as AddressInfo).port;
    const req = pool.request({ owner, tls: false, address: '127.0.0.1', family: 4, port, hostname: 'plain.test', method: 'GET',
      path: '/', headers: { host: 'plain.test', 'x-owner': name } });
    req.once('response', (res) => res.resume().once('end', () => setImmediate(resolve)));
    req.once('error', reject);
    req.end();
  });
}

describe('UpstreamPool.request', () => {
  it('keeps sockets alive per owner and never hands one owner’s socket to another', async () => {
    const owners = ['a', 'b', 'c'].map((agentId) => [agentId, poolKey({ agentId, secretId: null })] as const);
    for (let i = 0; i < 12; i++) {
      const [name, owner] = owners[(i * 5) % owners.length]!;
      await get(owner, name);
    }
    const ownerOf = new Map<number, string>();
    for (const { socket, owner } of seen) {
      expect(ownerOf.get(socket) ?? owner).toBe(owner);
      ownerOf.set(socket, owner);
    }
    expect(sockets).toBe(owners.length);
  });
});

describe('UpstreamPool.dialTarget', () => {
  it('gives every connection to one destination the same frozen target, and another destination its own', () => {
    const t = { address: '127.0.0.1', family: 4 as const, port: 8443, hostname: 'api.one.test' };
    const first = pool.dialTarget(t);
    expect(pool.dialTarget({ ...t })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ address: '127.0.0.1', family: 4, port: 8443, servername: 'api.one.test' });
    for (const other of [{ port: 8444 }, { address: '127.0.0.2' }, { hostname: 'api.two.test' }, { hostname: '127.0.0.1' }]) {
      expect(pool.dialTarget({ ...t, ...other })).not.toBe(first);
    }
    // An IP destination is dialled without SNI.
    expect(pool.dialTarget({ ...t, hostname: '127.0.0.1' }).servername).toBe('');
  });
});

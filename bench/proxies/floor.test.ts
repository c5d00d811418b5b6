import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueLeaf } from '../../src/vault/ca/ca.js';
import { DialAgent } from '../client.js';
import { INJECTED_HEADER, UPSTREAM_HOST, type Subject } from '../subject.js';
import { startFloor } from './floor.js';

const VALUE = 'floor-test-value-6f1e';

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
  port: number;
}

/** A request through `subject` on one kept-alive connection; resolves with status and body. */
function send(agent: http.Agent, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: UPSTREAM_HOST, path, method, agent, headers: { host: UPSTREAM_HOST } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the floor proxy (bench/floor/floor-proxy.c)', () => {
  const seen: Seen[] = [];
  const ca = createCa({ commonName: 'floor test upstream CA' });
  let server: https.Server;
  let port: number;
  const floors: Subject[] = [];

  async function floor(upstreamCaPem: string): Promise<Subject> {
    const started = await startFloor({ upstreamPort: port, upstreamCaPem, value: VALUE, names: [UPSTREAM_HOST] });
    if (typeof started === 'string') throw new Error(started);
    floors.push(started);
    return started;
  }

  beforeAll(async () => {
    const leaf = issueLeaf({ ca, host: UPSTREAM_HOST });
    server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = Buffer.concat(parts).toString();
        const key = req.headers[INJECTED_HEADER];
        seen.push({ method: req.method ?? '', url: req.url ?? '', key: typeof key === 'string' ? key : undefined, body, port: req.socket.remotePort ?? 0 });
        res.end(`got ${body.length}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const f of floors) await f.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('inserts the header into every request of a kept-alive connection, and never into a body', async () => {
    const f = await floor(ca.certPem);
    const agent = new DialAgent(() => f.dial(UPSTREAM_HOST), { maxSockets: 1 });
    // A body that looks like a request: the floor must skip it by its Content-Length.
    const lookalike = `GET /smuggled HTTP/1.1\r\nHost: ${UPSTREAM_HOST}\r\n\r\n`;
    try {
      expect(await send(agent, 'GET', '/a')).toEqual({ status: 200, body: 'got 0' });
      expect(await send(agent, 'POST', '/b', lookalike)).toEqual({ status: 200, body: `got ${lookalike.length}` });
      expect(await send(agent, 'GET', '/c')).toEqual({ status: 200, body: 'got 0' });
    } finally {
      agent.destroy();
    }
    expect(seen.map((s) => [s.method, s.url, s.key])).toEqual([
      ['GET', '/a', VALUE],
      ['POST', '/b', VALUE],
      ['GET', '/c', VALUE],
    ]);
    expect(seen[1]?.body).toBe(lookalike);
    expect(new Set(seen.map((s) => s.port)).size).toBe(1);
  });

  it('sends nothing to an upstream whose certificate it cannot verify', async () => {
    const before = seen.length;
    const f = await floor(createCa({ commonName: 'some other CA' }).certPem);
    const agent = new DialAgent(() => f.dial(UPSTREAM_HOST), { maxSockets: 1 });
    try {
      await expect(send(agent, 'GET', '/unverified')).rejects.toThrow();
    } finally {
      agent.destroy();
    }
    expect(seen.length).toBe(before);
  });
});

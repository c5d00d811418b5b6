import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mitmSocket, startHarness, waitForAudit, type InterceptedSuite } from './gateway-harness.js';

// Large Content-Length bodies that need no scanning (the request carried no value: the host is
// intercepted, but the secret's path pattern does not cover these paths) pass natively from the
// upstream connection to the agent's (no JavaScript per chunk) on the native transport; the
// gateway-node-tls project runs the same tests through Node's streams. Both must deliver the same
// bytes. The fast lane, which would carry these requests itself, is off here: this is the
// JavaScript path's pipe (gateway-fast-lane.test.ts has the lane's large, scanned bodies).
const MiB = 1024 * 1024;

/** Deterministic bytes: a stream cipher of sorts, so a shifted or repeated chunk changes the hash. */
function pattern(offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) {
    const n = offset + i;
    b[i] = (n * 2654435761) >>> 24 ^ (n >>> 13);
  }
  return b;
}

function sendBlob(res: ServerResponse, total: number, cutAt: number | null): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      if (cutAt !== null && sent >= cutAt) {
        res.socket?.destroy();
        return;
      }
      const n = Math.min(256 * 1024, total - sent);
      const ok = res.write(pattern(sent, n));
      sent += n;
      if (!ok) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

const s = {} as InterceptedSuite;
beforeAll(async () => {
  s.h = await startHarness({
    gateway: { fastLane: false },
    handler: (req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      const bytes = Number(url.searchParams.get('bytes') ?? '0');
      if (url.pathname === '/blob') return sendBlob(res, bytes, null);
      if (url.pathname === '/cut') return sendBlob(res, bytes, Number(url.searchParams.get('at')));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 2 });
      res.end('ok');
    },
  });
  s.token = s.h.addAgent('downloader').token;
  // Every response to a request that carried a value is scanned (response-plan.ts): none is piped.
  s.h.addSecret({ name: 'gh-scoped', type: 'api_key', value: `gh-${'v'.repeat(24)}`, hostPattern: 'api.github.test', pathPattern: '/injected/*' });
  s.target = `api.github.test:${s.h.upstream.port}`;
});
afterAll(async () => {
  await s.h?.close();
});

/** Reads one response off `socket`: head text, and a hash of exactly Content-Length body bytes. */
function readResponse(socket: TLSSocket): Promise<{ head: string; length: number; sha256: string; received: number }> {
  return new Promise((resolve, reject) => {
    let head: string | null = null;
    let buffered = Buffer.alloc(0);
    let length = 0;
    let received = 0;
    const hash = createHash('sha256');
    const onData = (d: Buffer): void => {
      if (head === null) {
        buffered = Buffer.concat([buffered, d]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = buffered.toString('latin1', 0, end);
        length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '0');
        d = buffered.subarray(end + 4);
      }
      const take = d.subarray(0, length - received);
      hash.update(take);
      received += take.length;
      if (received === length) done();
    };
    const done = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ head: head ?? '', length, sha256: hash.digest('hex'), received });
    };
    const onClose = (): void => {
      socket.off('data', onData);
      if (head === null) reject(new Error('closed before a response'));
      else resolve({ head, length, sha256: '', received });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

describe('a large body passed through untouched', () => {
  it('arrives byte for byte, is audited with its size, and the connection serves the next request', async () => {
    const bytes = 8 * MiB + 12_345;
    const socket = await mitmSocket(s.h, s.token, s.target);
    socket.write(`GET /blob?bytes=${bytes} HTTP/1.1\r\nHost: ${s.target}\r\n\r\n`);
    const first = await readResponse(socket);
    expect(first.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(first.received).toBe(bytes);
    expect(first.sha256).toBe(createHash('sha256').update(pattern(0, bytes)).digest('hex'));
    socket.write(`GET /small HTTP/1.1\r\nHost: ${s.target}\r\n\r\n`);
    const second = await readResponse(socket);
    expect(second.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(second.received).toBe(2);
    socket.destroy();
    const row = await waitForAudit(s.h, (r) => r.path.startsWith('/blob') && r.status === 200);
    expect(row.bytesOut).toBe(bytes);
    // Native: all but what came with the head went past JavaScript; Node's TLS: none did.
    const passed = s.h.logLines.filter((l) => l.includes('Response body passed natively'));
    if (process.env.NANOCLAW_GATEWAY_TLS === 'node') expect(passed).toEqual([]);
    else expect(Number(/bytes=(\d+)/.exec(passed[0] ?? '')?.[1])).toBeGreaterThan(bytes - 256 * 1024);
  });

  it('is cut short, never completed, when the upstream dies mid-body', async () => {
    const socket = await mitmSocket(s.h, s.token, s.target);
    socket.write(`GET /cut?bytes=${8 * MiB}&at=${2 * MiB} HTTP/1.1\r\nHost: ${s.target}\r\n\r\n`);
    const res = await readResponse(socket);
    expect(res.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.received).toBeLessThan(8 * MiB);
    expect(socket.destroyed || socket.readableEnded).toBe(true);
    const row = await waitForAudit(s.h, (r) => r.path.startsWith('/cut'));
    expect(row.reason).toBe('upstream_error');
  });
});

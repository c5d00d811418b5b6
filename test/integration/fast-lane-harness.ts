import { gzipSync } from 'node:zlib';
import tls from 'node:tls';
import { expect } from 'vitest';
import { ResponseParser } from '../../src/vault/gateway/response-parser.js';
import type { UpstreamHandler } from '../support/tls-upstream.js';
import { connectTunnel, type Harness } from './gateway-harness.js';

/** What gateway-fast-lane.test.ts sends through both gateways: the upstream, and an agent's raw connection. */

export const VALUE = `lane-${'k'.repeat(28)}`;
export const B64 = Buffer.from(VALUE).toString('base64');

export const laneHandler: UpstreamHandler = async (req, res, recorded) => {
  const path = req.url ?? '/';
  const json = (body: object, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  if (path.startsWith('/json')) return json({ echo: VALUE, b64: B64, path });
  if (path === '/split') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${VALUE.slice(0, 9)}`);
    await new Promise((r) => setTimeout(r, 15));
    res.end(`${VALUE.slice(9)}\n\n`);
    return;
  }
  if (path === '/bin') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(VALUE.length) });
    return void res.end(VALUE);
  }
  if (path === '/gzip') {
    const body = gzipSync(JSON.stringify({ echo: VALUE }));
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(body.length) });
    return void res.end(body);
  }
  if (path === '/header') return json({ ok: true }, { 'x-echo': `Bearer ${VALUE}`, 'x-other': 'plain' });
  if (path === '/close') return json({ ok: true }, { connection: 'close' });
  if (path === '/keep') return json({ ok: true }, { 'keep-alive': 'timeout=7', 'x-kept': 'yes' });
  if (path === '/empty') {
    res.writeHead(204);
    return void res.end();
  }
  if (path === '/post') return json({ got: recorded.body.toString('latin1') });
  if (path.startsWith('/slow') || path === '/cut') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    res.write('0123456789');
    await new Promise((r) => setTimeout(r, 150));
    if (path === '/cut') return void res.socket?.destroy();
    return void res.end('x'.repeat(90));
  }
  if (path.startsWith('/big')) {
    // 8 MiB passed untouched (binary), or 1 MiB of text with the value in it here and there.
    const text = path === '/big-text';
    const total = text ? 1024 * 1024 : 8 * 1024 * 1024 + 12_345;
    res.writeHead(200, { 'content-type': text ? 'text/plain' : 'application/octet-stream', 'content-length': String(total) });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(100_003, total - sent);
        const piece = Buffer.alloc(n, sent % 251);
        if (text) for (let at = 5_000; at + VALUE.length < n; at += 33_333) piece.write(VALUE, at, 'latin1');
        sent += n;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  if (path === '/missing') {
    res.writeHead(401, { 'content-type': 'application/json' });
    return void res.end('{"error":"who are you"}');
  }
  json({ ok: true, path });
};

export interface Seen {
  status: number;
  message: string;
  headers: string[];
  body: string;
}

/** One kept-alive agent connection: raw requests written as given, responses read one by one. */
export async function agentConnection(h: Harness, token: string, target: string, ca: string) {
  const tunnel = await connectTunnel(h.gateway.port, target, token);
  expect(tunnel.status).toBe(200);
  const socket = tls.connect({ socket: tunnel.socket, servername: target.replace(/:\d+$/, ''), ca });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  let pending = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  let closed = false;
  socket.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  /** Reads one response to `method`; leftover bytes stay for the next. */
  const read = async (method: string): Promise<Seen> => {
    const seen: Seen = { status: 0, message: '', headers: [], body: '' };
    let done = false;
    const parser = new ResponseParser({
      method,
      maxHeaderSize: 64 * 1024,
      events: {
        head: (head) => {
          seen.status = head.status;
          seen.message = head.statusMessage;
          // The date differs from run to run.
          for (let i = 0; i < head.rawHeaders.length; i += 2)
            if (head.rawHeaders[i]!.toLowerCase() !== 'date') seen.headers.push(head.rawHeaders[i]!, head.rawHeaders[i + 1]!);
        },
        body: (chunk) => {
          seen.body += chunk.toString('latin1');
        },
        end: () => {
          done = true;
        },
      },
    });
    for (;;) {
      // Bytes of the next response must stay pending: a known length is fed at once, the rest
      // byte by byte.
      while (!done && pending.length > 0) {
        const n = parser.started ? Math.max(1, Math.min(parser.lengthRemaining, pending.length)) : 1;
        const piece = pending.subarray(0, n);
        pending = pending.subarray(n);
        parser.feed(piece);
      }
      if (done) return seen;
      if (closed) throw new Error(`connection closed before the response to ${method} ended`);
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  };
  return {
    send: (raw: string | Buffer) => socket.write(raw),
    read,
    get closed() {
      return closed;
    },
    close: () => socket.destroy(),
  };
}

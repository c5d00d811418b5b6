import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../support/seeded-random.js';
import { interceptedSuite, mitmSocket, proxyAuth } from './gateway-harness.js';

// Generated garbage, some of it nearly HTTP, on the proxy port and inside an intercepted tunnel
// (both transports: the gateway-node-tls project repeats this file). Whatever arrives, the
// gateway answers with an error status or closes, reaches no upstream with it, and keeps
// serving: a crash or an exception escaping a handler fails the run.

const s = interceptedSuite('garbage');

const PIECES = [
  'GET ', 'POST ', 'CONNECT ', 'get ', '/', 'http://', 'api.github.test', ':', '443', '65536', ' HTTP/1.1', ' HTTP/1.0', ' HTTP/9.9',
  '\r\n', '\r\n', '\n', '\r', ' ', '\t', 'Host: ', 'Content-Length: ', 'Transfer-Encoding: chunked', '0', '5', 'ffffffffffff',
  'Proxy-Authorization: Basic ', 'eDp4', '%', '\x00', '\xff', '[', ']', '::1', '@', '#', '?', ';', 'Upgrade: websocket', 'Connection: upgrade',
];

function garbage(r: () => number): Buffer {
  const parts: Buffer[] = [];
  for (let n = 1 + Math.floor(r() * 20); n > 0; n--) {
    if (r() < 0.15) parts.push(Buffer.from(Array.from({ length: 1 + Math.floor(r() * 40) }, () => Math.floor(r() * 256))));
    else parts.push(Buffer.from(pick(r, PIECES), 'latin1'));
  }
  return Buffer.concat(parts);
}

/**
 * Writes `bytes` (then ends our side when `end`) and gathers the answer until the gateway
 * closes or goes quiet.
 */
function answer(socket: net.Socket | TLSSocket, bytes: Buffer, o: { end: boolean; quietMs?: number }): Promise<string> {
  const quietMs = o.quietMs ?? 300;
  return new Promise((resolve) => {
    let text = '';
    let timer = setTimeout(done, quietMs);
    function done(): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    }
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    socket.once('close', done);
    socket.once('error', done);
    if (o.end) socket.end(bytes);
    else socket.write(bytes);
  });
}

/** Every response in `text` is an error the gateway made (4xx/5xx), never an upstream's 200. */
function expectOnlyRefusals(text: string, what: string): void {
  for (const status of text.matchAll(/HTTP\/1\.[01] (\d{3})/g)) {
    expect(Number(status[1]), `${what}: ${JSON.stringify(text.slice(0, 200))}`).toBeGreaterThanOrEqual(400);
  }
}

describe('garbage', () => {
  it('on the proxy port gets an error status or a close, 200 times', async () => {
    const r = seededRandom(31337);
    const before = s.h.upstream.requests.length;
    for (let i = 0; i < 200; i++) {
      const bytes = garbage(r);
      // Half of them authenticated, so parsing goes past the proxy's own checks.
      const authed = r() < 0.5 ? Buffer.concat([Buffer.from(`GET http://x.test/ HTTP/1.1\r\nProxy-Authorization: ${proxyAuth(s.token)}\r\n`), bytes]) : bytes;
      const socket = net.connect(s.h.gateway.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      expectOnlyRefusals(await answer(socket, authed, { end: true }), `case ${i}`);
    }
    expect(s.h.upstream.requests.length).toBe(before);
  });

  it('inside an intercepted tunnel gets 400 or a close and reaches no upstream, 60 times; the tunnel host is still served', async () => {
    const r = seededRandom(4242);
    const before = s.h.upstream.requests.length;
    for (let i = 0; i < 60; i++) {
      const socket = await mitmSocket(s.h, s.token, s.target);
      // A blank line after most: a head that completes gets its answer at once.
      const bytes = r() < 0.8 ? Buffer.concat([garbage(r), Buffer.from('\r\n\r\n')]) : garbage(r);
      expectOnlyRefusals(await answer(socket, bytes, { end: false }), `case ${i}`);
    }
    expect(s.h.upstream.requests.length).toBe(before);
    const socket = await mitmSocket(s.h, s.token, s.target);
    const ok = await answer(socket, Buffer.from(`GET /after HTTP/1.1\r\nHost: ${s.target}\r\nConnection: close\r\n\r\n`), { end: false, quietMs: 2_000 });
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
  });
});

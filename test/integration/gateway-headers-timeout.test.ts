import { describe, expect, it } from 'vitest';
import { interceptedSuite, mitmSocket } from './gateway-harness.js';

// An agent that trickles a request head (slowloris) must not hold a connection forever: the head
// has a deadline from its first byte, however often bytes arrive. Both transports (the
// gateway-node-tls project repeats it with Node's TLS, where http.Server's headersTimeout applies).
const s = interceptedSuite('trickler', { gateway: { headersTimeoutMs: 1_000 } });

describe('a request head that never completes', () => {
  it('gets 408 and a closed connection although bytes keep arriving, and reaches no upstream', async () => {
    const before = s.h.upstream.requests.length;
    const socket = await mitmSocket(s.h, s.token, s.target);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`GET /slow HTTP/1.1\r\nHost: ${s.target}\r\n`);
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('X-Slow: a\r\n');
    }, 200);
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 6_000))]);
    clearInterval(trickle);
    expect(outcome).toBe('closed');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(s.h.upstream.requests.length).toBe(before);
  });

  it('leaves a complete request alone however slowly its body comes', async () => {
    const socket = await mitmSocket(s.h, s.token, s.target);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write(`POST /slow-body HTTP/1.1\r\nHost: ${s.target}\r\nContent-Length: 8\r\n\r\n`);
    for (const part of ['ab', 'cd', 'ef', 'gh']) {
      await new Promise((r) => setTimeout(r, 400));
      socket.write(part);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    socket.destroy();
  });
});

import { describe, expect, it } from 'vitest';
import { interceptedSuite, mitmSocket } from './gateway-harness.js';

// Runs on both transports (the gateway-node-tls project repeats it with Node's TLS).
const s = interceptedSuite('idler', { gateway: { idleTimeoutMs: 300 } });

describe('an intercepted connection left idle', () => {
  it('is closed by the gateway after the idle timeout, and served until then', async () => {
    const socket = await mitmSocket(s.h, s.token, s.target);
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    const answered = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    socket.write(`GET /idle HTTP/1.1\r\nHost: ${s.target}\r\n\r\n`);
    expect(await answered).toMatch(/^HTTP\/1\.1 200 /);
    const idleSince = performance.now();
    const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 5_000))]);
    expect(at, 'the gateway closed the idle connection').toBeGreaterThan(0);
    expect(at - idleSince).toBeGreaterThanOrEqual(250);
  });
});

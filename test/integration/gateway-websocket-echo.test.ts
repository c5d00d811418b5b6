import { gzipSync, zstdCompressSync } from 'node:zlib';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { startRawTlsUpstream, type RawRequest } from '../support/raw-tls-upstream.js';
import { mitmSocket, startHarness, waitForAudit, type Harness } from './gateway-harness.js';

/**
 * Upgrades of an injected request answer to the same response policy as any response: only
 * WebSocket, no extensions (frames stay uncompressed), the server's frames scanned for echoes,
 * and an answer without 101 planned like any other. On native and Node TLS (upgrades never take
 * the fast lane).
 */

const VALUE = 'ws-Secret/value+0123456789xyz';
const B64 = Buffer.from(VALUE).toString('base64');
const seen: RawRequest[] = [];

/** A server frame (unmasked): `opcode`, FIN as given. */
const frame = (opcode: number, fin: boolean, payload: string): Buffer =>
  Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, payload.length]), Buffer.from(payload, 'latin1')]);

async function answer(req: RawRequest, socket: tls.TLSSocket): Promise<'keep' | 'close'> {
  seen.push(req);
  const write = async (...pieces: (string | Buffer)[]): Promise<void> => {
    for (const p of pieces) {
      socket.write(p);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const switched = (protocol: string): string => `HTTP/1.1 101 Switching ${VALUE}\r\nUpgrade: ${protocol}\r\nConnection: Upgrade\r\nX-Echo: ${B64}\r\n\r\n`;
  if (req.target === '/frames') {
    // An echo split over two fragments and two writes, a ping carrying it between them, a close.
    const text = `{"token":"${VALUE}","b64":"${B64}"}`;
    const first = frame(1, false, text.slice(0, 15));
    await write(switched('websocket'), first.subarray(0, 5), Buffer.concat([first.subarray(5), frame(9, true, VALUE)]), frame(0, true, text.slice(15)), frame(8, true, '\x03\xe8bye'));
  } else if (req.target === '/compressed') {
    await write(switched('websocket'), Buffer.from([0xc1, 0x03, 1, 2, 3]));
  } else if (req.target === '/h2c') {
    await write(switched('h2c'), 'PRI * HTTP/2.0');
  } else if (req.target === '/refused-gzip') {
    const body = gzipSync(`no ${VALUE}`);
    await write(`HTTP/1.1 401 Who ${VALUE}\r\nContent-Encoding: gzip\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`, body);
  } else {
    const body = zstdCompressSync(VALUE);
    await write(`HTTP/1.1 403 No\r\nContent-Encoding: zstd\r\nContent-Length: ${body.length}\r\n\r\n`, body);
  }
  return 'close';
}

let h: Harness;
let token: string;
let port: number;
let upstream: AsyncDisposable & { close(): Promise<void> };

beforeAll(async () => {
  port = await freePort();
  h = await startHarness({ extraAllow: [`127.0.0.1:${port}`] });
  token = h.addAgent('ws').token;
  h.addSecret({ name: 'ws', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
  upstream = await startRawTlsUpstream({ certs: h.upstream.certs, port, answer });
});
afterAll(async () => {
  await upstream?.close();
  await h?.close();
});

/** Sends an upgrade request and returns every byte the agent gets until the gateway closes. */
async function upgrade(path: string, protocol = 'websocket'): Promise<string> {
  const socket = await mitmSocket(h, token, `api.github.test:${port}`);
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = new Promise((r) => socket.once('close', r));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: api.github.test:${port}\r\nUpgrade: ${protocol}\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nAccept-Encoding: zstd\r\n\r\n',
  );
  await closed;
  return text;
}

describe('upgrades of an injected request', () => {
  it('strip WebSocket extensions, and scan the server’s frames: echoes overwritten at equal length', async () => {
    const text = await upgrade('/frames');
    expect(seen.at(-1)?.headers['sec-websocket-extensions']).toBeUndefined();
    expect(seen.at(-1)?.headers.authorization).toBe(`Bearer ${VALUE}`);
    expect(text).toMatch(/^HTTP\/1\.1 101 Switching \[REDACTED\]\r\n/);
    expect(text).toContain('X-Echo: [REDACTED]\r\n');
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(B64);
    const stars = (n: number): string => '*'.repeat(n);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    const whole = `{"token":"${stars(VALUE.length)}","b64":"${stars(B64.length)}"}`;
    expect(body).toBe(
      [frame(1, false, whole.slice(0, 15)), frame(9, true, stars(VALUE.length)), frame(0, true, whole.slice(15)), frame(8, true, '\x03\xe8bye')]
        .map((b) => b.toString('latin1'))
        .join(''),
    );
    await waitForAudit(h, (r) => r.path === '/frames' && r.reason === 'credential_echo');
  });

  it('close a stream whose frames cannot be scanned (compressed) with 1008', async () => {
    const text = await upgrade('/compressed');
    expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe('\x88\x02\x03\xf0');
    await waitForAudit(h, (r) => r.path === '/compressed' && r.reason === 'unscannable_frame');
  });

  it('refuse protocols other than WebSocket, asked for or switched to', async () => {
    const before = seen.length;
    expect(await upgrade('/h2c', 'h2c')).toMatch(/^HTTP\/1\.1 400 [\s\S]*only WebSocket upgrades/);
    expect(seen.length).toBe(before);
    const switched = await upgrade('/h2c');
    expect(switched).toMatch(/^HTTP\/1\.1 502 [\s\S]*protocol other than websocket/);
    expect(switched).not.toContain('PRI');
  });

  it('plan an answer without 101 as any response: decoded and scanned, or refused', async () => {
    const gz = await upgrade('/refused-gzip');
    expect(gz).toMatch(/^HTTP\/1\.1 401 Who \[REDACTED\]\r\n/);
    expect(gz.toLowerCase()).not.toContain('content-encoding');
    expect(gz.endsWith(`no ${'*'.repeat(VALUE.length)}`)).toBe(true);
    const zstd = await upgrade('/zstd');
    expect(zstd).toMatch(/^HTTP\/1\.1 502 [\s\S]*"bad_gateway"/);
    expect(zstd).not.toContain(VALUE);
    expect(seen.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate, br');
    await waitForAudit(h, (r) => r.path === '/zstd' && r.reason === 'unsupported_encoding');
  });
});

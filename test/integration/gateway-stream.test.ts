import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certs.js';
import type { UpstreamHandler } from '../support/tls-upstream.js';
import { Duplex } from 'node:stream';
import net from 'node:net';
import tls from 'node:tls';
import { mitmSocket, proxyAuth, rawExchange, startHarness, type Harness } from './gateway-harness.js';

const VALUE = 'ghp_STREAMtestValue0123456789abcdef';

let releaseSecond: () => void = () => {};
let secondWrittenAt = 0;

const handler: UpstreamHandler = async (req, res) => {
  const url = new URL(req.url ?? '/', 'https://upstream.test');
  if (url.pathname === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: one\ndata: {"n":1}\n\n');
    await new Promise<void>((r) => (releaseSecond = r));
    secondWrittenAt = performance.now();
    res.end('event: two\ndata: {"n":2}\n\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ bytes: 0 }));
};

let h: Harness;
let token: string;
let ws: https.Server;
let wsCerts: TestCertificates;
let wsPort: number;
const wsSeen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  wsCerts = await makeTestCertificates({ hostnames: ['api.github.test'] });
  ws = https.createServer({ cert: wsCerts.certPem, key: wsCerts.keyPem });
  // A bare WebSocket server: the handshake, then it echoes whatever bytes arrive.
  ws.on('upgrade', (req, socket) => {
    wsSeen.push(req.headers);
    const accept = createHash('sha1')
      .update(`${String(req.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => ws.listen(0, '127.0.0.1', r));
  wsPort = (ws.address() as AddressInfo).port;
  h = await startHarness({ handler, extraCaPem: [wsCerts.caPem], extraAllow: [`127.0.0.1:${wsPort}`] });
  token = h.addAgent('streamer').token;
  h.addSecret({ name: 'gh', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
});

afterAll(async () => {
  await h?.close();
  ws?.closeAllConnections();
  ws?.close();
});

describe('streaming', () => {
  it('delivers the first SSE event before the upstream writes the next one', async () => {
    const socket = await mitmSocket(h, token, `api.github.test:${h.upstream.port}`);
    const events: { text: string; at: number }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = http.request({ createConnection: () => socket, path: '/sse', headers: { host: `api.github.test:${h.upstream.port}` } });
      req.once('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          events.push({ text, at: performance.now() });
          if (events.length === 1) setTimeout(() => releaseSecond(), 50);
        });
        res.once('end', () => resolve());
      });
      req.once('error', reject);
      req.end();
    });
    await done;
    expect(events[0]?.text).toBe('event: one\ndata: {"n":1}\n\n');
    expect(events[0]?.at ?? Infinity).toBeLessThan(secondWrittenAt);
    expect(events.map((e) => e.text).join('')).toContain('event: two');
    expect(h.upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${VALUE}`);
  });

  it('forwards a WebSocket upgrade with the credential injected and relays both ways', async () => {
    const socket = await mitmSocket(h, token, `api.github.test:${wsPort}`);
    const key = Buffer.from('0123456789abcdef').toString('base64');
    // A masked text frame (RFC 6455 §5.2); the server sends it back as it came.
    const mask = Buffer.from([9, 8, 7, 6]);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | 11]), mask, Buffer.from('frame-bytes').map((b, i) => b ^ mask[i & 3]!)]).toString('latin1');
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n') && !text.includes(frame)) socket.write(Buffer.from(frame, 'latin1'));
        if (text.endsWith(frame)) resolve(text);
      });
    });
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: api.github.test:${wsPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer onecli-managed\r\n\r\n`,
    );
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 101 /);
    expect(text).toContain('Sec-WebSocket-Accept:');
    expect(wsSeen.at(-1)?.authorization).toBe(`Bearer ${VALUE}`);
    expect(wsSeen.at(-1)?.['proxy-authorization']).toBeUndefined();
    socket.destroy();
  });

  it('keeps a connection alive across requests and reuses the upstream connection', async () => {
    const socket = await mitmSocket(h, token, `api.github.test:${h.upstream.port}`);
    const host = `api.github.test:${h.upstream.port}`;
    const before = h.upstream.requests.length;
    let first = '';
    socket.on('data', (d: Buffer) => (first += d.toString()));
    socket.write(`GET /k1 HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    for (let i = 0; i < 400 && !first.endsWith('\r\n0\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 5));
    const res = await rawExchange(socket, `GET /k2 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(res.closed).toBe(true);
    expect(first.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    const seen = h.upstream.requests.slice(before);
    expect(seen.map((r) => r.url)).toEqual(['/k1', '/k2']);
    expect(seen[0]?.connection).toBe(seen[1]?.connection);
  });

  it('accepts a TLS ClientHello sent right behind the CONNECT, before the 200', async () => {
    const target = `api.github.test:${h.upstream.port}`;
    const raw = net.connect(h.gateway.port, '127.0.0.1');
    await new Promise((r) => raw.once('connect', r));
    // The client side of the tunnel: strips our 200 and hands the rest to TLS.
    let answered = '';
    const shim = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        raw.write(chunk, cb);
      },
    });
    raw.on('data', (d: Buffer) => {
      if (answered.endsWith('\r\n\r\n')) return void shim.push(d);
      const text = answered + d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return void (answered = text);
      answered = text.slice(0, end + 4);
      const rest = Buffer.from(text.slice(end + 4), 'latin1');
      if (rest.length > 0) shim.push(rest);
    });
    raw.once('end', () => shim.push(null));
    raw.once('close', () => shim.destroy());
    raw.cork(); // CONNECT and ClientHello leave in one segment
    raw.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${proxyAuth(token)}\r\n\r\n`);
    const secure = tls.connect({ socket: shim, servername: 'api.github.test', ca: h.vaultCaPem });
    process.nextTick(() => raw.uncork());
    await new Promise((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    const res = await rawExchange(secure, `GET /early HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
    expect(answered).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.closed).toBe(true);
    expect(h.upstream.requests.at(-1)?.url).toBe('/early');
    raw.destroy();
  });
});

import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTunnel, mitmSocket, proxyAuth, rawExchange, startHarness, waitForAudit, type Harness } from './gateway-harness.js';

const VALUE = 'ghp_SMUGGLEtestValue0123456789abcdef';

let h: Harness;
let token: string;
let target: string;

beforeAll(async () => {
  h = await startHarness({ gateway: { maxHeaderSize: 16 * 1024 } });
  token = h.addAgent('smuggler').token;
  h.addSecret({ name: 'gh', type: 'api_key', value: VALUE, hostPattern: 'api.github.test' });
  target = `api.github.test:${h.upstream.port}`;
});

afterAll(async () => {
  await h?.close();
});

// Each case is a request the parser must refuse as a whole: a 400 and a closed connection, so
// no byte after it is ever read as a second request (which would reach the upstream).
const SMUGGLE = (host: string): Record<string, string> => ({
  'CL and TE': `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`,
  'TE and CL': `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nG`,
  'duplicate CL': `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
  'differing CL': `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello`,
  'CL list': `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5, 5\r\n\r\nhello`,
  'CL with sign': `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: +5\r\n\r\nhello`,
  'CL not a number': `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5a\r\n\r\nhello`,
  'obs-fold': `GET / HTTP/1.1\r\nHost: ${host}\r\nX-A: b\r\n c\r\n\r\n`,
  'bad chunk size': `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  'chunk size overflow': `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx\r\n0\r\n\r\n`,
  'TE not chunked last': `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`,
  'TE split over two lines': `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  'TE with space before colon': `POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`,
  'bare LF': `GET / HTTP/1.1\nHost: ${host}\n\n`,
  'two Host headers': `GET / HTTP/1.1\r\nHost: ${host}\r\nHost: evil.test\r\n\r\n`,
  'unknown method': `HELLO / HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  'lower-case method': `get / HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
  'oversized headers': `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
});

function expect400Closed(res: { text: string; closed: boolean }): void {
  expect(res.text).toMatch(/^HTTP\/1\.1 400 /);
  expect(res.text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
  expect(res.closed).toBe(true);
}

describe('inside an intercepted tunnel', () => {
  it.each(Object.keys(SMUGGLE('x')))('refuses %s with 400 and closes', async (name) => {
    const before = h.upstream.requests.length;
    const socket = await mitmSocket(h, token, target);
    const res = await rawExchange(socket, SMUGGLE(target)[name] ?? '');
    expect400Closed(res);
    expect(h.upstream.requests.length).toBe(before);
  });

  it('still serves a well-formed request on a fresh connection', async () => {
    const socket = await mitmSocket(h, token, target);
    const res = await rawExchange(socket, `GET /ok HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
    expect(res.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(h.upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${VALUE}`);
  });
});

describe('on the proxy port (absolute-form)', () => {
  it.each(Object.keys(SMUGGLE('x')))('refuses %s with 400 and closes', async (name) => {
    const socket = net.connect(h.gateway.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const raw = (SMUGGLE('plain.test')[name] ?? '')
      .replace(/^(\w+) \/ /, '$1 http://plain.test/ ')
      .replace(/\r?\n/, `\r\nProxy-Authorization: ${proxyAuth(token)}\r\n`);
    expect400Closed(await rawExchange(socket, raw));
  });
});

describe('TLS name and Host must be the CONNECT host', () => {
  it('answers 421 when the SNI names another host, and injects nothing', async () => {
    const before = h.upstream.requests.length;
    const socket = await mitmSocket(h, token, target, 'other.test');
    const res = await rawExchange(socket, `GET / HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    expect(res.text).toMatch(/^HTTP\/1\.1 421 /);
    expect(res.text).toContain('"code":"host_mismatch"');
    expect(h.upstream.requests.length).toBe(before);
  });

  it('answers 421 when the Host header names another host, and injects nothing', async () => {
    const before = h.upstream.requests.length;
    const socket = await mitmSocket(h, token, target);
    const res = await rawExchange(socket, `GET / HTTP/1.1\r\nHost: other.test:${h.upstream.port}\r\n\r\n`);
    expect(res.text).toMatch(/^HTTP\/1\.1 421 /);
    expect(res.closed).toBe(true);
    expect(h.upstream.requests.length).toBe(before);
  });

  it('audits a failed TLS handshake (here: a client that only speaks TLS 1.1)', async () => {
    const tunnel = await connectTunnel(h.gateway.port, target, token);
    const secure = tls.connect({ socket: tunnel.socket, servername: 'api.github.test', ca: h.vaultCaPem, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    await new Promise((resolve) => secure.once('error', resolve));
    const row = await waitForAudit(h, (r) => r.reason === 'tls_handshake_failed');
    expect(row).toMatchObject({ method: 'CONNECT', host: 'api.github.test', decision: 'error', agentIdentifier: 'smuggler' });
  });

  it('audits the refusals with their reasons', () => {
    const rows = h.rows();
    expect(rows.some((r) => r.reason === 'sni_mismatch' && r.status === 421)).toBe(true);
    expect(rows.some((r) => r.reason === 'host_mismatch' && r.status === 421)).toBe(true);
    expect(rows.some((r) => r.status === 400 && r.agentIdentifier === 'smuggler')).toBe(true);
    expect(JSON.stringify(rows) + h.logLines.join('\n')).not.toContain(VALUE);
  });
});

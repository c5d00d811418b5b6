import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseParser } from '../../src/vault/gateway/response-parser.js';
import { freePort } from '../support/free-port.js';
import { startRawTlsUpstream } from '../support/raw-tls-upstream.js';
import { seededRandom } from '../support/seeded-random.js';
import { DECODED, framePayloads, needlesOf, randomCase, responseFor, type EchoCase } from './echo-cases.js';
import { GATEWAY_SUITES, connectTunnel, startHarness, type Harness } from './gateway-harness.js';

/**
 * The response policy's promise, on generated inputs: for random responses to an injected
 * request (forms of the value, codings the gateway decodes and ones it does not, content types,
 * framing, split points, reason phrases, WebSocket upgrades answered with frames or without 101),
 * the agent never receives the value in any form, or gets a gateway error instead. On the fast lane and the TypeScript path, native and Node TLS.
 */

// ASCII (the lane serves it) and one with latin1 letters (heads carry it as single bytes).
const VALUES: Record<string, string> = { 'api.github.test': 'gen-Secret/+~value?&=0123456789abc', 'api.openai.com': 'gen-lätin1-sëcret-ÿ-0123456789' };
const CASES = 250;
const PLACEHOLDER_PAIR = `Basic ${Buffer.from('user:onecli-managed').toString('base64')}`;

interface Got {
  raw: Buffer;
  status: number;
  head: string;
  body: Buffer;
  complete: boolean;
}

/** One kept-alive agent connection that reads each response whole, or until the gateway closes it. */
async function agentConnection(h: Harness, token: string, target: string) {
  const tunnel = await connectTunnel(h.gateway.port, target, token);
  const socket = tls.connect({ socket: tunnel.socket, servername: target.replace(/:\d+$/, ''), ca: h.vaultCaPem });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  let closed = false;
  let listener: ((d: Buffer | null) => void) | null = null;
  socket.on('data', (d: Buffer) => listener?.(d));
  socket.on('close', () => {
    closed = true;
    listener?.(null);
  });
  socket.on('error', () => socket.destroy());
  const exchange = (raw: string, method: string): Promise<Got> =>
    new Promise((resolve) => {
      const got: Got = { raw: Buffer.alloc(0), status: 0, head: '', body: Buffer.alloc(0), complete: false };
      const parser = new ResponseParser({
        method,
        maxHeaderSize: 64 * 1024,
        events: {
          head: (head) => {
            got.status = head.status;
            got.head = [head.statusMessage, ...head.rawHeaders].join('\n');
          },
          body: (chunk) => void (got.body = Buffer.concat([got.body, chunk])),
          end: () => void (got.complete = true),
        },
      });
      const done = (): void => {
        listener = null;
        resolve(got);
      };
      listener = (d) => {
        if (d === null) return done();
        got.raw = Buffer.concat([got.raw, d]);
        try {
          parser.feed(d);
        } catch {
          return done();
        }
        if (got.complete) done();
      };
      if (closed) return done();
      socket.write(raw, 'latin1');
    });
  /** Writes `raw` and returns every byte until the gateway closes the connection (an upgrade). */
  const untilClose = (raw: string): Promise<Buffer> =>
    new Promise((resolve) => {
      let got = Buffer.alloc(0);
      listener = (d) => {
        if (d === null) return resolve(got);
        got = Buffer.concat([got, d]);
      };
      socket.write(raw, 'latin1');
    });
  return { exchange, untilClose, get closed() { return closed; }, close: () => socket.destroy() };
}

describe.each(GATEWAY_SUITES)('no echo of an injected value reaches the agent ($name)', ({ fastLane }) => {
  let h: Harness;
  let token: string;
  let port: number;
  let upstream: AsyncDisposable & { close(): Promise<void> };
  /** What each case's upstream saw: the injected fields, for the oracle. */
  const seen = new Map<string, { fields: Buffer[]; acceptEncoding: string | undefined }>();
  const cases = new Map<string, EchoCase>();

  beforeAll(async () => {
    port = await freePort();
    h = await startHarness({ extraAllow: [`127.0.0.1:${port}`], gateway: { fastLane } });
    token = h.addAgent('gen').token;
    h.addSecret({ name: 'gh', type: 'api_key', value: VALUES['api.github.test']!, hostPattern: 'api.github.test' });
    h.addSecret({
      name: 'oa',
      type: 'generic',
      value: VALUES['api.openai.com']!,
      hostPattern: 'api.openai.com',
      injectionConfig: { headerName: 'x-goog-api-key', valueFormat: '{value}' },
    });
    upstream = await startRawTlsUpstream({
      certs: h.upstream.certs,
      port,
      answer: async (req, socket) => {
        const c = cases.get(req.target)!;
        const host = req.headers.host!.replace(/:\d+$/, '');
        const fields = ['authorization', 'x-goog-api-key'].flatMap((n) => (req.headers[n] ? [Buffer.from(req.headers[n], 'latin1')] : []));
        seen.set(req.target, { fields, acceptEncoding: req.headers['accept-encoding'] });
        for (const piece of responseFor(c, VALUES[host]!, fields[0]!)) {
          socket.write(piece);
          await new Promise((r) => setTimeout(r, 1));
        }
        return c.framing === 'close' || c.upgrade ? 'close' : 'keep';
      },
    });
  });
  afterAll(async () => {
    await upstream?.close();
    await h?.close();
  });

  it(`answers ${CASES} random responses without the value in any form, or with a gateway error`, async () => {
    const r = seededRandom(fastLane ? 1401 : 1402);
    const tally = { refused: 0, redacted: 0, decoded: 0, frames: 0, sized: 0 };
    let agent: Awaited<ReturnType<typeof agentConnection>> | null = null;
    let agentHost = '';
    for (let i = 0; i < CASES; i++) {
      const c = randomCase(r);
      if (c.upgrade) c.method = 'GET';
      const host = i % 3 === 2 ? 'api.openai.com' : 'api.github.test';
      const target = `/case/${i}`;
      cases.set(target, c);
      if (!agent || agent.closed || host !== agentHost) {
        agent?.close();
        agent = await agentConnection(h, token, `${host}:${port}`);
        agentHost = host;
      }
      if (c.upgrade) {
        agent?.close();
        agent = await agentConnection(h, token, `${host}:${port}`);
        const raw = await agent.untilClose(
          `GET ${target} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
        );
        const upstreamSaw = seen.get(target);
        const where = `upgrade case ${i} ${JSON.stringify(c)} (${host}): ${raw.subarray(0, 200).toString('latin1')}`;
        expect(upstreamSaw, where).toBeDefined();
        const end = raw.indexOf('\r\n\r\n');
        const parts = c.status === 101 && raw.subarray(0, 13).toString() === 'HTTP/1.1 101 ' ? framePayloads(raw.subarray(end + 4)) : [];
        if (parts.length > 0) tally.frames++;
        for (const needle of needlesOf(VALUES[host]!, upstreamSaw!.fields)) {
          for (const bytes of [raw, ...parts]) expect(bytes.includes(needle), `${where}: holds ${needle.toString('latin1')}`).toBe(false);
        }
        continue;
      }
      const extra = [c.basic ? `Authorization: ${PLACEHOLDER_PAIR}\r\n` : '', i % 4 === 0 ? 'Accept-Encoding: zstd, gzip;q=0.5, *\r\n' : ''].join('');
      const got = await agent.exchange(`${c.method} ${target} HTTP/1.1\r\nHost: ${host}:${port}\r\n${extra}\r\n`, c.method);
      const upstreamSaw = seen.get(target);
      const where = `case ${i} ${JSON.stringify(c)} (${host}): status ${got.status} ${got.head.replace(/\n/g, ' | ')}`;
      expect(upstreamSaw, where).toBeDefined();
      // Injected requests accept only the codings the gateway decodes.
      expect(upstreamSaw!.acceptEncoding, where).toBe('gzip, deflate, br');
      for (const needle of needlesOf(VALUES[host]!, upstreamSaw!.fields)) {
        for (const [part, bytes] of [['raw', got.raw], ['head', Buffer.from(got.head, 'latin1')], ['body', got.body]] as const) {
          expect(bytes.includes(needle), `${where}: ${part} holds ${needle.toString('latin1')}`).toBe(false);
        }
      }
      const bodyAllowed = c.method !== 'HEAD' && c.status !== 204 && c.status !== 304;
      if (bodyAllowed && (!DECODED.has(c.coding) || c.transferGzip)) {
        // Bytes the gateway cannot read: a clear error instead.
        expect(got.status, where).toBe(502);
        expect(JSON.parse(got.body.toString()).error, where).toBe('bad_gateway');
        tally.refused++;
      } else if (got.status !== 502 && bodyAllowed) {
        expect(got.head.toLowerCase(), where).not.toMatch(/content-encoding\n(?!identity)/);
        // Bodies are redacted at equal length (`*`), heads with a marker.
        if (got.raw.includes('[REDACTED]') || got.body.includes('*'.repeat(16))) tally.redacted++;
        if (c.coding !== null && c.coding !== 'identity') tally.decoded++;
        else if (c.framing === 'length') {
          // Nothing to decode: the upstream's Content-Length is kept, and exact.
          const sent = Buffer.concat(responseFor(c, VALUES[host]!, upstreamSaw!.fields[0]!)).toString('latin1');
          const length = /\r\ncontent-length: (\d+)\r\n/i.exec(sent)![1]!;
          expect(got.head.toLowerCase(), where).not.toContain('transfer-encoding');
          expect(got.head.toLowerCase(), where).toContain(`content-length\n${length}`);
          expect(got.complete, where).toBe(true);
          expect(got.body.length, where).toBe(Number(length));
          tally.sized++;
        }
      }
    }
    agent?.close();
    expect(tally.refused).toBeGreaterThan(10);
    expect(tally.redacted).toBeGreaterThan(CASES / 3);
    expect(tally.decoded).toBeGreaterThan(10);
    expect(tally.sized).toBeGreaterThan(10);
    expect(tally.frames).toBeGreaterThan(5);
    if (fastLane) expect(h.gateway.laneCounts().forwarded).toBeGreaterThan(20);
    const reasons = new Set(h.rows().map((row) => row.reason));
    expect(reasons).toContain('unsupported_encoding');
    expect(reasons).toContain('credential_echo');
  }, 120_000);
});

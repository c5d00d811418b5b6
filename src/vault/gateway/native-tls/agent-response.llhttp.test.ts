import { describe, expect, it } from 'vitest';
import { llhttpParse } from '../../../../test/support/llhttp-oracle.js';
import { pick, seededRandom } from '../../../../test/support/seeded-random.js';
import { NativeResponse, type ResponseOutput } from './agent-response.js';
import type { NativeTlsConnection } from './native-tls.js';

// What a natively terminated connection sends an agent must parse, by llhttp (the parser in the
// agent's Node, and in most clients' stacks), to exactly the response the gateway meant: its
// status, its body and nothing after it. Generated responses cover every framing (given length,
// chunked, close-delimited, none), HEAD, 204/304, HTTP/1.0, and writes around the size at which
// pieces stop being held back.

const SENTINEL = 'HTTP/1.1 299 Sentinel\r\nContent-Length: 0\r\n\r\n';

interface Sent {
  bytes: Buffer[];
  close: boolean | null;
}

function output(sent: Sent): ResponseOutput {
  return {
    // The response may hand over a reused buffer: keep a copy, as the native transport does.
    write: (data) => (sent.bytes.push(Buffer.from(data)), true),
    done: (close) => {
      sent.close = close;
    },
    abort: () => {
      throw new Error('the response aborted');
    },
    tlsConnection: null as unknown as NativeTlsConnection,
    pipeStarting: () => undefined,
  };
}

function bodyChunk(r: () => number, offset: number): Buffer {
  const size = pick(r, [0, 1, 5, 100, 4095, 4096, 16_384, 65_535, 65_536, 70_000]);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 97 + ((offset + i) % 26);
  return b;
}

describe('NativeResponse on the wire, read by llhttp', () => {
  it('frames 2,000 generated responses exactly: status, body, and where the next one starts', async () => {
    const r = seededRandom(99);
    for (let i = 0; i < 2_000; i++) {
      const method = r() < 0.15 ? 'HEAD' : 'GET';
      const versionMinor = r() < 0.2 ? 0 : 1;
      const keepAlive = versionMinor === 1 ? r() < 0.85 : r() < 0.3;
      const status = pick(r, [200, 200, 201, 204, 304, 404, 500]);
      const chunks: Buffer[] = [];
      for (let k = Math.floor(r() * 4), offset = 0; k > 0; k--) {
        chunks.push(bodyChunk(r, offset));
        offset += chunks.at(-1)!.length;
      }
      const body = Buffer.concat(chunks);
      const bodyless = method === 'HEAD' || status === 204 || status === 304;
      const headers: string[] = ['content-type', 'text/plain', 'x-case', String(i)];
      if (!bodyless && r() < 0.4) headers.push('content-length', String(body.length));
      const sent: Sent = { bytes: [], close: null };
      const res = new NativeResponse({ method, versionMinor, keepAlive, out: output(sent) });
      res.writeHead(status, headers);
      const lastInEnd = chunks.length > 0 && r() < 0.5;
      for (const c of lastInEnd ? chunks.slice(0, -1) : chunks) res.write(c);
      if (lastInEnd) res.end(chunks.at(-1));
      else res.end();
      await Promise.resolve();
      const wire = Buffer.concat(sent.bytes);
      const what = `case ${i}: ${method} HTTP/1.${versionMinor} keepAlive=${keepAlive} ${status} ${JSON.stringify(headers)} writes=${chunks.map((c) => c.length)}`;
      expect(sent.close, what).not.toBeNull();
      const closes = sent.close === true;
      // Kept alive: a response appended after it must be read as the next one. Closed: the body
      // may run to the close, so the connection ends right after.
      const input = closes ? wire : Buffer.concat([wire, Buffer.from(SENTINEL)]);
      const parsed = llhttpParse(input, { responseTo: method, closeAtEnd: closes });
      expect(parsed.ok, what).toBe(true);
      expect(parsed.messages.map((m) => m.start), what).toEqual(closes ? [String(status)] : [String(status), '299']);
      expect(parsed.messages[0]?.body, what).toBe(bodyless ? '' : body.toString('latin1'));
      if (!keepAlive) expect(closes, what).toBe(true);
    }
  });
});

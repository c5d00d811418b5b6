import { describe, expect, it } from 'vitest';
import { ResponseParser, UpstreamProtocolError, type ResponseHead } from './response-parser.js';

interface Seen {
  heads: ResponseHead[];
  body: string;
  ended: number;
}

function parser(method = 'GET'): { p: ResponseParser; seen: Seen } {
  const seen: Seen = { heads: [], body: '', ended: 0 };
  const p = new ResponseParser({
    method,
    maxHeaderSize: 1024,
    events: {
      head: (h) => seen.heads.push(h),
      body: (c) => (seen.body += c.toString('latin1')),
      end: () => seen.ended++,
    },
  });
  return { p, seen };
}

/** Feeds `text` one byte at a time: every state must survive any split. */
function feedBytewise(p: ResponseParser, text: string): void {
  for (const byte of Buffer.from(text, 'latin1')) p.feed(Buffer.from([byte]));
}

describe('ResponseParser', () => {
  it('parses a Content-Length response, keeping raw header names and trimming values', () => {
    const { p, seen } = parser();
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Type:  text/plain \r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello'));
    expect(seen.heads).toEqual([
      { status: 200, statusMessage: 'OK', rawHeaders: ['Content-Type', 'text/plain', 'Content-Length', '5', 'X-A', '1'] },
    ]);
    expect(seen.body).toBe('hello');
    expect(seen.ended).toBe(1);
    expect(p.done && p.reusable).toBe(true);
  });

  it('counts Content-Length bytes passed on elsewhere (a native pipe) and ends when they are all through', () => {
    const { p, seen } = parser();
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'latin1'));
    expect(p.lengthRemaining).toBe(7);
    p.skip(5);
    expect([p.lengthRemaining, seen.ended]).toEqual([2, 0]);
    expect(() => p.skip(3)).toThrow(UpstreamProtocolError);
    p.skip(2);
    expect([p.done, seen.ended, seen.body]).toEqual([true, 1, 'abc']);
    const chunked = parser();
    chunked.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'latin1'));
    expect(chunked.p.lengthRemaining).toBe(0);
    expect(() => chunked.p.skip(1)).toThrow(UpstreamProtocolError);
  });

  it('decodes chunked bodies split at every byte, with extensions and trailers', () => {
    const { p, seen } = parser();
    feedBytewise(p, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect(seen.body).toBe('hello, world');
    expect(seen.ended).toBe(1);
    expect(p.reusable).toBe(true);
  });

  it.each([
    ['without a colon', 'bad trailer'],
    ['with a bare LF in its name', 'X-T\n: 1'],
    ['folded', ' X-T: 1'],
    ['with a NUL in its value', 'X-T: a\x00b'],
  ])('refuses a chunked body whose trailer is malformed (%s), and never ends it', (_why, trailer) => {
    const { p, seen } = parser();
    const text = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n${trailer}\r\n\r\n`;
    expect(() => p.feed(Buffer.from(text, 'latin1'))).toThrow(UpstreamProtocolError);
    expect(seen.ended).toBe(0);
  });

  it('skips interim 1xx responses and has no body for HEAD, 204 and 304', () => {
    const a = parser();
    a.p.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'));
    expect(a.seen.heads.map((h) => h.status)).toEqual([204]);
    expect(a.seen.ended).toBe(1);
    const b = parser('HEAD');
    b.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'));
    expect(b.seen.ended).toBe(1);
    expect(b.seen.body).toBe('');
  });

  it('reads a body without framing until the connection closes, and never reuses it', () => {
    const { p, seen } = parser();
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '));
    p.feed(Buffer.from('part two'));
    expect(seen.ended).toBe(0);
    p.end();
    expect(seen.body).toBe('part one, part two');
    expect(seen.ended).toBe(1);
    expect(p.reusable).toBe(false);
  });

  it('does not reuse a connection the upstream closes or an HTTP/1.0 one', () => {
    const a = parser();
    a.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    expect(a.p.done && !a.p.reusable).toBe(true);
    const b = parser();
    b.p.feed(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    expect(b.p.done && !b.p.reusable).toBe(true);
  });

  it.each([
    ['a bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['a space before the colon', 'HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n'],
    ['both lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['two lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx'],
    ['a signed length', 'HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxyz'],
    ['an unexpected 101', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxy'],
    ['a NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n'],
  ])('refuses %s', (_why, text) => {
    const { p } = parser();
    expect(() => p.feed(Buffer.from(text, 'latin1'))).toThrow(UpstreamProtocolError);
  });

  it('refuses oversized headers and a response cut short', () => {
    const big = parser();
    expect(() => big.p.feed(Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(2000)}`))).toThrow(/too large/);
    const cut = parser();
    cut.p.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(() => cut.p.end()).toThrow(/closed before/);
  });
});

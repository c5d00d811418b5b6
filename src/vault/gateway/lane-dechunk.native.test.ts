import { describe, expect, it } from 'vitest';
import { laneTesting } from '../../../test/support/lane-testing.js';
import { mostly, mutateBytes, seededRandom } from '../../../test/support/seeded-random.js';
import { ResponseParser, UpstreamProtocolError } from './response-parser.js';

// The native chunked decoder against the JavaScript parser it stands in for: it must fail on
// exactly the pieces ResponseParser throws on and yield the same payload.

const lane = laneTesting();
const CHUNKED_HEAD = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

type Dechunked = { status: 'more' | 'done' | 'error'; body: Buffer };

/** ResponseParser on a chunked response, fed the pieces in order (stopping where it ends). */
function jsDechunk(pieces: Buffer[]): Dechunked {
  const got: Buffer[] = [];
  let ended = false;
  const events = { head: () => {}, body: (c: Buffer) => got.push(Buffer.from(c)), end: () => (ended = true) };
  const p = new ResponseParser({ method: 'GET', maxHeaderSize: 16 * 1024, events });
  p.feed(CHUNKED_HEAD);
  let status: Dechunked['status'] = 'more';
  for (const piece of pieces) {
    try {
      p.feed(piece);
    } catch (err) {
      if (!(err instanceof UpstreamProtocolError)) throw err;
      status = ended ? 'done' : 'error'; // once ended, it throws on the bytes after the body
    }
    if (ended) status = 'done';
    if (status !== 'more') break;
  }
  return { status, body: Buffer.concat(got) };
}

/** Native and JS agree on `pieces`; when done, native consumed just what JS needed to end. */
function expectSameDechunk(pieces: Buffer[]): Dechunked['status'] {
  const n = lane.dechunk(pieces);
  const js = jsDechunk(pieces);
  expect(n.status, JSON.stringify(pieces.map((p) => p.toString('latin1')))).toBe(js.status);
  expect(n.body.equals(js.body)).toBe(true);
  if (n.status === 'done') {
    const last = pieces.findIndex((_, i) => lane.dechunk(pieces.slice(0, i + 1)).status === 'done');
    const before = pieces.slice(0, last);
    expect(jsDechunk([...before, pieces[last]!.subarray(0, n.consumed)]).status).toBe('done');
    if (n.consumed > 0) expect(jsDechunk([...before, pieces[last]!.subarray(0, n.consumed - 1)]).status).toBe('more');
  }
  return n.status;
}

function chunkedBody(r: () => number): { body: Buffer; payload: Buffer } {
  const parts: string[] = [];
  const payload: string[] = [];
  const ext = () => mostly(r, ['', ';a=b', ' ;x', '\t; y="q r"', ';\x80\x00\x7f', `;${'e'.repeat(200)}`]);
  for (let n = Math.floor(r() * 5); n > 0; n--) {
    const size = r() < 0.8 ? 1 + Math.floor(r() * 20) : 1 + Math.floor(r() * 3000);
    const data = Array.from({ length: size }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
    const hex = size.toString(16);
    const spelled = '0'.repeat(Math.floor(r() * (16 - hex.length))) + (r() < 0.5 ? hex : hex.toUpperCase());
    parts.push(`${spelled}${ext()}\r\n${data}\r\n`);
    payload.push(data);
  }
  parts.push(`${'0'.repeat(1 + Math.floor(r() * 15))}${ext()}\r\n`);
  for (let n = Math.floor(r() * 3); n > 0; n--) parts.push(`${mostly(r, ['X-T', 'etag'])}:${mostly(r, [' v', '', ' caf\xe9 \t'])}\r\n`);
  parts.push('\r\n');
  return { body: bytes(parts.join('')), payload: bytes(payload.join('')) };
}

function split(r: () => number, body: Buffer): Buffer[] {
  const cuts = Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * (body.length + 1))).sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => body.subarray(from, [...cuts, body.length][i]));
}

describe('the native chunked decoder', () => {
  it('decodes valid bodies, however split, to the payload ResponseParser gives, leaving what follows', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const { body, payload } = chunkedBody(r);
      const after = bytes(mostly(r, ['', 'HTTP/1.1 200 OK\r\n', '0\r\n\r\n']));
      const pieces = split(r, Buffer.concat([body, after]));
      expect(expectSameDechunk(pieces)).toBe('done');
      const n = lane.dechunk(pieces);
      expect(n.body.equals(payload)).toBe(true);
      // The body ends in the first piece that reaches its length; consumed counts within that piece.
      let offset = 0;
      for (const p of pieces) {
        if (offset + p.length >= body.length) break;
        offset += p.length;
      }
      expect(n.consumed).toBe(body.length - offset);
    }
  });

  it('fails on exactly the mutated bodies and pieces ResponseParser throws on', () => {
    const r = seededRandom(99);
    const seen = { more: 0, done: 0, error: 0 };
    for (let i = 0; i < 4000; i++) {
      let body = chunkedBody(r).body;
      for (let m = 1 + Math.floor(r() * 2); m > 0; m--) body = mutateBytes(r, mutateBytes(r, body));
      if (r() < 0.2) body = body.subarray(0, Math.floor(r() * body.length)); // cut short
      seen[expectSameDechunk(split(r, body))]++;
    }
    expect(Math.min(seen.more, seen.done, seen.error), JSON.stringify(seen)).toBeGreaterThan(200);
  });

  it.each([
    ['15 hex digits', ['00000000000000a\r\n0123456789\r\n0\r\n\r\n']],
    ['16 hex digits', ['000000000000000a\r\n0123456789\r\n0\r\n\r\n']],
    ['a chunk size with a bare LF', ['5\nhello\r\n0\r\n\r\n']],
    ['a CR in an extension', ['5;a\rb\r\nhello\r\n0\r\n\r\n']],
    ['a space before the size', [' 5\r\nhello\r\n0\r\n\r\n']],
    ['a chunk followed by one wrong byte, then more', ['5\r\nhelloX', '\n0\r\n\r\n']],
    ['a chunk followed by its CR only, so far', ['5\r\nhello\r']],
    ['a 5000-byte size line in one piece', [`5;${'e'.repeat(4998)}\r\nhello\r\n0\r\n\r\n`]],
    ['a size line held at 4096 bytes', [`5;${'e'.repeat(4094)}`, '\r\nhello\r\n0\r\n\r\n']],
    ['a size line held at 4097 bytes', [`5;${'e'.repeat(4095)}`, '\r\nhello\r\n0\r\n\r\n']],
    ['a size line held with its CR at 4097 bytes', [`5;${'e'.repeat(4094)}\r`, '\nhello\r\n0\r\n\r\n']],
    ['a 4096-byte trailer', [`0\r\nX-T: ${'t'.repeat(4091)}\r\n\r\n`]],
    ['a 4097-byte trailer', [`0\r\nX-T: ${'t'.repeat(4092)}\r\n\r\n`]],
    ['a folded trailer', ['0\r\nX-T: 1\r\n folded\r\n\r\n']],
    ['a trailer without a colon', ['0\r\nbroken\r\n\r\n']],
    ['a trailer with a NUL', ['0\r\nX-T: a\0b\r\n\r\n']],
    ['a trailer with a bare LF', ['0\r\nX-T: a\nb\r\n\r\n']],
  ])('agrees with ResponseParser on %s', (_why, pieces) => {
    expectSameDechunk(pieces.map(bytes));
  });
});

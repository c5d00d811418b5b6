import { describe, expect, it } from 'vitest';
import { laneTesting, type NativeResponseHead } from '../../../test/support/lane-testing.js';
import { mostly, mutateBytes, pick, seededRandom } from '../../../test/support/seeded-random.js';
import { ResponseParser, UpstreamProtocolError, type ResponseHead } from './response-parser.js';
import { keepAliveTimeoutMs } from './upstream-call.js';

// The native response head reader against the JavaScript parser it stands in for: where native
// accepts a head, ResponseParser must accept it and read the same (lane-dechunk.native.test.ts
// has the chunked decoder).

const lane = laneTesting();
const CRLF2 = Buffer.from('\r\n\r\n');
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** How the body is framed, as far as a caller of ResponseParser can tell. */
type Framing = 'ended' | 'chunked' | 'close' | number;
type JsHead = 'throws' | 'pending' | { head: ResponseHead; framing: Framing; reusable: boolean; keepAliveMs: number };

/** ResponseParser on `text` up to its first blank line (body bytes would blur the framing probe). */
function jsHead(text: Buffer, headRequest: boolean): JsHead {
  const heads: ResponseHead[] = [];
  let ended = false;
  const events = { head: (h: ResponseHead) => heads.push(h), body: () => {}, end: () => (ended = true) };
  const p = new ResponseParser({ method: headRequest ? 'HEAD' : 'GET', maxHeaderSize: 16 * 1024, events });
  try {
    const end = text.indexOf(CRLF2);
    p.feed(end < 0 ? text : text.subarray(0, end + 4));
  } catch (err) {
    if (err instanceof UpstreamProtocolError) return 'throws';
    throw err;
  }
  const h = heads[0];
  if (!h) return 'pending';
  const keepAliveMs = keepAliveTimeoutMs(h.rawHeaders) ?? -1;
  let framing: Framing = ended ? 'ended' : p.lengthRemaining;
  if (framing === 0) {
    p.feed(bytes('0\r\n\r\n')); // ends a chunked body, is body bytes of one delimited by close
    framing = ended ? 'chunked' : 'close';
  }
  return { head: h, framing, reusable: p.reusable, keepAliveMs };
}

function nativeFraming(n: NativeResponseHead): Framing {
  if (n.framing === 'none' || (n.framing === 'length' && n.length === 0)) return 'ended';
  return n.framing === 'chunked' ? 'chunked' : n.length;
}

/** Native's reading of an ordinary head equals ResponseParser's in everything the lane uses. */
function expectSameAsJs(text: Buffer, headRequest: boolean, n: NativeResponseHead): void {
  const js = jsHead(text, headRequest);
  expect(js, text.toString('latin1')).not.toBe('throws');
  expect(js).not.toBe('pending');
  if (typeof js === 'string') return;
  expect(n.headLen).toBe(text.indexOf(CRLF2) + 4);
  expect([n.status, n.reason, n.fields]).toEqual([js.head.status, js.head.statusMessage, js.head.rawHeaders]);
  expect([nativeFraming(n), n.reusable, n.keepAliveMs]).toEqual([js.framing, js.reusable, js.keepAliveMs]);
}

const head = (...lines: string[]): Buffer => bytes(`${lines.join('\r\n')}\r\n\r\n`);

describe('the native response head reader', () => {
  it.each([
    ['HTTP/1.0', head('HTTP/1.0 200 OK', 'Content-Length: 0')],
    ['an interim 1xx', head('HTTP/1.1 100 Continue', '', 'HTTP/1.1 200 OK', 'Content-Length: 0')],
    ['101', head('HTTP/1.1 101 Switching Protocols', 'Upgrade: x')],
    ['a status below 200', head('HTTP/1.1 199 X', 'Content-Length: 0')],
    ['a status above 599', head('HTTP/1.1 600 X', 'Content-Length: 0')],
    ['a status line without SP before the reason', head('HTTP/1.1 200', 'Content-Length: 0')],
    ['a two-digit status', head('HTTP/1.1 20 OK', 'Content-Length: 0')],
    ['obs-text in the reason', head('HTTP/1.1 200 caf\xe9', 'Content-Length: 0')],
    ['a NUL in the reason', head('HTTP/1.1 200 O\0K', 'Content-Length: 0')],
    ['a bare LF ending a line', bytes('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n')],
    ['a bare LF in a value', head('HTTP/1.1 200 OK', 'X-A: a\nb', 'Content-Length: 0')],
    ['a bare CR in a value', head('HTTP/1.1 200 OK', 'X-A: a\rb', 'Content-Length: 0')],
    ['obs-fold', head('HTTP/1.1 200 OK', 'X-A: 1', ' folded', 'Content-Length: 0')],
    ['a space before the colon', head('HTTP/1.1 200 OK', 'X-A : 1', 'Content-Length: 0')],
    ['a line without a colon', head('HTTP/1.1 200 OK', 'broken', 'Content-Length: 0')],
    ['an empty field name', head('HTTP/1.1 200 OK', ': 1', 'Content-Length: 0')],
    ['obs-text in a value', head('HTTP/1.1 200 OK', 'X-A: caf\xe9', 'Content-Length: 0')],
    ['a DEL in a value', head('HTTP/1.1 200 OK', 'X-A: a\x7fb', 'Content-Length: 0')],
    ['129 fields', head('HTTP/1.1 200 OK', ...Array.from({ length: 128 }, (_, i) => `X-${i}: v`), 'Content-Length: 0')],
    ['two equal Content-Lengths', head('HTTP/1.1 200 OK', 'Content-Length: 1', 'Content-Length: 1')],
    ['a 16-digit Content-Length', head('HTTP/1.1 200 OK', 'Content-Length: 1234567890123456')],
    ['a signed Content-Length', head('HTTP/1.1 200 OK', 'Content-Length: +1')],
    ['an empty Content-Length', head('HTTP/1.1 200 OK', 'Content-Length:')],
    ['a Content-Length list', head('HTTP/1.1 200 OK', 'Content-Length: 1, 1')],
    ['two Transfer-Encodings', head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked')],
    ['a coding list ending in chunked', head('HTTP/1.1 200 OK', 'Transfer-Encoding: gzip, chunked')],
    ['a coding other than chunked', head('HTTP/1.1 200 OK', 'Transfer-Encoding: identity')],
    ['both lengths', head('HTTP/1.1 200 OK', 'Content-Length: 1', 'Transfer-Encoding: chunked')],
    ['a body delimited by close', head('HTTP/1.1 200 OK', 'X-A: 1')],
    ['a Keep-Alive timeout of 13 digits', head('HTTP/1.1 200 OK', 'Keep-Alive: timeout=1234567890123', 'Content-Length: 0')],
  ])('leaves %s to the JavaScript parser', (_why, text) => {
    expect(lane.parseResponseHead(text, false)).toBe('other');
  });

  it('leaves both lengths and other codings to it even when there is no body', () => {
    expect(lane.parseResponseHead(head('HTTP/1.1 200 OK', 'Content-Length: 1', 'Transfer-Encoding: chunked'), true)).toBe('other');
    expect(lane.parseResponseHead(head('HTTP/1.1 204 No Content', 'Transfer-Encoding: gzip'), false)).toBe('other');
  });

  it.each([
    ['a length, values trimmed', false, head('HTTP/1.1 200 OK', 'Content-Type: \t text/plain \t', 'Content-length:5', 'X-A: a b\tc')],
    ['an empty reason', false, head('HTTP/1.1 404 ', 'Content-Length: 0')],
    ['a reason with spaces and tabs', false, head('HTTP/1.1 503  Service\tUnavailable ', 'Content-Length: 3')],
    ['chunked in any case', false, head('HTTP/1.1 200 OK', 'transfer-encoding:  CHUNKED ')],
    ['a HEAD response with a length', true, head('HTTP/1.1 200 OK', 'Content-Length: 99')],
    ['a HEAD response with chunked', true, head('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked')],
    ['a HEAD response without a length', true, head('HTTP/1.1 200 OK')],
    ['a 204 with a length', false, head('HTTP/1.1 204 No Content', 'Content-Length: 5')],
    ['a 304 without one', false, head('HTTP/1.1 304 Not Modified', 'ETag: "x"')],
    ['Connection: close', false, head('HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 1')],
    ['close in a list', false, head('HTTP/1.1 200 OK', 'Connection: Keep-Alive ,\tCLOSE , x', 'Content-Length: 1')],
    ['close in a second Connection', false, head('HTTP/1.1 200 OK', 'Connection: te', 'connection: Close', 'Content-Length: 1')],
    ['a token that is not close', false, head('HTTP/1.1 200 OK', 'Connection: closed, x-close, close-x', 'Content-Length: 1')],
    ['a Keep-Alive timeout', false, head('HTTP/1.1 200 OK', 'Keep-Alive: max=100,timeout=5', 'Content-Length: 1')],
    ['Keep-Alive timeouts to skip', false, head('HTTP/1.1 200 OK', 'keep-alive: xtimeout=3, timeout=x', 'KEEP-ALIVE: Timeout=007 timeout=9', 'Content-Length: 1')],
    ['a long timeout', false, head('HTTP/1.1 200 OK', 'Keep-Alive: timeout=123456789012', 'Content-Length: 1')],
    ['128 fields', false, head('HTTP/1.1 200 OK', ...Array.from({ length: 127 }, (_, i) => `X-${i}: v`), 'Content-Length: 0')],
  ])('reads %s as ResponseParser does', (_why, headRequest, text) => {
    const n = lane.parseResponseHead(Buffer.concat([text, bytes('body')]), headRequest);
    expect(typeof n).toBe('object');
    if (typeof n === 'object') expectSameAsJs(text, headRequest, n);
  });

  it('reads heads of up to 16 KiB before the blank line, as ResponseParser does', () => {
    const sized = (n: number): Buffer => head('HTTP/1.1 200 OK', 'Content-Length: 0', `X-Pad: ${'a'.repeat(n - 43)}`);
    expect(sized(16384).length).toBe(16388);
    expect(typeof lane.parseResponseHead(sized(16384), false)).toBe('object');
    expect(jsHead(sized(16385), false)).toBe('throws');
    expect(lane.parseResponseHead(sized(16385), false)).toBe('other');
    const open = bytes(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(20000)}`);
    expect(lane.parseResponseHead(open.subarray(0, 16388), false)).toBe('incomplete');
    expect(lane.parseResponseHead(open.subarray(0, 16389), false)).toBe('other');
  });

  it('never reads a generated head ResponseParser refuses, and reads the others as it does', () => {
    const r = seededRandom(20240611);
    const counts = { ordinary: 0, jsThrows: 0, other: 0 };
    for (let i = 0; i < 6000; i++) {
      const text = mutateBytes(r, generatedHead(r));
      const headRequest = r() < 0.15;
      const n = lane.parseResponseHead(text, headRequest);
      const js = jsHead(text, headRequest);
      if (js === 'throws') counts.jsThrows++;
      if (n === 'incomplete') expect(text.indexOf(CRLF2)).toBe(-1);
      else if (n === 'other') counts.other++;
      else {
        counts.ordinary++;
        expectSameAsJs(text, headRequest, n);
        // No proper prefix before the blank line may already be ordinary.
        for (let k = 0; k < n.headLen; k++) expect(lane.parseResponseHead(text.subarray(0, k), headRequest)).toMatch(/^(incomplete|other)$/);
      }
    }
    // The generator must reach both sides of every rule, not just one.
    expect(counts.ordinary).toBeGreaterThan(1000);
    expect(counts.jsThrows).toBeGreaterThan(1000);
    expect(counts.other - counts.jsThrows).toBeGreaterThan(500);
  });
});

const FIELDS: [string, string[]][] = [
  ['Content-Length', ['5', '0', '05', '+1', '1, 1', '999999999999999', '1234567890123456', '', '-1']],
  ['Transfer-Encoding', ['chunked', 'Chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'chunked;q']],
  ['Connection', ['close', 'keep-alive', 'Keep-Alive, close', 'closed', 'x ,close\t, y', 'upgrade']],
  ['Keep-Alive', ['timeout=5', 'max=1, timeout=30', 'timeout=5x', 'Timeout=05', 'xtimeout=3', 'timeout=', 'timeout=1234567890123']],
  ['X-A', ['v', 'a b', 'caf\xe9', 'a\x00b', 'a\x7fb', '', '\t x \t']],
];

/** Mostly the first (valid) choice, so that most heads are valid but for one or two things. */
const often = <T>(r: () => number, xs: readonly T[], p = 0.85): T => (r() < p ? xs[0]! : pick(r, xs));

function generatedHead(r: () => number): Buffer {
  const status = mostly(r, ['200', '204', '304', '404', '599', '100', '101', '199', '600', '20', 'abc']);
  const gap = often(r, [' ', '', '  ', '\t']);
  const reason = often(r, ['OK', '', ' Not  Found ', 'a\tb', 'caf\xe9', 'x\x00y', 'a\rb']);
  const lines = [`${often(r, ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2', 'http/1.1', 'HTTP/1.1 '])} ${status}${gap}${reason}`];
  const fields = Array.from({ length: Math.floor(r() * 5) }, () => pick(r, r() < 0.8 ? FIELDS.slice(2) : FIELDS));
  if (r() < 0.8) fields.splice(Math.floor(r() * (fields.length + 1)), 0, pick(r, FIELDS.slice(0, 2)));
  for (const [name, values] of fields) {
    const spelled = often(r, [name, name.toLowerCase(), name.toUpperCase(), `${name} `, `\t${name}`, 'X@A', ''], 0.95);
    const colon = often(r, [': ', ':', ':  ', ':\t', ' :'], 0.95);
    lines.push(`${spelled}${colon}${often(r, values)}${mostly(r, ['', ' ', '\t'])}`);
  }
  const eol = () => (r() < 0.97 ? '\r\n' : pick(r, ['\n', '\r']));
  return bytes(lines.map((l) => l + eol()).join('') + eol());
}

import { describe, expect, it } from 'vitest';
import { RequestParser, RequestProtocolError, type RequestHead } from './request-parser.js';

interface Request { head: RequestHead; body: string; ended: boolean }

function parser(maxHeaderSize = 1024): { p: RequestParser; seen: Request[]; chunks: Buffer[] } {
  const seen: Request[] = [];
  const chunks: Buffer[] = [];
  const last = (): Request => seen.at(-1) ?? { head: {} as RequestHead, body: '', ended: false };
  const events = {
    head: (head: RequestHead) => seen.push({ head, body: '', ended: false }),
    body: (c: Buffer) => (chunks.push(c), (last().body += c.toString('latin1'))),
    end: () => (last().ended = true),
  };
  return { p: new RequestParser({ maxHeaderSize, events }), seen, chunks };
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const pieces = (text: string, step: number): string[] =>
  Array.from({ length: Math.ceil(text.length / step) }, (_, i) => text.slice(i * step, (i + 1) * step));
const feedBytewise = (p: RequestParser, text: string): void => pieces(text, 1).forEach((piece) => p.feed(bytes(piece)));

/** Runs `feed` and returns the status it refused with (or null when it accepted). */
function refusal(feed: () => void): number | null {
  try {
    feed();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(RequestProtocolError);
    return (err as RequestProtocolError).status;
  }
}
const statusOf = (text: string, max = 1024): number | null => refusal(() => parser(max).p.feed(bytes(text)));

// The rows of test/integration/gateway-smuggling.test.ts, with the status and how many heads
// may be delivered before the refusal (only a bad chunk line comes after its head).
const SMUGGLE = (host: string): Record<string, [text: string, status: number, heads: number]> => ({
  'CL and TE': [`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`, 400, 0],
  'TE and CL': [`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nG`, 400, 0],
  'duplicate CL': [`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, 400, 0],
  'differing CL': [`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello`, 400, 0],
  'CL list': [`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5, 5\r\n\r\nhello`, 400, 0],
  'CL with sign': [`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: +5\r\n\r\nhello`, 400, 0],
  'CL not a number': [`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5a\r\n\r\nhello`, 400, 0],
  'obs-fold': [`GET / HTTP/1.1\r\nHost: ${host}\r\nX-A: b\r\n c\r\n\r\n`, 400, 0],
  'bad chunk size': [`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400, 1],
  'chunk size overflow': [`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx\r\n0\r\n\r\n`, 400, 1],
  'TE not chunked last': [`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n`, 400, 0],
  'TE split over two lines': [`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 0],
  'TE with space before colon': [`POST / HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n`, 400, 0],
  'bare LF': [`GET / HTTP/1.1\nHost: ${host}\n\n`, 400, 0],
  'two Host headers': [`GET / HTTP/1.1\r\nHost: ${host}\r\nHost: evil.test\r\n\r\n`, 400, 0],
  'unknown method': [`HELLO / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400, 0],
  'lower-case method': [`get / HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 400, 0],
  'oversized headers': [`GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 0],
});
const ROWS = Object.entries(SMUGGLE('api.github.test:443')).map(([name, row]) => [name, ...row] as const);
// The proxy-port shape: absolute-form target and a Proxy-Authorization line.
const PROXY_ROWS = Object.entries(SMUGGLE('plain.test')).map(([name, [text, ...rest]]) => {
  const proxied = text.replace(/^(\w+) \/ /, '$1 http://plain.test/ ').replace(/\r?\n/, '\r\nProxy-Authorization: Basic eA==\r\n');
  return [`${name} (proxy form)`, proxied, ...rest] as const;
});
const MAX = 16 * 1024;

describe('RequestParser refuses every smuggling shape', () => {
  it.each([...ROWS, ...PROXY_ROWS])('%s, fed whole or byte by byte', (_name, text, status, heads) => {
    const { p, seen } = parser(MAX);
    expect(refusal(() => p.feed(bytes(`${text}GET /next HTTP/1.1\r\nHost: x\r\n\r\n`)))).toBe(status);
    expect(seen).toHaveLength(heads);
    expect(refusal(() => p.feed(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n')))).toBe(400); // stays refused
    const trickled = parser(MAX);
    expect(refusal(() => feedBytewise(trickled.p, text))).toBe(status);
    expect(trickled.seen).toHaveLength(heads);
  });

  it.each(ROWS.filter(([n]) => n !== 'oversized headers'))('%s, split in two at every byte', (_name, text, status) => {
    for (let at = 1; at < text.length; at++) {
      const { p } = parser(MAX);
      expect(refusal(() => (p.feed(bytes(text.slice(0, at))), p.feed(bytes(text.slice(at)))))).toBe(status);
    }
  });
});

const PIPELINE =
  'POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello' +
  '\r\nPUT /b?x=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n' +
  '5;ext=1;q="a \\"b\\""\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n' +
  'GET /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n';

describe('RequestParser framing', () => {
  it('parses pipelined requests, skipping an empty line between them, with the same result at any split', () => {
    const whole = parser();
    whole.p.feed(bytes(PIPELINE));
    expect(whole.seen.map((r) => [r.head.method, r.head.target, r.body, r.ended])).toEqual([
      ['POST', '/a', 'hello', true],
      ['PUT', '/b?x=1', 'hello, world', true],
      ['GET', '/c', '', true],
    ]);
    expect(whole.seen[1]?.head.body).toEqual({ kind: 'chunked' });
    expect(whole.p.idle).toBe(true);
    const splits = Array.from({ length: PIPELINE.length - 1 }, (_, i) => [PIPELINE.slice(0, i + 1), PIPELINE.slice(i + 1)]);
    // Fixed-size pieces also complete one unit and hold the next within a single feed.
    for (const split of [...splits, ...Array.from({ length: 20 }, (_, i) => pieces(PIPELINE, i + 1))]) {
      const again = parser();
      for (const piece of split) again.p.feed(bytes(piece));
      expect(again.seen).toEqual(whole.seen);
      // Chunks handed out must stay intact: the parser may not reuse their memory later.
      expect(Buffer.concat(again.chunks).toString()).toBe('hellohello, world');
    }
  });

  it('reports the head as received and passes Content-Length bodies on without copying', () => {
    const { p, seen, chunks } = parser();
    const text = 'POST /up HTTP/1.1\r\nHost:  api.test \r\nX-Name: caf\xe9\t\r\nContent-Length: 0011\r\n\r\nhello world';
    const input = Buffer.allocUnsafeSlow(text.length);
    input.write(text, 'latin1');
    p.feed(input.subarray(0, text.length - 6));
    expect(p.inBody && !p.idle).toBe(true);
    p.feed(bytes(' world'));
    const rawHeaders = ['Host', 'api.test', 'X-Name', 'caf\xe9', 'Content-Length', '0011'];
    const body = { kind: 'length', length: 11 };
    const flags = { host: 'api.test', keepAlive: true, upgrade: false, expectContinue: false };
    expect(seen[0]?.head).toEqual({ method: 'POST', target: '/up', versionMinor: 1, rawHeaders, body, ...flags });
    expect(seen[0]?.body).toBe('hello world');
    expect(chunks[0]?.buffer).toBe(input.buffer);
    expect(p.inBody || !p.idle).toBe(false);
  });

  it('delivers exactly the de-chunked bytes of a body fed in pieces, and nothing of the trailers', () => {
    const { p, seen } = parser();
    const data = 'x'.repeat(300) + '\r\n0\r\n' + 'y'.repeat(20);
    const text = `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n12c\r\n${data.slice(0, 300)}\r\n19\r\n${data.slice(300)}\r\n0\r\nA: 1\r\nB: 2\r\n\r\n`;
    for (let i = 0; i < text.length; i += 7) p.feed(bytes(text.slice(i, i + 7)));
    expect(seen[0]?.body).toBe(data);
    expect(seen[0]?.ended).toBe(true);
  });

  it('treats a request without framing or with a zero length as bodiless, and allows bodies on GET and HEAD', () => {
    const { p, seen } = parser();
    p.feed(bytes('GET /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\nHEAD /y HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokDELETE /z HTTP/1.1\r\nHost: h\r\n\r\n'));
    const expected = [['/x', 'length', '', true], ['/y', 'length', 'ok', true], ['/z', 'none', '', true]];
    expect(seen.map((r) => [r.head.target, r.head.body.kind, r.body, r.ended])).toEqual(expected);
  });

  it.each([
    ['a 15-digit length', 'Content-Length: 999999999999999', null],
    ['a 16-digit length', 'Content-Length: 0999999999999999', 400],
    ['a negative length', 'Content-Length: -1', 400],
    ['a space inside a length', 'Content-Length: 1 0', 400],
    ['TE chunked, any case and spacing', 'Transfer-Encoding:  cHuNkEd \t', null],
    ['TE gzip', 'Transfer-Encoding: gzip', 400],
    ['TE gzip, chunked', 'Transfer-Encoding: gzip, chunked', 400],
    ['TE chunked twice', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 400],
  ])('framing header: %s', (_why, line, status) => {
    expect(statusOf(`POST / HTTP/1.1\r\nHost: h\r\n${line}\r\n\r\n`)).toBe(status);
  });

  it.each([
    ['chunk data without its CRLF', '5\r\nhelloX\r\n0\r\n\r\n', 400],
    ['a bare LF after chunk data', '5\r\nhello\n0\r\n\r\n', 400],
    ['a CR without LF after chunk data', '5\r\nhello\r00\r\n\r\n', 400],
    ['a bare LF in a chunk size line', '5\n', 400],
    ['16 hex digits', '0000000000000005\r\nhello\r\n0\r\n\r\n', 400],
    ['a size beyond 2^53', 'fffffffffffffff\r\n', 400],
    ['a sign', '+5\r\nhello\r\n0\r\n\r\n', 400],
    ['whitespace after the size without an extension', '5 \r\nhello\r\n0\r\n\r\n', 400],
    ['a control character in an extension', '5;a=\x01\r\nhello\r\n0\r\n\r\n', 400],
    ['an unterminated quoted extension', '5;a="b\r\nhello\r\n0\r\n\r\n', 400],
    ['an oversized chunk line', `5;a=${'b'.repeat(5000)}\r\n`, 400],
    ['extensions with spacing', '5 ; a = b ;c\r\nhello\r\n0\r\n\r\n', null],
    ['obs-fold in a trailer', '0\r\nA: 1\r\n b\r\n\r\n', 400],
    ['a trailer without a colon', '0\r\nbroken\r\n\r\n', 400],
    ['oversized trailers', `0\r\n${'A: 1234567890\r\n'.repeat(100)}\r\n`, 431],
  ])('chunked body: %s', (_why, body, status) => {
    const head = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(statusOf(head + body)).toBe(status);
    expect(refusal(() => feedBytewise(parser().p, head + body))).toBe(status);
  });
});

describe('RequestParser head rules', () => {
  it.each([
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a tab in the request line', 'GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a trailing space in the request line', 'GET / HTTP/1.1 \r\nHost: h\r\n\r\n', 400],
    ['a lowercase protocol name', 'GET / http/1.1\r\nHost: h\r\n\r\n', 400],
    ['a non-token method', 'G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['an empty target', 'GET  HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a control character in the target', 'GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a bare CR in the request line', 'GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a fragment', 'GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a relative target', 'GET a/b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['"*" on GET', 'GET * HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['CONNECT to a path', 'CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 505],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: h\r\n\r\n', 505],
    ['HTTP/0.9', 'GET / HTTP/0.9\r\n\r\n', 505],
    ['a two-digit minor version', 'GET / HTTP/1.10\r\nHost: h\r\n\r\n', 400],
    ['a leading bare LF', '\nGET / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['a bare LF inside a header value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\nX-B: 2\r\n\r\n', 400],
    ['a space before the colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 400],
    ['obs-fold on the first header', 'GET / HTTP/1.1\r\n X-A: 1\r\nHost: h\r\n\r\n', 400],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost: h\r\nbroken\r\n\r\n', 400],
    ['an empty header name', 'GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n', 400],
    ['a non-token header name', 'GET / HTTP/1.1\r\nHost: h\r\nX-\xe9: v\r\n\r\n', 400],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n', 400],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n', 400],
    ['DEL in a value', 'GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fb\r\n\r\n', 400],
    ['no Host on HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: 1\r\n\r\n', 400],
    ['TE on HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a request line longer than the limit', `GET /${'a'.repeat(2000)}`, 414],
    ['a complete head over the limit', `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(1100)}\r\n\r\n`, 431],
    ['an unfinished head over the limit', `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(1100)}`, 431],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n', null],
    ['CONNECT host:port', 'CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n\r\n', null],
    ['CONNECT [v6]:port', 'CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n', null],
    ['an absolute-form target', 'GET http://h/x?y HTTP/1.1\r\nHost: h\r\n\r\n', null],
    ['a head one byte over the limit', `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(1024 - 29)}\r\n\r\n`, 431],
    ['a head exactly at the limit', `GET / HTTP/1.1\r\nHost: h\r\nX-A: ${'a'.repeat(1024 - 30)}\r\n\r\n`, null],
  ])('%s', (_why, text, status) => {
    expect(statusOf(text)).toBe(status);
    if (status !== null) expect(refusal(() => feedBytewise(parser().p, text))).toBe(status);
  });

  it('refuses an unfinished chunk line or trailer section as soon as it is over its limit', () => {
    const head = 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(statusOf(`${head}5;a=${'b'.repeat(5000)}`)).toBe(400);
    expect(statusOf(`${head}0\r\nA: ${'b'.repeat(1100)}`)).toBe(431);
  });

  it('refuses a request line that cannot become valid before its head is complete, and waits for one that can', () => {
    const pending = (text: string) => refusal(() => parser().p.feed(bytes(text)));
    expect(pending('GE')).toBeNull();
    expect(pending('GET /a HTTP/1.1\r\nHost: x')).toBeNull();
    expect(pending('PRI * HT')).toBeNull();
    expect(pending('Transfer-Encoding: chunked')).toBe(400);
    expect(pending('HELLO ')).toBe(400);
    expect(pending('get /')).toBe(400);
    expect(pending('GET /a\x00')).toBe(400);
    expect(pending('GET /a HTTP/1.1 extra\r\nHost: x')).toBe(400);
    expect(pending('GET /a HTTP/2.0\r\n')).toBe(505);
    // Byte by byte it is refused at the first byte no request line can continue with.
    const { p } = parser();
    let fed = 0;
    const status = refusal(() => {
      for (const c of 'GEX / HTTP/1.1\r\n') {
        p.feed(bytes(c));
        fed++;
      }
    });
    expect([status, fed]).toEqual([400, 2]);
  });

  it('says why it refused, for the audit log', () => {
    expect(() => parser().p.feed(bytes('GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\tfolded\r\n\r\n'))).toThrow(/obsolete line folding/);
  });

  it('skips empty lines before a request line, even split, and HTTP/1.0 needs no Host', () => {
    const { p, seen } = parser();
    feedBytewise(p, '\r\n\r\nGET / HTTP/1.0\r\n\r\n');
    expect(seen[0]?.head).toMatchObject({ method: 'GET', versionMinor: 0, host: null, keepAlive: false });
    expect(seen[0]?.ended).toBe(true);
  });

  const head = (version: string, lines: string): RequestHead | undefined => {
    const { p, seen } = parser();
    p.feed(bytes(`GET / HTTP/1.${version}\r\nHost: h\r\n${lines}\r\n`));
    return seen[0]?.head;
  };

  it('keeps HTTP/1.1 alive unless Connection: close, and HTTP/1.0 only with Connection: keep-alive', () => {
    const c = (v: string): string => `Connection: ${v}\r\n`;
    const keep = [head('1', ''), head('1', c('close')), head('1', c('Keep-Alive, CLOSE')), head('1', c('upgrade') + c('close'))];
    keep.push(head('0', ''), head('0', c('keep-alive')), head('0', c('keep-alive, close')));
    expect(keep.map((h) => h?.keepAlive)).toEqual([true, false, false, false, false, true, false]);
  });

  it('sees an upgrade only with both the Connection token and an Upgrade header, and never on HTTP/1.0', () => {
    const both = 'Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n';
    const cases = [head('1', both), head('1', 'Upgrade: websocket\r\n'), head('1', 'Connection: upgrade\r\n'), head('0', both)];
    expect(cases.map((h) => h?.upgrade)).toEqual([true, false, false, false]);
  });

  it('sees Expect: 100-continue on HTTP/1.1 only', () => {
    const cases = [head('1', 'Expect: 100-Continue\r\n'), head('1', 'Expect: other\r\n'), head('0', 'Expect: 100-continue\r\n')];
    expect(cases.map((h) => h?.expectContinue)).toEqual([true, false, false]);
  });
});

describe('RequestParser pausing', () => {
  it('keeps the bytes after a paused request for takeRest, then parses again on resume', () => {
    const { p, seen } = parser();
    const upgrade = 'GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nab';
    p.feed(bytes(upgrade.slice(0, 60)));
    p.pauseAfterRequest();
    p.feed(bytes(`${upgrade.slice(60)}\x81\x05frame`));
    p.feed(bytes('GET /not-http'));
    expect(seen.map((r) => [r.head.upgrade, r.body, r.ended])).toEqual([[true, 'ab', true]]);
    expect(p.idle).toBe(true);
    expect(p.takeRest()?.toString('latin1')).toBe('\x81\x05frameGET /not-http');
    expect(p.takeRest()).toBeNull();
    p.feed(bytes('GET /after HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(seen).toHaveLength(1);
    p.resume();
    expect(seen.map((r) => r.head.target)).toEqual(['/ws', '/after']);
  });

  it('pauses from inside head() before a pipelined request, and at once when idle', () => {
    const seen: string[] = [];
    const head = (h: RequestHead): void => {
      seen.push(h.target);
      if (h.method === 'CONNECT') p.pauseAfterRequest();
    };
    const p = new RequestParser({ maxHeaderSize: 1024, events: { head, body: () => undefined, end: () => seen.push('end') } });
    p.feed(bytes('CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(seen).toEqual(['a.test:443', 'end']);
    p.resume();
    expect(seen).toEqual(['a.test:443', 'end', '/x', 'end']);
    p.pauseAfterRequest();
    p.feed(bytes('GET /y HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(seen).toHaveLength(4);
    expect(p.takeRest()?.toString()).toContain('/y');
  });
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { RequestParser, RequestProtocolError } from './request-parser.js';

// Differential test of the strict request parser against llhttp, the parser inside Node (and so
// behind most of the servers an agent's request may reach), on generated requests built from
// the shapes request smuggling is made of. Wherever ours accepts, llhttp must accept too and
// agree on every message: method, target, body bytes and where the next request begins. Ours
// may refuse what llhttp takes (it is stricter); the reverse would be a smuggling gap.

interface Message {
  method: string;
  target: string;
  body: string;
}

type Outcome = { ok: true; messages: Message[] } | { ok: false; messages: Message[] };

const require = createRequire(import.meta.url);
interface LlhttpParser {
  initialize(type: number, resource: object): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  [key: number]: unknown;
}
const { HTTPParser, methods } = require('_http_common') as {
  HTTPParser: (new () => LlhttpParser) & Record<string, number>;
  methods: string[];
};

function viaLlhttp(input: Buffer): Outcome {
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST!, {});
  const messages: Message[] = [];
  let complete = 0;
  p[HTTPParser.kOnHeadersComplete!] = (_maj: number, _min: number, _h: string[], method: number, url: string) => {
    messages.push({ method: methods[method] ?? '?', target: url, body: '' });
    return 0;
  };
  p[HTTPParser.kOnBody!] = (b: Buffer) => {
    messages.at(-1)!.body += b.toString('latin1');
  };
  p[HTTPParser.kOnMessageComplete!] = () => {
    complete++;
  };
  const result = p.execute(input);
  // Bytes after a message that ends its connection (Connection: close, HTTP/1.0) are an error to
  // llhttp and ignored by the gateway, which closes the connection after that response.
  const ok = !(result instanceof Error) || (result as Error & { code?: string }).code === 'HPE_CLOSED_CONNECTION';
  // Only whole messages count: a message still waiting for bytes is not yet a verdict.
  return { ok, messages: messages.slice(0, complete) };
}

function viaOurs(input: Buffer, step: number): Outcome {
  const messages: Message[] = [];
  const whole: Message[] = [];
  const parser = new RequestParser({
    maxHeaderSize: 16 * 1024,
    events: {
      head: (h) => {
        messages.push({ method: h.method, target: h.target, body: '' });
        // As the agent connection does: nothing after a request that closes the connection.
        if (!h.keepAlive) parser.pauseAfterRequest();
      },
      body: (c) => {
        messages.at(-1)!.body += c.toString('latin1');
      },
      end: () => {
        whole.push(messages.at(-1)!);
      },
    },
  });
  try {
    for (let at = 0; at < input.length; at += step) parser.feed(input.subarray(at, at + step));
    return { ok: true, messages: whole };
  } catch (err) {
    if (!(err instanceof RequestProtocolError)) throw err;
    return { ok: false, messages: whole };
  }
}

/** Deterministic, so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
/** Half the time the first entry (the well-formed shape), else any: most cases stay close to valid. */
const mostly = <T>(r: () => number, xs: readonly T[]): T => (r() < 0.5 ? xs[0]! : pick(r, xs));

const LINE_ENDS = ['\r\n', '\r\n', '\r\n', '\r\n', '\n', '\r'];
const FRAMING = [
  'Content-Length: 5',
  'Content-Length: 0',
  'Content-Length: 05',
  'Content-Length: 5, 5',
  'Content-Length: +5',
  'Content-Length: 5 ',
  'Content-Length:5',
  'Content-Length: 0x5',
  'Content-Length: 99999999999999999999',
  'Content-Length : 5',
  ' Content-Length: 5',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: Chunked',
  'Transfer-Encoding: chunked ',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: identity',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding: "chunked"',
  'Transfer-Encoding:\tchunked',
  'Transfer-Encoding : chunked',
  ' Transfer-Encoding: chunked',
  'Transfer-Encoding: chunked\r\n chunked',
];
const OTHER = ['Host: api.example.test', 'Host: api.example.test', 'Host: other.test', 'Accept: */*', 'X-A: b\x00c', 'X-Long: ' + 'a'.repeat(300), 'Connection: keep-alive', 'Connection: close', 'Expect: 100-continue', 'Upgrade: websocket', ': empty-name', 'Bad Name: x'];
const CHUNKED_BODIES = [
  '5\r\nhello\r\n0\r\n\r\n',
  '0\r\n\r\n',
  '5;ext=1\r\nhello\r\n0\r\n\r\n',
  '5 \r\nhello\r\n0\r\n\r\n',
  '5\r\nhello\r\n0\r\nTrailer: x\r\n\r\n',
  '-5\r\nhello\r\n0\r\n\r\n',
  '0x5\r\nhello\r\n0\r\n\r\n',
  '5\r\nhelloXX0\r\n\r\n',
  '5\nhello\n0\n\n',
  'fffffffffffffffff\r\nhello\r\n0\r\n\r\n',
  '3\r\nhello\r\n0\r\n\r\n',
  '5\r\nhello\r\n0\r\n\r',
];
const FIRST_LINES = ['POST /first HTTP/1.1', 'GET /first HTTP/1.1', 'POST /first HTTP/1.0', 'POST  /first HTTP/1.1', 'POST /first HTTP/1.1 ', 'POST /first HTTP/2.0', 'POST http://api.example.test/first HTTP/1.1', 'post /first HTTP/1.1'];

/** A request from the pieces smuggling is made of, with a plain request pipelined behind it. */
function generate(r: () => number): string {
  const eol = r() < 0.1 ? pick(r, LINE_ENDS) : '\r\n';
  const lines = [mostly(r, FIRST_LINES), 'Host: api.example.test'];
  const framing = Math.floor(r() * 3);
  for (let i = 0; i < framing; i++) lines.push(r() < 0.5 ? pick(r, ['Content-Length: 5', 'Transfer-Encoding: chunked']) : pick(r, FRAMING));
  if (r() < 0.5) lines.push(pick(r, OTHER));
  if (r() < 0.2) lines.splice(1, 1);
  const chunked = lines.some((l) => /transfer-encoding/i.test(l));
  const body = chunked ? mostly(r, CHUNKED_BODIES) : r() < 0.7 ? 'hello' : 'hel';
  return `${lines.join(eol)}${eol}${eol}${body}GET /second HTTP/1.1\r\nHost: api.example.test\r\n\r\n`;
}

describe('the strict request parser against llhttp', () => {
  it('never accepts a request that llhttp refuses or frames differently (4,000 generated requests)', () => {
    const r = random(20261123);
    const disagreements: string[] = [];
    let accepted = 0;
    let stricter = 0;
    for (let i = 0; i < 4_000; i++) {
      const text = generate(r);
      const input = Buffer.from(text, 'latin1');
      const theirs = viaLlhttp(input);
      for (const step of [input.length, 7, 1]) {
        const ours = viaOurs(input, step);
        // Whatever ours delivered whole, llhttp must have delivered identically, in order.
        const agreed = ours.messages.every((m, k) => JSON.stringify(m) === JSON.stringify(theirs.messages[k]));
        if (!agreed || (ours.ok && !theirs.ok)) {
          disagreements.push(`case ${i} step ${step}: ${JSON.stringify(text)} ours=${JSON.stringify(ours)} llhttp=${JSON.stringify(theirs)}`);
        }
        if (step === input.length) {
          if (ours.ok) accepted++;
          else if (theirs.ok) stricter++;
        }
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The generator must exercise both sides: plenty accepted, plenty refused only by us (the
    // rest, refused by both, are mostly shapes no server takes).
    expect(accepted).toBeGreaterThan(300);
    expect(stricter).toBeGreaterThan(250);
  });
});

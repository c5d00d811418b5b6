import { describe, expect, it } from 'vitest';
import { llhttpParse, type OracleMessage, type OracleOutcome } from '../../../test/support/llhttp-oracle.js';
import { mostly, pick, seededRandom } from '../../../test/support/seeded-random.js';
import { RequestParser, RequestProtocolError } from './request-parser.js';

// Differential test of the strict request parser against llhttp, the parser inside Node (and so
// behind most of the servers an agent's request may reach), on generated requests built from
// the shapes request smuggling is made of. Wherever ours accepts, llhttp must accept too and
// agree on every message: method, target, body bytes and where the next request begins. Ours
// may refuse what llhttp takes (it is stricter); the reverse would be a smuggling gap.

function viaOurs(input: Buffer, step: number): OracleOutcome {
  const messages: OracleMessage[] = [];
  const whole: OracleMessage[] = [];
  const parser = new RequestParser({
    maxHeaderSize: 16 * 1024,
    events: {
      head: (h) => {
        messages.push({ start: h.method, target: h.target, body: '' });
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
    const r = seededRandom(20261123);
    const disagreements: string[] = [];
    let accepted = 0;
    let stricter = 0;
    for (let i = 0; i < 4_000; i++) {
      const text = generate(r);
      const input = Buffer.from(text, 'latin1');
      const theirs = llhttpParse(input);
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

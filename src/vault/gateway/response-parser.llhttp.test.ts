import { describe, expect, it } from 'vitest';
import { llhttpParse, type OracleOutcome } from '../../../test/support/llhttp-oracle.js';
import { mostly, pick, seededRandom } from '../../../test/support/seeded-random.js';
import { ResponseParser, UpstreamProtocolError } from './response-parser.js';

// Differential test of the upstream response parser against llhttp. Upstream connections are
// pooled and shared by agents, so where one response ends decides what the next request on that
// connection receives. Wherever ours completes a response, llhttp must complete the same one
// (status and body bytes); bytes after it are an error to ours (the connection is dropped).

const NEXT = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

function viaOurs(input: Buffer, method: string, step: number, closeAtEnd: boolean): OracleOutcome {
  let status = '';
  let body = '';
  let ended = false;
  const parser = new ResponseParser({
    method,
    maxHeaderSize: 16 * 1024,
    events: {
      head: (h) => {
        status = String(h.status);
      },
      body: (c) => {
        body += c.toString('latin1');
      },
      end: () => {
        ended = true;
      },
    },
  });
  const whole = () => (ended ? [{ start: status, target: '', body }] : []);
  try {
    for (let at = 0; at < input.length; at += step) parser.feed(input.subarray(at, at + step));
    if (closeAtEnd) parser.end();
    return { ok: true, messages: whole() };
  } catch (err) {
    if (!(err instanceof UpstreamProtocolError)) throw err;
    return { ok: false, messages: whole() };
  }
}

const STATUS_LINES = ['HTTP/1.1 200 OK', 'HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.0 200 OK', 'HTTP/1.1 200', 'HTTP/1.1 2000 OK', 'HTTP/1.1 200 OK ', 'HTTP/2 200', 'http/1.1 200 OK'];
const FRAMING = [
  'Content-Length: 5',
  'Transfer-Encoding: chunked',
  'Content-Length: 0',
  'Content-Length: 5, 5',
  'Content-Length: +5',
  'Content-Length:  5 ',
  'Content-Length: 0x5',
  'Content-Length : 5',
  ' Content-Length: 5',
  'Transfer-Encoding: Chunked',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: chunked, gzip',
  'Transfer-Encoding: identity',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding : chunked',
  'Connection: close',
];
const OTHER = ['Content-Type: text/plain', 'X-A: b\x00c', 'Bad Name: x', ': x', 'X-Folded: a\r\n b'];
const CHUNKED = ['5\r\nhello\r\n0\r\n\r\n', '5;a=b\r\nhello\r\n0\r\n\r\n', '5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n', '5\r\nhello\r\n0\r\nX-T\n: 1\r\n\r\n', '5\r\nhello\r\n0\r\nbad trailer\r\n\r\n', '5 \r\nhello\r\n0\r\n\r\n', '5\nhello\n0\n\n', '05\r\nhello\r\n0\r\n\r\n', '-5\r\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n'];

function generate(r: () => number): string {
  const lines = [mostly(r, STATUS_LINES)];
  const framing = Math.floor(r() * 3);
  for (let i = 0; i < framing; i++) lines.push(r() < 0.5 ? pick(r, ['Content-Length: 5', 'Transfer-Encoding: chunked']) : pick(r, FRAMING));
  if (r() < 0.3) lines.push(pick(r, OTHER));
  const chunked = lines.some((l) => /transfer-encoding/i.test(l));
  const body = chunked ? mostly(r, CHUNKED) : 'hello';
  // Sometimes a second response follows at once: it must never be read as part of the first.
  return `${lines.join('\r\n')}\r\n\r\n${body}${r() < 0.5 ? NEXT : ''}`;
}

describe('the upstream response parser against llhttp', () => {
  it('never completes a response that llhttp refuses or frames differently (4,000 generated responses)', () => {
    const r = seededRandom(20261124);
    const disagreements: string[] = [];
    let completed = 0;
    for (let i = 0; i < 4_000; i++) {
      const text = generate(r);
      const method = r() < 0.1 ? 'HEAD' : 'GET';
      // Without a length, a body runs to the close: the connection ends right after these bytes.
      const closeAtEnd = r() < 0.5;
      const input = Buffer.from(text, 'latin1');
      const theirs = llhttpParse(input, { responseTo: method, closeAtEnd });
      for (const step of [input.length, 5, 1]) {
        const ours = viaOurs(input, method, step, closeAtEnd);
        const first = ours.messages[0];
        // A response ours completed must be llhttp's first, byte for byte.
        if (first && JSON.stringify(first) !== JSON.stringify(theirs.messages[0])) {
          disagreements.push(`case ${i} ${method} step ${step}: ${JSON.stringify(text)} ours=${JSON.stringify(ours)} llhttp=${JSON.stringify(theirs)}`);
        }
        if (step === input.length && ours.ok && first) completed++;
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    expect(completed).toBeGreaterThan(300);
  });
});

/**
 * An incremental, strict HTTP/1.1 response parser for the gateway's upstream connections:
 * the head (status line and headers, as raw name/value pairs) and the body framing
 * (RFC 9112 §6.3: no body, Content-Length, chunked, or until close). Pure: bytes in,
 * callbacks out; anything malformed throws `UpstreamProtocolError` and the caller drops
 * the connection. Interim 1xx responses are skipped, as Node's client does.
 */
import { passBody, splitFieldLine } from './message-head.js';

export class UpstreamProtocolError extends Error {}

export interface ResponseHead {
  status: number;
  statusMessage: string;
  /** `[name, value, name, value, …]` as received (values without surrounding whitespace). */
  rawHeaders: string[];
}

export interface ResponseEvents {
  head(head: ResponseHead): void;
  body(chunk: Buffer): void;
  end(): void;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,15})(?:[ \t]*;[^\r\n]*)?$/;
const MAX_LINE = 4096;

type State = 'head' | 'length' | 'size' | 'data' | 'data-crlf' | 'trailers' | 'close' | 'done';

function fail(why: string): never {
  throw new UpstreamProtocolError(`upstream sent an invalid response: ${why}`);
}

/** One `name: value` line of the head or of a chunked trailer section. */
function fieldLine(line: string): [name: string, value: string] {
  const field = splitFieldLine(line);
  return typeof field === 'string' ? fail(field) : field;
}

function parseHead(text: string): ResponseHead & { http10: boolean } {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0] ?? '');
  if (!m) fail('bad status line');
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [name, value] = fieldLine(lines[i] ?? '');
    rawHeaders.push(name, value);
  }
  return { status: Number(m[2]), statusMessage: m[3] ?? '', rawHeaders, http10: m[1] === '0' };
}

/** Parses one response (after any 1xx) to a request made with `method`. */
export class ResponseParser {
  /** Whether the connection may carry another request once this response is done. */
  reusable = true;
  private state: State = 'head';
  private pending: Buffer | null = null;
  private remaining = 0;
  private readonly method: string;
  private readonly maxHeaderSize: number;
  private readonly events: ResponseEvents;

  constructor(o: { method: string; maxHeaderSize: number; events: ResponseEvents }) {
    this.method = o.method;
    this.maxHeaderSize = o.maxHeaderSize;
    this.events = o.events;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Body bytes still due when the body has a Content-Length (else 0). */
  get lengthRemaining(): number {
    return this.state === 'length' ? this.remaining : 0;
  }

  /** Counts `n` Content-Length body bytes that went past the parser (passed on natively) as received. */
  skip(n: number): void {
    if (this.state !== 'length' || n > this.remaining) fail('skipped past the body');
    this.remaining -= n;
    if (this.remaining === 0) this.finish();
  }

  /** Whether the response head has been delivered. */
  get started(): boolean {
    return this.state !== 'head';
  }

  /** Consumes bytes read from the connection; bytes beyond the response are a protocol error. */
  feed(chunk: Buffer): void {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(CRLF2, pos);
          if (end < 0) return this.hold(buf, pos, this.maxHeaderSize, 'headers too large');
          if (end - pos > this.maxHeaderSize) fail('headers too large');
          this.onHead(buf.toString('latin1', pos, end));
          pos = end + 4;
          break;
        }
        case 'length':
        case 'data': {
          const n = passBody(buf, pos, this.remaining, this.events);
          pos += n;
          this.remaining -= n;
          if (this.remaining > 0) break;
          if (this.state === 'length') this.finish();
          else this.state = 'data-crlf';
          break;
        }
        case 'data-crlf': {
          if (buf.length - pos < 2) return this.hold(buf, pos, 2, '');
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) fail('chunk not followed by CRLF');
          pos += 2;
          this.state = 'size';
          break;
        }
        case 'size':
        case 'trailers': {
          const eol = buf.indexOf('\r\n', pos, 'latin1');
          if (eol < 0) return this.hold(buf, pos, MAX_LINE, 'chunk line too long');
          const line = buf.toString('latin1', pos, eol);
          pos = eol + 2;
          if (this.state === 'trailers') {
            // Trailers are dropped, but a malformed one means the framing cannot be trusted.
            if (line === '') this.finish();
            else if (line.length > MAX_LINE) fail('trailer too long');
            else fieldLine(line);
            break;
          }
          const size = CHUNK_SIZE.exec(line);
          if (!size) fail('bad chunk size');
          this.remaining = parseInt(size[1] ?? '', 16);
          this.state = this.remaining === 0 ? 'trailers' : 'data';
          break;
        }
        case 'close':
          this.events.body(pos === 0 ? buf : buf.subarray(pos));
          return;
        case 'done':
          fail('data after the end of the response');
      }
    }
  }

  /** The connection ended: completes a body delimited by the close, else the response is cut short. */
  end(): void {
    if (this.state === 'close') return this.finish();
    if (this.state !== 'done') fail('connection closed before the response ended');
  }

  private hold(buf: Buffer, pos: number, limit: number, why: string): void {
    if (buf.length - pos > limit && why) fail(why);
    this.pending = Buffer.from(buf.subarray(pos));
  }

  private finish(): void {
    this.state = 'done';
    this.events.end();
  }

  private onHead(text: string): void {
    const head = parseHead(text);
    const { status } = head;
    if (status === 101) fail('unexpected protocol switch');
    if (status < 200) return; // interim (100 Continue, 103 Early Hints): the final one follows
    let te: string | null = null;
    let cl: string | null = null;
    let close = head.http10;
    const raw = head.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] ?? '').toLowerCase();
      const value = raw[i + 1] ?? '';
      if (name === 'transfer-encoding') te = te === null ? value : `${te}, ${value}`;
      else if (name === 'content-length') {
        if (cl !== null || !/^\d{1,15}$/.test(value)) fail('bad or repeated Content-Length');
        cl = value;
      } else if (name === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) close = true;
    }
    if (te !== null && cl !== null) fail('both Content-Length and Transfer-Encoding');
    this.reusable = !close;
    this.events.head({ status, statusMessage: head.statusMessage, rawHeaders: raw });
    if (this.method === 'HEAD' || status === 204 || status === 304) return this.finish();
    if (te !== null) {
      const last = te.split(',').pop()?.trim().toLowerCase();
      if (last === 'chunked') this.state = 'size';
      else this.closeDelimited();
    } else if (cl !== null) {
      this.remaining = Number(cl);
      this.state = 'length';
      if (this.remaining === 0) this.finish();
    } else this.closeDelimited();
  }

  private closeDelimited(): void {
    this.reusable = false;
    this.state = 'close';
  }
}

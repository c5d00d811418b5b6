/**
 * An incremental, strict HTTP/1.1 request parser for the gateway's agent connections, the
 * sibling of response-parser.ts. Pure: bytes in, callbacks out, pipelined requests one after
 * another. Anything malformed or ambiguous (every request-smuggling shape) throws
 * `RequestProtocolError` with the status to answer; the caller then drops the connection.
 */
import { passBody } from './message-head.js';
import { checkRequestLineStart, fail, parseFieldLine, parseRequestHead, parseRequestLine, type RequestHead } from './request-head.js';

export { RequestProtocolError, type RequestErrorStatus, type RequestHead } from './request-head.js';

export interface RequestEvents {
  head(head: RequestHead): void;
  /** De-chunked body bytes, or the raw bytes of a Content-Length body; never copies. */
  body(chunk: Buffer): void;
  /** The request is complete: right after head() when there is no body (or a zero length). */
  end(): void;
}

const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');
const MAX_CHUNK_LINE = 4096;
// chunk-size [ chunk-ext ] (RFC 9112 §7.1.1), no trailing whitespace; disjoint classes, so no
// catastrophic backtracking.
const CHUNK_LINE =
  /^([0-9A-Fa-f]{1,15})(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"))?)*$/;

type State = 'head' | 'length' | 'size' | 'data' | 'data-crlf' | 'trailers' | 'paused' | 'failed';

export class RequestParser {
  private state: State = 'head';
  /** Bytes of an unfinished head or line live in `store[0, held)`. */
  private store: Buffer | null = null;
  private held = 0;
  /** How many of the held bytes were already searched for the end of their head or line. */
  private scanned = 0;
  private remaining = 0;
  private trailerBytes = 0;
  private active = false;
  private pauseRequested = false;
  private rest: Buffer | null = null;
  private readonly maxHeaderSize: number;
  private readonly events: RequestEvents;

  /** `maxHeaderSize` bounds the request line and header lines (and, separately, a chunked trailer section). */
  constructor(o: { maxHeaderSize: number; events: RequestEvents }) {
    this.maxHeaderSize = o.maxHeaderSize;
    this.events = o.events;
  }

  /** True between head() and end() of a request. */
  get inBody(): boolean {
    return this.active;
  }

  /** True when no request is partially received (safe point to close an idle connection). */
  get idle(): boolean {
    return !this.active && this.held === 0;
  }

  /** Consumes bytes read from the connection; throws `RequestProtocolError` on a bad request. */
  feed(chunk: Buffer): void {
    if (this.state === 'paused') return this.keep(chunk);
    try {
      this.run(chunk);
    } catch (err) {
      this.state = 'failed';
      this.store = null;
      this.held = 0;
      throw err;
    }
  }

  /** Stop after the current request's end(): later bytes are kept for takeRest(), not parsed. */
  pauseAfterRequest(): void {
    if (this.state === 'paused' || this.state === 'failed') return;
    if (this.active || this.held > 0) this.pauseRequested = true;
    else this.state = 'paused';
  }

  takeRest(): Buffer | null {
    const rest = this.rest;
    this.rest = null;
    return rest;
  }

  /** Resume parsing (feeds any held bytes). */
  resume(): void {
    this.pauseRequested = false;
    if (this.state !== 'paused') return;
    this.state = 'head';
    const rest = this.takeRest();
    if (rest) this.feed(rest);
  }

  private run(chunk: Buffer): void {
    const fromStore = this.held > 0;
    const buf = fromStore ? this.join(chunk) : chunk;
    if (!fromStore) this.store = null;
    let scanned = this.scanned;
    this.held = 0;
    this.scanned = 0;
    let pos = 0;
    while (pos < buf.length) {
      switch (this.state) {
        case 'head': {
          if (scanned === 0) {
            // Empty lines before a request line may be ignored (RFC 9112 §2.2).
            while (buf[pos] === 13 && buf[pos + 1] === 10) pos += 2;
            if (pos === buf.length) break;
            if (pos === buf.length - 1 && buf[pos] === 13) return this.hold(buf, pos, fromStore, 0);
          }
          const end = buf.indexOf(CRLF2, pos + Math.max(0, scanned - 3));
          if (end < 0) {
            this.checkPartialHead(buf, pos, scanned);
            return this.hold(buf, pos, fromStore, buf.length - pos);
          }
          if (end - pos > this.maxHeaderSize) this.headTooLarge(buf, pos);
          const head = parseRequestHead(buf.toString('latin1', pos, end));
          pos = end + 4;
          this.begin(head);
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
          if (buf[pos] !== 13 || (pos + 1 < buf.length && buf[pos + 1] !== 10)) fail(400, 'chunk data not followed by CRLF');
          if (pos + 1 === buf.length) return this.hold(buf, pos, fromStore, 0);
          pos += 2;
          this.state = 'size';
          break;
        }
        case 'size':
        case 'trailers': {
          const sizeLine = this.state === 'size';
          const limit = sizeLine ? MAX_CHUNK_LINE : this.maxHeaderSize - this.trailerBytes;
          const eol = buf.indexOf(CRLF, pos + Math.max(0, scanned - 1));
          if (eol < 0) {
            // No CRLF at all yet, so any LF is a bare one: refuse it now rather than wait.
            if (buf.indexOf(10, pos + scanned) >= 0) fail(400, 'bare LF in the chunked body');
            if (buf.length - 1 - pos > limit) this.lineTooLong(sizeLine);
            return this.hold(buf, pos, fromStore, buf.length - pos);
          }
          if (eol - pos > limit) this.lineTooLong(sizeLine);
          const line = buf.toString('latin1', pos, eol);
          pos = eol + 2;
          if (sizeLine) this.chunkSize(line);
          else this.trailer(line);
          break;
        }
        case 'paused':
          this.keep(buf.subarray(pos));
          this.store = null;
          return;
        case 'failed':
          fail(400, 'the connection already sent an invalid request');
      }
      scanned = 0;
    }
    this.store = null;
  }

  /**
   * The held bytes followed by `chunk`, in a store that grows by doubling: a head trickled in
   * byte by byte then costs linear copying, not quadratic.
   */
  private join(chunk: Buffer): Buffer {
    const need = this.held + chunk.length;
    let store = this.store;
    if (!store || store.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * (store?.length ?? 0)));
      store?.copy(grown, 0, 0, this.held);
      store = this.store = grown;
    }
    chunk.copy(store, this.held);
    return store.subarray(0, need);
  }

  private hold(buf: Buffer, pos: number, fromStore: boolean, scanned: number): void {
    const n = buf.length - pos;
    // Reuse the store only if nothing of it went out: body chunks handed out are subarrays.
    if (!fromStore || pos > 0) {
      this.store = Buffer.allocUnsafe(Math.max(2 * n, 64));
      buf.copy(this.store, 0, pos);
    }
    this.held = n;
    this.scanned = scanned;
  }

  private keep(bytes: Buffer): void {
    if (bytes.length > 0) this.rest = this.rest ? Buffer.concat([this.rest, bytes]) : Buffer.from(bytes);
  }

  private checkPartialHead(buf: Buffer, pos: number, scanned: number): void {
    for (let i = buf.indexOf(10, pos + scanned); i >= 0; i = buf.indexOf(10, i + 1)) {
      if (i === pos || buf[i - 1] !== 13) fail(400, 'bare LF in the request head');
    }
    // A request line that cannot become valid is refused now, not when the head completes (or
    // never does): garbage does not hold a connection until the head deadline.
    const eol = buf.indexOf(CRLF, pos);
    if (eol < 0) checkRequestLineStart(buf.toString('latin1', pos, Math.min(buf.length, pos + 1024)));
    // Checked once, when its CRLF arrives: a head trickled in afterwards is not re-parsed each time.
    else if (eol + 1 >= pos + scanned) parseRequestLine(buf.toString('latin1', pos, eol));
    // Even if the next bytes were CRLFCRLF, the head would be over the limit.
    if (buf.length - pos > this.maxHeaderSize + 3) this.headTooLarge(buf, pos);
  }

  private headTooLarge(buf: Buffer, pos: number): never {
    const eol = buf.indexOf(CRLF, pos);
    if (eol < 0 || eol - pos > this.maxHeaderSize) fail(414, 'request line too long');
    fail(431, 'request headers too large');
  }

  private lineTooLong(sizeLine: boolean): never {
    if (sizeLine) fail(400, 'chunk size line too long');
    fail(431, 'chunked trailers too large');
  }

  private begin(head: RequestHead): void {
    const { body } = head;
    this.active = true;
    this.remaining = body.kind === 'length' ? body.length : 0;
    this.trailerBytes = 0;
    this.state = body.kind === 'chunked' ? 'size' : 'length';
    this.events.head(head);
    if (body.kind !== 'chunked' && this.remaining === 0) this.finish();
  }

  private chunkSize(line: string): void {
    const m = CHUNK_LINE.exec(line);
    if (!m) fail(400, 'bad chunk size line');
    const size = parseInt(m[1] ?? '', 16);
    // Beyond 2^53 the byte count would silently lose precision.
    if (size > Number.MAX_SAFE_INTEGER) fail(400, 'chunk too large');
    this.remaining = size;
    this.state = size === 0 ? 'trailers' : 'data';
  }

  private trailer(line: string): void {
    if (line === '') return this.finish();
    this.trailerBytes += line.length + 2; // the next line's limit: the section stays within maxHeaderSize
    parseFieldLine(line); // checked like a header, then dropped: trailers are not forwarded
  }

  private finish(): void {
    this.active = false;
    this.state = this.pauseRequested ? 'paused' : 'head';
    this.pauseRequested = false;
    this.events.end();
  }
}

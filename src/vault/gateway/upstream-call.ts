import { messageHead } from './message-head.js';
import { ResponseParser, UpstreamProtocolError, type ResponseEvents } from './response-parser.js';
import type { NativeTlsConnection } from './native-tls/native-tls.js';
import type { PoolKey } from './pool-key.js';
import type { UpstreamSocket } from './upstream-socket.js';

/**
 * One request/response on a pooled upstream connection (see upstream-client.ts): the head
 * written in one piece, the body framed as the agent framed it, the response parsed by
 * `ResponseParser`, and the connection handed back for reuse only when all of it is done.
 */

const MAX_HEADER_SIZE = 16 * 1024;
// Bodies shorter than this are not worth handing to the native transport's pipe.
const PIPE_MIN_BYTES = 64 * 1024;

/** Where a response body may go natively, and what to do around it. */
export interface PipeOffer {
  target: NativeTlsConnection;
  /** Called first: whatever the caller still holds must reach the target before piped bytes. */
  before(): void;
  /** The piped bytes are through (the response then ends as usual). */
  after(moved: number): void;
}

/** What to dial: the checked address, and the name the certificate must be valid for ('' for an IP). */
export interface DialTarget {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly servername: string;
}

export type BodyFraming = 'none' | 'length' | 'chunked';

export interface CallOptions {
  target: DialTarget;
  /** Whose requests the connection carries (pool-key.ts): only a connection of the same key is reused. */
  owner: PoolKey;
  method: string;
  path: string;
  /** Flat `[name, value, …]` list, framing headers included. */
  headers: readonly string[];
  body: BodyFraming;
  events: ResponseEvents & { error(err: Error): void };
  /**
   * The head exactly as first sent, when the fast lane sent it: a retry sends these bytes again.
   * Given to `call`, the request exactly as the lane would have sent it (head and body), sent as it is.
   */
  rawHead?: Buffer;
}

/** Where a call gets a replacement connection and returns its own. */
export interface ConnectionSource {
  fresh(t: DialTarget, owner: PoolKey): PooledConnection;
  release(conn: PooledConnection): void;
}

/** One upstream connection; `owner` is the call using it, null while it waits in the pool. */
export class PooledConnection {
  owner: UpstreamCall | null = null;
  /** Requests sent on it so far: a failure on a reused connection may be a stale keep-alive. */
  uses = 0;
  expiresAt = Infinity;

  readonly key: string;
  readonly socket: UpstreamSocket;

  constructor(key: string, socket: UpstreamSocket, onIdleEvent: (conn: PooledConnection) => void) {
    this.key = key;
    this.socket = socket;
    // One set of listeners for the connection's life, dispatched to its current call.
    socket.on('data', (d: Buffer) => (this.owner ? this.owner.onData(d) : onIdleEvent(this)));
    socket.on('end', () => (this.owner ? this.owner.onEnd() : onIdleEvent(this)));
    socket.on('error', (err) => (this.owner ? this.owner.onError(err) : onIdleEvent(this)));
    socket.on('close', () => (this.owner ? this.owner.onEnd() : onIdleEvent(this)));
  }
}

/** The `timeout=` of a response's `Keep-Alive` header in ms, or null. */
export function keepAliveTimeoutMs(rawHeaders: readonly string[]): number | null {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() !== 'keep-alive') continue;
    const m = /(?:^|[,\s])timeout=(\d+)/i.exec(rawHeaders[i + 1] ?? '');
    if (m) return Number(m[1]) * 1_000;
  }
  return null;
}

/** Serializes a request head; throws on a header no HTTP/1.1 message may carry. */
export function requestHead(method: string, path: string, headers: readonly string[]): string {
  return messageHead(`${method} ${path} HTTP/1.1`, headers);
}

/** One request/response on a pooled connection. */
export class UpstreamCall {
  private readonly parser: ResponseParser;
  private readonly pool: ConnectionSource;
  private readonly o: CallOptions;
  private conn: PooledConnection;
  private bodySent: boolean;
  private finished = false;
  private keepAliveMs: number | null = null;
  private pipe: PipeOffer | null = null;

  constructor(pool: ConnectionSource, conn: PooledConnection, o: CallOptions) {
    this.pool = pool;
    this.conn = conn;
    this.o = o;
    const events = o.events;
    const head: ResponseEvents['head'] = (h) => {
      this.keepAliveMs = keepAliveTimeoutMs(h.rawHeaders);
      events.head(h);
    };
    this.parser = new ResponseParser({ method: o.method, maxHeaderSize: MAX_HEADER_SIZE, events: { ...events, head } });
    this.bodySent = o.body === 'none';
  }

  /** Sends the head (the caller has validated it with `requestHead`). */
  start(head: string | Buffer): void {
    this.conn.owner = this;
    this.conn.uses++;
    if (typeof head === 'string') this.conn.socket.write(head, 'latin1');
    else this.conn.socket.write(head);
  }

  /**
   * Carries on an exchange the fast lane began on this connection: the request has gone out,
   * `received` is what the upstream answered so far, and `stopped` how the connection ended
   * ('' closed, else the failure) if it did.
   */
  adopt(received: Buffer, stopped: string | undefined): void {
    this.conn.owner = this;
    this.bodySent = true;
    if (received.length > 0) this.onData(received);
    if (stopped === '') this.onEnd();
    else if (stopped !== undefined) this.onError(new Error(stopped));
  }

  /** Sends a piece of the request body; false asks the caller to wait for `onDrain`. */
  write(chunk: Buffer): boolean {
    const socket = this.conn.socket;
    if (this.o.body !== 'chunked') return socket.write(chunk);
    if (chunk.length === 0) return true;
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const ok = socket.write('\r\n', 'latin1');
    socket.uncork();
    return ok;
  }

  onDrain(cb: () => void): void {
    this.conn.socket.once('drain', cb);
  }

  /** The request body is complete. */
  end(): void {
    if (this.o.body === 'chunked') this.conn.socket.write('0\r\n\r\n', 'latin1');
    this.bodySent = true;
    if (this.parser.done) this.complete();
  }

  /** Stops reading the response (backpressure); a no-op once the call is over. */
  pause(): void {
    if (!this.finished) this.conn.socket.pause();
  }

  resume(): void {
    if (!this.finished) this.conn.socket.resume();
  }

  /** Drops the call (the agent went away): the connection is not reused. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.conn.owner = null;
    this.conn.socket.destroy();
  }

  /**
   * The rest of a Content-Length body may pass natively (both sides on the native transport,
   * and the caller does nothing with the bytes): no JavaScript, no buffer per chunk.
   */
  offerPipe(offer: PipeOffer): void {
    this.pipe = offer;
  }

  onData(d: Buffer): void {
    try {
      this.parser.feed(d);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (this.parser.done && this.bodySent) this.complete();
    else this.maybePipe();
  }

  private maybePipe(): void {
    const offer = this.pipe;
    const left = this.parser.lengthRemaining;
    const socket = this.conn.socket;
    if (!offer || this.finished || left < PIPE_MIN_BYTES || !socket.pipeBody) return;
    this.pipe = null;
    offer.before();
    socket.pipeBody(offer.target, left, (moved) => {
      offer.after(moved);
      try {
        this.parser.skip(moved);
      } catch (err) {
        return this.fail(err as Error);
      }
      if (this.parser.done && this.bodySent) this.complete();
    });
  }

  onEnd(): void {
    if (this.finished) return;
    if (!this.parser.started) return this.fail(new Error('upstream closed the connection without a response'));
    try {
      this.parser.end();
    } catch (err) {
      return this.fail(err as Error);
    }
    this.finished = true;
    this.conn.owner = null;
    this.conn.socket.destroy();
  }

  onError(err: Error): void {
    this.fail(err);
  }

  private fail(err: Error): void {
    if (this.finished) return;
    const stale = this.conn.uses > 1 && !this.parser.started && this.o.body === 'none';
    this.conn.owner = null;
    this.conn.socket.destroy();
    // A reused keep-alive connection the upstream closed as we wrote: nothing was sent that
    // a fresh connection cannot send again (no body, no response yet).
    if (stale && !(err instanceof UpstreamProtocolError)) {
      this.conn = this.pool.fresh(this.o.target, this.o.owner);
      this.start(this.o.rawHead ?? requestHead(this.o.method, this.o.path, this.o.headers));
      return;
    }
    this.finished = true;
    this.o.events.error(err);
  }

  private complete(): void {
    if (this.finished) return;
    this.finished = true;
    this.conn.owner = null;
    // Like Node's agent: stop using the connection a second before the upstream said it would close it.
    if (this.keepAliveMs !== null) this.conn.expiresAt = performance.now() + this.keepAliveMs - 1_000;
    if (this.parser.reusable) this.pool.release(this.conn);
    else this.conn.socket.destroy();
  }
}

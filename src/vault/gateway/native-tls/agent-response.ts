import { EventEmitter } from 'node:events';
import { STATUS_CODES, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import type { AgentResponse } from '../agent-exchange.js';
import { joinForWrite } from './join-for-write.js';
import type { NativeTlsConnection } from './native-tls.js';
import { responseFraming, serializeHead, type Framing } from './response-head.js';

/** Where a response's bytes go: the agent's connection. */
export interface ResponseOutput {
  /** False when the caller should wait for 'drain'. `data` is consumed or copied before it returns, never kept. */
  write(data: Buffer): boolean;
  /** The response is complete; the connection closes after it when `close`. */
  done(close: boolean): void;
  /** The response cannot complete: drop the connection. */
  abort(): void;
  /** The agent's TLS connection, for a body passed to it natively. */
  readonly tlsConnection: NativeTlsConnection;
  /** Such a body is about to pass (its bytes are activity on the connection). */
  pipeStarting(): void;
}

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
// Below this a piece is joined to what follows it rather than written on its own.
const SMALL = 4096;
// Bytes a response holds back for the rest of this turn before writing them at once.
const HOLD = 64 * 1024;

/**
 * A response to an agent on a natively terminated connection, framed here (Content-Length as
 * given, else chunked; close-delimited for HTTP/1.0). The head waits for the first body bytes
 * so both leave in one TLS record, as Node's ServerResponse does.
 */
export class NativeResponse extends EventEmitter implements AgentResponse {
  headersSent = false;
  writableFinished = false;
  statusCode = 200;
  private framing: Framing | null = null;
  private pending: Buffer[] | null = null;
  private pendingBytes = 0;
  private flushQueued = false;
  /** The connection answered a write with "full" and has not drained since. */
  private full = false;
  private corks = 0;
  private closed = false;
  private readonly method: string;
  private readonly versionMinor: number;
  private readonly keepAlive: boolean;
  private readonly out: ResponseOutput;

  constructor(o: { method: string; versionMinor: number; keepAlive: boolean; out: ResponseOutput }) {
    super();
    this.method = o.method;
    this.versionMinor = o.versionMinor;
    this.keepAlive = o.keepAlive;
    this.out = o.out;
  }

  writeHead(status: number, a?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], b?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    if (this.headersSent) throw new Error('response head already sent');
    const message = typeof a === 'string' && a !== '' ? a : (STATUS_CODES[status] ?? 'Unknown');
    const headers = typeof a === 'string' ? b : a;
    const framing = responseFraming({
      method: this.method,
      status,
      versionMinor: this.versionMinor,
      keepAlive: this.keepAlive,
      headers: headers ?? [],
    });
    this.statusCode = status;
    this.framing = framing;
    this.headersSent = true;
    this.queue(Buffer.from(serializeHead(status, message, framing.headers), 'latin1'));
    return this;
  }

  write(chunk: Buffer | string): boolean {
    if (!this.headersSent) this.writeHead(this.statusCode);
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (data.length > 0 && this.framing?.body !== 'none') {
      if (this.framing?.body === 'chunked') {
        this.queue(Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'));
        this.queue(data);
        this.queue(CRLF);
      } else this.queue(data);
    }
    // A small response usually ends in the same turn (head, body and last chunk from one
    // upstream read): held until the turn's microtasks, it leaves in one TLS record and one
    // write() instead of two, and the agent wakes once.
    if (this.pendingBytes >= HOLD) return this.flush();
    if (!this.flushQueued && this.corks === 0) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.flush();
      });
    }
    return !this.full;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableFinished || this.closed) return this;
    if (chunk !== undefined) this.write(chunk);
    else if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.framing?.body === 'chunked') this.queue(LAST_CHUNK);
    this.corks = 0;
    this.flush();
    this.writableFinished = true;
    this.out.done(this.framing?.close ?? true);
    this.emit('finish');
    this.closeSoon();
    return this;
  }

  destroy(): this {
    if (this.closed) return this;
    if (!this.writableFinished) this.out.abort();
    this.closeSoon();
    return this;
  }

  cork(): void {
    this.corks++;
  }

  uncork(): void {
    if (this.corks > 0 && --this.corks === 0) this.flush();
  }

  /** Where a Content-Length body may be passed natively; null when this response cannot take one. */
  pipeTarget(): NativeTlsConnection | null {
    return this.framing?.body === 'length' && !this.closed ? this.out.tlsConnection : null;
  }

  /** Writes what is held (corked or not): piped bytes must come after it. */
  preparePipe(): void {
    this.corks = 0;
    this.flush();
    this.out.pipeStarting();
  }

  /** The connection can take more. */
  drained(): void {
    this.full = false;
    this.emit('drain');
  }

  /** The connection went away (the agent left, or an error): ends the response's life. */
  connectionClosed(): void {
    this.closeSoon();
  }

  private queue(b: Buffer): void {
    (this.pending ??= []).push(b);
    this.pendingBytes += b.length;
  }

  // Held while corked or until there is body (the head alone is held for the first chunk).
  // Small pieces (head, chunk framing) are joined to the body bytes after them so they share a
  // TLS record; a large body buffer standing alone is passed on without a copy.
  private flush(): boolean {
    if (this.corks > 0 || !this.pending || this.closed) return !this.full;
    const parts = this.pending;
    this.pending = null;
    this.pendingBytes = 0;
    let ok = true;
    let from = 0;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i]!.length < SMALL && i < parts.length - 1) continue;
      ok = this.out.write(joinForWrite(parts.slice(from, i + 1))) && ok;
      from = i + 1;
    }
    if (!ok) this.full = true;
    return !this.full;
  }

  private closeSoon(): void {
    if (this.closed) return;
    this.closed = true;
    process.nextTick(() => this.emit('close'));
  }
}
